//! `cdnsim sweep FILE`: run a parameter sweep (docs/sweeps.md), one shard
//! of it, check it, or emit Slurm scripts; `cdnsim sweep merge DIR...`:
//! combine shard outputs.

use crate::error::Error;
use crate::sweep::{self, Options, slurm, spec};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// Sweep file (TOML; see docs/sweeps.md).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Points run at once [default: the number of CPUs].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Output folder [default: results/sweeps/<sweep name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N: the points whose index i has i mod N = K-1.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Validate every point without running anything.
    #[arg(long)]
    pub check: bool,
    /// Write sbatch scripts (a job array over shards and a merge job) into DIR.
    #[arg(long, value_name = "DIR")]
    pub emit_slurm: Option<PathBuf>,
    /// With --emit-slurm: number of shards (array tasks) [default: one per point, at most 1000].
    #[arg(long, requires = "emit_slurm")]
    pub shards: Option<usize>,
    /// With --emit-slurm: CPUs per array task (its --jobs) [default: 1].
    #[arg(long, requires = "emit_slurm")]
    pub cpus_per_task: Option<usize>,
    /// With --emit-slurm: extra #SBATCH option, e.g. --sbatch=--partition=short (repeatable).
    #[arg(
        long = "sbatch",
        value_name = "OPTION",
        requires = "emit_slurm",
        allow_hyphen_values = true
    )]
    pub sbatch: Vec<String>,
    /// Override a scenario key in every point, e.g. --set duration=1m (repeatable).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
    /// No progress lines.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum SweepCommand {
    /// Combine shard outputs into sweep.csv and plots.
    Merge(MergeArgs),
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Sweep output folders written by `cdnsim sweep --shard` (one or more).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write sweep.csv and plots/ [default: the first folder].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn flag_error(flag: &str, msg: impl Into<String>) -> Error {
    crate::InputError::new(flag, "", msg).into()
}

/// Parses `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<(usize, usize), Error> {
    let bad = || {
        flag_error(
            &format!("--shard {s}"),
            "expected K/N with 1 <= K <= N, e.g. --shard 2/8",
        )
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

pub fn execute(args: &SweepArgs) -> crate::Result<()> {
    if let Some(SweepCommand::Merge(m)) = &args.command {
        return merge(m);
    }
    let file = args
        .file
        .as_deref()
        .ok_or_else(|| flag_error("cdnsim sweep", "expected a sweep file or `merge DIR...`"))?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    if let Some(0) = args.jobs {
        return Err(flag_error("--jobs 0", "expected at least 1 job"));
    }
    let (sw, src) = spec::load(file, &args.sets)?;
    sweep::check(&sw, &src)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join("sweeps").join(&sw.name));
    if args.check {
        let axes: Vec<String> = sw
            .axes
            .iter()
            .map(|a| format!("{} {}", a.short, a.shown.len()))
            .collect();
        println!(
            "ok {}: {} points ({}{} seed(s)), base scenario {}",
            file.display(),
            sw.points.len(),
            axes.iter().map(|a| format!("{a} x ")).collect::<String>(),
            sw.seeds.len(),
            sw.scenario.display()
        );
        return Ok(());
    }
    if let Some(dir) = &args.emit_slurm {
        let shards = args
            .shards
            .unwrap_or(sw.points.len())
            .clamp(1, slurm::MAX_SHARDS);
        let cdnsim =
            std::env::current_exe().map_err(|e| Error::io("locating the cdnsim binary", e))?;
        let submit = slurm::emit(
            &sw,
            &slurm::Emit {
                dir: dir.clone(),
                shards,
                cpus: args.cpus_per_task.unwrap_or(1).max(1),
                sbatch: args.sbatch.clone(),
                cdnsim,
                file: file.to_path_buf(),
                out: out.clone(),
                sets: args.sets.clone(),
            },
        )?;
        println!(
            "sweep {}: {} points in {shards} shards; submit with: bash {}",
            sw.name,
            sw.points.len(),
            submit.display()
        );
        println!(
            "  results (after the merge job): {}",
            out.join("sweep.csv").display()
        );
        return Ok(());
    }
    // One handler for the process (SIGINT and SIGTERM): cli::interrupt.
    super::interrupt::install();
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let done = AtomicUsize::new(0);
    let total = sw
        .points
        .iter()
        .filter(|p| shard.is_none_or(|(k, n)| sweep::in_shard(p.index, k, n)))
        .count();
    let quiet = args.quiet;
    let on_done = |p: &spec::Point, secs: f64| {
        let i = done.fetch_add(1, Ordering::SeqCst) + 1;
        if !quiet {
            eprintln!("[{i}/{total}] {} ({secs:.1}s)", p.name);
        }
    };
    let outcome = sweep::run(
        &sw,
        &src,
        &Options {
            out: out.clone(),
            jobs,
            shard,
            stop: super::interrupt::flag(),
            on_done: &on_done,
        },
    )?;
    let what = match shard {
        Some((k, n)) => format!("sweep {} shard {k}/{n}", sw.name),
        None => format!("sweep {}", sw.name),
    };
    let kept = outcome.reused + outcome.ran;
    if outcome.stopped > 0 {
        return Err(Error::Interrupted(format!(
            "{what} interrupted: kept {kept} of {} points in {} ({} finished in this run); {} not finished (nothing of them written); run the same command again to resume",
            outcome.selected,
            out.join("points").display(),
            outcome.ran,
            outcome.stopped
        )));
    }
    println!(
        "{what}: {} points ({} run, {} already finished) with {jobs} job(s)",
        outcome.selected, outcome.ran, outcome.reused
    );
    if outcome.finished {
        println!("  results: {}", out.join("sweep.csv").display());
    } else {
        println!(
            "  points: {}; when every shard is done: cdnsim sweep merge {}",
            out.join("points").display(),
            out.display()
        );
    }
    Ok(())
}

fn merge(m: &MergeArgs) -> crate::Result<()> {
    let dirs: Vec<&Path> = m.dirs.iter().map(PathBuf::as_path).collect();
    let out = m.out.clone().unwrap_or_else(|| m.dirs[0].clone());
    let sw = sweep::merge(&dirs, &out)?;
    println!(
        "sweep {}: merged {} points from {} folder(s)",
        sw.name,
        sw.points.len(),
        dirs.len()
    );
    println!("  results: {}", out.join("sweep.csv").display());
    Ok(())
}
