//! Parameter sweeps: many runs of one scenario, each with some keys
//! overridden, in parallel and deterministically; on one machine or split
//! into shards (a Slurm job array) and merged.
//!
//! A sweep file ([`spec`], docs/sweeps.md) names a base scenario, fixed
//! overrides, axes of values over any scenario key (the same paths as
//! `--set`) and replications (seeds). It expands into an ordered list of
//! [`spec::Point`]s: the Cartesian product of the axes, the first axis
//! outermost, seeds innermost. Each point is an ordinary run (the body of
//! `cdnsim run`, [`crate::cli::run::run_into`]) written atomically to
//! `OUT/points/<name>/`, so a point's files are byte-identical whatever
//! the number of jobs, and a point whose folder was committed (with an
//! unchanged `sweep-point.toml` stamp) is not run again on resume.
//!
//! When every point is there, [`finish`] writes `OUT/sweep.csv` (one row
//! per point: parameters and headline metrics from each point's
//! summary.json, [`table`]) and `OUT/plots/` ([`plots`]). `cdnsim sweep
//! merge` calls the same [`finish`] on the union of shard folders, so a
//! merged sweep.csv equals a single-machine one byte for byte.
//!
//! Sharding rule: point `i` (0-based, canonical order) belongs to shard
//! `i mod N + 1` of `N` ([`in_shard`]).

pub mod plots;
pub mod slurm;
pub mod spec;
pub mod table;

use crate::engine::Control;
use crate::error::{Error, InputError};
use crate::output::RunDir;
use crate::scenario::{load_file, validate};
use rayon::prelude::*;
use serde::Serialize;
use spec::{Point, Source, Sweep};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// File in `OUT/` describing the expanded sweep (written by every run and
/// shard; `merge` checks that all agree).
pub const MANIFEST: &str = "sweep.json";
/// File in each point folder: what the point ran. A folder is reused on
/// resume only when it holds exactly the stamp the point would write.
pub const STAMP: &str = "sweep-point.toml";

/// The point folder of `p` under the sweep output folder `out`.
pub fn point_dir(out: &Path, p: &Point) -> PathBuf {
    out.join("points").join(&p.name)
}

/// Whether point `index` belongs to shard `k` (1-based) of `n`.
pub fn in_shard(index: usize, k: usize, n: usize) -> bool {
    index % n + 1 == k
}

#[derive(Serialize)]
struct Stamp<'a> {
    sweep: &'a str,
    point: &'a str,
    index: usize,
    seed: u64,
    scenario_fnv: &'a str,
    cdnsim_version: &'static str,
    sets: Vec<&'a str>,
}

/// The `sweep-point.toml` a point writes.
pub fn stamp(sweep: &Sweep, p: &Point) -> String {
    let s = Stamp {
        sweep: &sweep.name,
        point: &p.name,
        index: p.index,
        seed: p.seed,
        scenario_fnv: &sweep.scenario_fnv,
        cdnsim_version: env!("CARGO_PKG_VERSION"),
        sets: p.sets.iter().map(|s| s.arg.as_str()).collect(),
    };
    let body = toml::to_string(&s).unwrap_or_default();
    format!(
        "# Point {} of sweep {}: this folder is reused on resume only while this file is unchanged.\n{body}",
        p.index, sweep.name
    )
}

/// Whether `p` has a committed folder under `out` with its current stamp.
pub fn is_finished(sweep: &Sweep, out: &Path, p: &Point) -> bool {
    let dir = point_dir(out, p);
    dir.join("summary.json").is_file()
        && std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp(sweep, p))
}

/// `scenario` loaded with the point's overrides, errors located in the
/// sweep file when a value of the sweep caused them.
fn load_point(
    sweep: &Sweep,
    src: &Source,
    p: &Point,
) -> Result<(crate::scenario::Loaded, crate::scenario::RunConfig), InputError> {
    let args: Vec<String> = p.sets.iter().map(|s| s.arg.clone()).collect();
    let r = load_file(&sweep.scenario, &args).and_then(|l| validate(&l).map(|c| (l, c)));
    r.map_err(|e| relocate(e, src, p))
}

