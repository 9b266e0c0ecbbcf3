//! `cdnsim run SCENARIO`: simulate and write the results folder.

use crate::engine::Control;
use crate::output::{RunDir, summary};
use crate::scenario::{load_file, validate};
use crate::sim;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML, or JSON by extension).
    pub scenario: PathBuf,
    /// Output folder [default: results/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed (0 to 2^63-1: scenario files are TOML,
    /// whose integers are signed 64-bit).
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Override any scenario key, e.g. --set cdn.edge.capacity=4GB (repeatable).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    pub quiet: bool,
}

/// Wall time before a progress bar appears.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

pub fn execute(args: &RunArgs) -> crate::Result<()> {
    let mut sets = args.sets.clone();
    if let Some(seed) = args.seed {
        sets.push(format!("seed={seed}"));
    }
    let loaded = load_file(&args.scenario, &sets)?;
    let cfg = validate(&loaded)?;
    // Refuse before anything starts if it cannot fit in memory.
    crate::scenario::memory::check(&cfg, &loaded.locator, &crate::scenario::memory::machine())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&cfg.name));
    let dir = RunDir::create(&out)?;
    super::interrupt::install();

    let (routes, routed) = sim::plan(&cfg, &|path, msg| loaded.locator.error_at(path, msg))?;
    let started = Instant::now();
    let show = !args.quiet && std::io::stderr().is_terminal();
    let total = cfg.duration.as_nanos();
    let mut bar: Option<ProgressBar> = None;
    let mut stopped_at = None;
    let metrics = sim::run(&cfg, &routes, |now| {
        if super::interrupt::interrupted() {
            stopped_at = Some(now);
            return Control::Stop;
        }
        if show && bar.is_none() && started.elapsed() > PROGRESS_AFTER {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} simulated {percent:>3}% [{bar:40}] eta {eta}",
                )
                .expect("valid template"),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(now.as_nanos().min(total));
        }
        Control::Continue
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let kept = || {
        if out.join("summary.json").is_file() {
            format!(
                "the previous results in {} are kept as they were",
                out.display()
            )
        } else if out.exists() {
            format!("{} is left as it was", out.display())
        } else {
            format!("no folder {} was created", out.display())
        }
    };
    let Some(mut m) = metrics.filter(|_| !super::interrupt::interrupted()) else {
        let at = stopped_at.map_or("after the simulation".to_string(), |t| {
            format!(
                "at simulated {} of {}",
                crate::units::format_duration(t - crate::time::SimTime::ZERO),
                crate::units::format_duration(cfg.duration)
            )
        });
        return Err(crate::Error::Interrupted(format!(
            "{}: interrupted {at}; nothing of this run was written ({})",
            cfg.name,
            kept()
        )));
    };
    // Contradictory numbers are a bug: refuse to write them (exit 1).
    if let Some(r) = &routed {
        let paths = r.catchments.anycast.iter().map(|p| p.as_path.as_slice());
        sim::invariants::of_paths(&mut m.invariants, &r.world.graph, paths);
    }
    m.invariants.result()?;
    let written = summary::write_all(&dir, &cfg, &routes, &m)?;
    crate::report::write_run(&dir, &written.files)?;
    let final_dir = dir.commit()?;
    if !args.quiet {
        let s = summary::summary(&cfg, &m);
        println!(
            "{}: {} requests measured (warmup {}s excluded), {} events in {:.2}s wall",
            cfg.name,
            s.requests,
            s.warmup_s,
            s.events,
            started.elapsed().as_secs_f64()
        );
        println!(
            "  ttfb ms: p50 {} p90 {} p99 {} p99.9 {}",
            s.ttfb_ms.p50, s.ttfb_ms.p90, s.ttfb_ms.p99, s.ttfb_ms.p99_9
        );
        println!(
            "  edge hit ratio {:.4} (bytes {:.4}); origin {} requests, {} bytes",
            s.hit_ratio.requests, s.hit_ratio.bytes, s.origin_requests, s.origin_bytes
        );
        println!("  results: {}", final_dir.display());
    }
    Ok(())
}