/// Turns an error attributed to `--set ARG` into one at the sweep-file
/// value that produced ARG.
fn relocate(e: InputError, src: &Source, p: &Point) -> InputError {
    let Some(arg) = e.file.strip_prefix("--set ") else {
        return InputError {
            message: format!("{} (sweep point {})", e.message, p.name),
            ..e
        };
    };
    match p
        .sets
        .iter()
        .rev()
        .find(|s| s.arg == arg && !s.origin.is_empty())
    {
        Some(s) => {
            let segs = crate::scenario::load::parse_path(&s.origin).unwrap_or_default();
            let key = if e.path.is_empty() {
                String::new()
            } else {
                format!("{}: ", e.path)
            };
            src.error(
                &segs,
                format!("{key}{} (sweep point {})", e.message, p.name),
            )
        }
        None => e,
    }
}

/// Validates every point (and the sweep's plots) without running anything.
pub fn check(sweep: &Sweep, src: &Source) -> Result<(), InputError> {
    for p in &sweep.points {
        load_point(sweep, src, p)?;
    }
    plots::check(sweep, src)
}

/// How to run a sweep.
pub struct Options<'a> {
    /// Output folder.
    pub out: PathBuf,
    /// Worker threads (points run at once).
    pub jobs: usize,
    /// Only shard K of N (1-based).
    pub shard: Option<(usize, usize)>,
    /// Set to stop: running points are abandoned (nothing of them is
    /// written), no new point starts.
    pub stop: &'a AtomicBool,
    /// Called after each point with (point, seconds of wall time) when it
    /// ran, for progress lines.
    pub on_done: &'a (dyn Fn(&Point, f64) + Sync),
}

/// What a sweep run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Points of this run (all, or the shard's).
    pub selected: usize,
    /// Points found finished and not run again.
    pub reused: usize,
    /// Points run now.
    pub ran: usize,
    /// Points not finished because of a stop.
    pub stopped: usize,
    /// Whether sweep.csv and plots were written.
    pub finished: bool,
}

fn runtime(e: impl std::fmt::Display) -> Error {
    Error::Runtime(e.to_string())
}

/// Writes a file atomically (temporary sibling, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}-{}", std::process::id(), host_tag()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("renaming to {}", path.display()), e))
}

/// Distinguishes temporary files of processes on different hosts sharing a
/// folder (shards on a cluster).
fn host_tag() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// The manifest: the expanded sweep without where its file was read from.
pub fn manifest(sweep: &Sweep) -> Result<String, Error> {
    let mut v = serde_json::to_value(sweep).map_err(runtime)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("file");
        o.remove("scenario");
    }
    let mut s = serde_json::to_string_pretty(&v).map_err(runtime)?;
    s.push('\n');
    Ok(s)
}

/// Runs the sweep's points (all, or one shard's) that are not finished,
/// then, when not a shard and every point is finished, writes sweep.csv
/// and the plots. Points must have passed [`check`].
pub fn run(sweep: &Sweep, src: &Source, opts: &Options) -> Result<Outcome, Error> {
    std::fs::create_dir_all(opts.out.join("points"))
        .map_err(|e| Error::io(format!("creating {}", opts.out.display()), e))?;
    write_atomic(&opts.out.join(MANIFEST), manifest(sweep)?.as_bytes())?;
    let selected: Vec<&Point> = sweep
        .points
        .iter()
        .filter(|p| opts.shard.is_none_or(|(k, n)| in_shard(p.index, k, n)))
        .collect();
    let todo: Vec<&Point> = selected
        .iter()
        .copied()
        .filter(|p| !is_finished(sweep, &opts.out, p))
        .collect();
    let mut outcome = Outcome {
        selected: selected.len(),
        reused: selected.len() - todo.len(),
        ..Outcome::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(runtime)?;
    let errors: Mutex<Vec<(usize, Error)>> = Mutex::new(Vec::new());
    let results: Vec<bool> = pool.install(|| {
        todo.par_iter()
            .with_max_len(1)
            .map(|p| {
                if opts.stop.load(Ordering::SeqCst) {
                    return false;
                }
                match run_point(sweep, src, p, opts) {
                    Ok(done) => done,
                    Err(e) => {
                        // One failed point stops the others from starting.
                        opts.stop.store(true, Ordering::SeqCst);
                        errors.lock().map(|mut v| v.push((p.index, e))).ok();
                        false
                    }
                }
            })
            .collect()
    });
    let mut errors = errors.into_inner().unwrap_or_default();
    errors.sort_by_key(|(i, _)| *i);
    if let Some((i, e)) = errors.into_iter().next() {
        return Err(Error::Runtime(format!(
            "sweep point {}: {e}",
            sweep.points[i].name
        )));
    }
    outcome.ran = results.iter().filter(|&&d| d).count();
    outcome.stopped = results.len() - outcome.ran;
    // Shards never write sweep.csv (shards sharing a folder would race):
    // `merge` does, once.
    if outcome.stopped == 0
        && opts.shard.is_none()
        && sweep
            .points
            .iter()
            .all(|p| is_finished(sweep, &opts.out, p))
    {
        finish(sweep, &[opts.out.as_path()], &opts.out)?;
        outcome.finished = true;
    }
    Ok(outcome)
}

/// Runs one point; `Ok(false)` when stopped.
fn run_point(sweep: &Sweep, src: &Source, p: &Point, opts: &Options) -> Result<bool, Error> {
    let (loaded, cfg) = load_point(sweep, src, p)?;
    let started = std::time::Instant::now();
    let extra = [(STAMP.to_string(), stamp(sweep, p).into_bytes())];
    let done = crate::cli::run::run_into(&loaded, &cfg, &point_dir(&opts.out, p), &extra, |_| {
        if opts.stop.load(Ordering::SeqCst) {
            Control::Stop
        } else {
            Control::Continue
        }
    })?;
    if done.is_some() {
        (opts.on_done)(p, started.elapsed().as_secs_f64());
    }
    Ok(done.is_some())
}

/// Writes `out/sweep.csv` and `out/plots/` from the point folders found
/// under `dirs` (the first folder holding a point's finished folder wins).
/// Fails, naming them, when points are missing.
pub fn finish(sweep: &Sweep, dirs: &[&Path], out: &Path) -> Result<(), Error> {
    let mut found = Vec::with_capacity(sweep.points.len());
    let mut missing = Vec::new();
    for p in &sweep.points {
        match dirs.iter().find(|d| is_finished(sweep, d, p)) {
            Some(d) => found.push(point_dir(d, p)),
            None => missing.push(p),
        }
    }
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .take(5)
            .map(|p| format!("#{} {}", p.index, p.name))
            .collect();
        return Err(Error::Runtime(format!(
            "{} of {} points have no finished folder under {}: {}{}",
            missing.len(),
            sweep.points.len(),
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            names.join(", "),
            if missing.len() > 5 { ", ..." } else { "" }
        )));
    }
    let rows = table::rows(sweep, &found)?;
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    write_atomic(&out.join("sweep.csv"), &table::csv(sweep, &rows)?)?;
    let figs = plots::figures(sweep, &rows);
    let rendered = plots::render(figs)?;
    let dir = RunDir::create(&out.join("plots"))?;
    for (id, svg, png) in &rendered {
        dir.write(&format!("{id}.svg"), svg.as_bytes())?;
        dir.write(&format!("{id}.png"), png)?;
    }
    dir.commit()?;
    Ok(())
}

/// Merges shard folders: checks that they hold the same sweep (their
/// manifests agree), then writes sweep.csv and plots into `out`.
pub fn merge(dirs: &[&Path], out: &Path) -> Result<Sweep, Error> {
    let mut first: Option<(String, Sweep, &Path)> = None;
    for d in dirs {
        let p = d.join(MANIFEST);
        let text = std::fs::read_to_string(&p).map_err(|e| {
            InputError::new(
                p.display().to_string(),
                "",
                format!("cannot read: {e} (expected a folder written by `cdnsim sweep`)"),
            )
        })?;
        let sweep: Sweep = serde_json::from_str(&add_paths(&text)).map_err(|e| {
            InputError::at_line(p.display().to_string(), Some(e.line()), "", e.to_string())
        })?;
        match &first {
            None => first = Some((text, sweep, d)),
            Some((t, _, d0)) if *t != text => {
                return Err(InputError::new(
                    p.display().to_string(),
                    "",
                    format!(
                        "differs from {}: the folders hold different sweeps (or versions of one)",
                        d0.join(MANIFEST).display()
                    ),
                )
                .into());
            }
            Some(_) => {}
        }
    }
    let Some((_, sweep, _)) = first else {
        return Err(Error::Runtime("merge needs at least one folder".into()));
    };
    finish(&sweep, dirs, out)?;
    Ok(sweep)
}

/// The manifest lacks `file` and `scenario` (they depend on where a shard
/// ran from); give them empty values to deserialize.
fn add_paths(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(mut o)) => {
            o.insert("file".into(), "".into());
            o.insert("scenario".into(), "".into());
            serde_json::Value::Object(o).to_string()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points_round_robin() {
        for n in 1..6 {
            for i in 0..20 {
                let owners: Vec<usize> = (1..=n).filter(|&k| in_shard(i, k, n)).collect();
                assert_eq!(owners, vec![i % n + 1]);
            }
        }
    }
}
