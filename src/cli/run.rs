//! `cdnsim run SCENARIO`: simulate and write the results folder.

use crate::engine::Control;
use crate::output::{RunDir, steering, summary};
use crate::scenario::{Loaded, RunConfig, load_file, validate};
use crate::sim;
use crate::time::SimTime;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
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

/// The terminal progress bar of a run: shown on a terminal once the run has
/// taken [`PROGRESS_AFTER`] of wall time, positioned by simulated time.
struct Progress {
    show: bool,
    started: Instant,
    total: u64,
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(show: bool, started: Instant, duration: crate::time::SimDuration) -> Progress {
        Progress {
            show,
            started,
            total: duration.as_nanos(),
            bar: None,
        }
    }

    fn tick(&mut self, now: SimTime) {
        if self.show && self.bar.is_none() && self.started.elapsed() > PROGRESS_AFTER {
            let b = ProgressBar::new(self.total);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} simulated {percent:>3}% [{bar:40}] eta {eta}",
                )
                .expect("valid template"),
            );
            self.bar = Some(b);
        }
        if let Some(b) = &self.bar {
            b.set_position(now.as_nanos().min(self.total));
        }
    }

    fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

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
    super::interrupt::install();
    let started = Instant::now();
    let show = !args.quiet && std::io::stderr().is_terminal();
    if cfg.study.is_some() {
        return run_study(&loaded, &cfg, &out, args.quiet);
    }
    if !cfg.effective.cdn.compare.is_empty() {
        let dir = RunDir::create(&out)?;
        let locate = |path: &str, msg: String| loaded.locator.error_at(path, msg);
        let mut plan_cfg = cfg.clone();
        if cfg.world.is_some() {
            // One plan for every mode: the anycast routes (nearest is derived).
            plan_cfg.steering = crate::scenario::raw::Steering::Anycast;
        }
        let (routes, routed) = sim::plan(&plan_cfg, &locate)?;
        let who = sim::steering::resolution(&cfg, &routes, routed.as_ref(), &locate)?;
        return run_modes(
            &cfg,
            dir,
            &routes,
            routed.as_ref(),
            who.as_ref(),
            started,
            show,
            args.quiet,
        );
    }
    let mut progress = Progress::new(show, started, cfg.duration);
    let mut stopped_at = None;
    let finished = run_into(&loaded, &cfg, &out, &[], |now| {
        if super::interrupt::interrupted() {
            stopped_at = Some(now);
            return Control::Stop;
        }
        progress.tick(now);
        Control::Continue
    })?;
    progress.finish();
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
    let Some(Finished {
        dir: final_dir,
        summary: s,
        wall,
    }) = finished
    else {
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
    if !args.quiet {
        println!(
            "{}: {} requests measured (warmup {}s excluded), {} events in {:.2}s wall",
            cfg.name,
            s.requests,
            s.warmup_s,
            s.events,
            wall.as_secs_f64()
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

/// A committed run folder and its summary.
pub struct Finished {
    pub dir: PathBuf,
    pub summary: summary::Summary,
    /// Wall time from the end of planning (routing) to the commit.
    pub wall: Duration,
}

/// The body of `cdnsim run` without the terminal: plans and simulates a
/// validated scenario and writes its folder at `out` atomically (the
/// summary, CSVs, plots and index.html), plus `extra` files (name, bytes).
/// `observe` sees simulated time advance; when it returns
/// [`Control::Stop`] the run is abandoned, nothing is written and the
/// result is `Ok(None)`. Used by `cdnsim run` and by sweeps.
pub fn run_into(
    loaded: &Loaded,
    cfg: &RunConfig,
    out: &Path,
    extra: &[(String, Vec<u8>)],
    observe: impl FnMut(SimTime) -> Control,
) -> crate::Result<Option<Finished>> {
    let locate = |path: &str, msg: String| loaded.locator.error_at(path, msg);
    if !cfg.effective.cdn.compare.is_empty() {
        return Err(locate(
            "cdn.compare",
            "several steering modes in one run are for `cdnsim run`; in a sweep, make `cdn.steering` an axis instead".into(),
        )
        .into());
    }
    let dir = RunDir::create(out)?;
    let (routes, routed) = sim::plan(cfg, &locate)?;
    let who = sim::steering::resolution(cfg, &routes, routed.as_ref(), &locate)?;
    let started = Instant::now();
    let steer = sim::steering::steerer(cfg, &routes, routed.as_ref(), who.as_ref());
    // Routing events: BGP runs up front (it does not depend on traffic).
    let routing = match (&routed, cfg.events.is_empty() && cfg.bgp.churn.is_none()) {
        (Some(r), false) => Some(sim::events::Routing::compute(cfg, r, &locate)?),
        _ => None,
    };
    let Some((mut m, steer)) = sim::run_routed(cfg, &routes, steer, routing, observe)? else {
        return Ok(None);
    };
    // Contradictory numbers are a bug: refuse to write them (exit 1).
    check_invariants(&mut m, routed.as_ref())?;
    let mut written = summary::write_all(&dir, cfg, &routes, &m)?;
    if cfg.dns.is_some() {
        written.write("steering.csv", &steering::steering_csv(cfg, &steer, &m)?)?;
    }
    if let Some(r) = &m.routing {
        written.write("events.csv", &crate::output::events::events_csv(r)?)?;
        written.write(
            "catchment_timeseries.csv",
            &crate::output::events::catchment_csv(cfg, r)?,
        )?;
        written.write(
            "catchment_events.csv",
            &crate::output::events::event_catchment_csv(cfg, r)?,
        )?;
        written.write(
            "catchment_event_groups.csv",
            &crate::output::events::event_groups_csv(cfg, r)?,
        )?;
    }
    crate::report::write_run(&dir, &written.files)?;
    for (name, bytes) in extra {
        dir.write(name, bytes)?;
    }
    let final_dir = dir.commit()?;
    Ok(Some(Finished {
        dir: final_dir,
        summary: summary::summary(cfg, &m),
        wall: started.elapsed(),
    }))
}

/// Adds the BGP path checks (with a world) to the run's invariant report
/// and fails when any check does not hold: nothing is written then.
fn check_invariants(
    m: &mut sim::RunMetrics,
    routed: Option<&sim::plan::Routed>,
) -> crate::Result<()> {
    if let Some(r) = routed {
        let paths = r.catchments.anycast.iter().map(|p| p.as_path.as_slice());
        sim::invariants::of_paths(&mut m.invariants, &r.world.graph, paths);
    }
    m.invariants.result()
}

/// Runs the model with a progress bar once it takes more than a second.
fn simulate(
    cfg: &crate::scenario::RunConfig,
    routes: &[sim::GroupRoute],
    steer: crate::dns::Steerer,
    started: Instant,
    show: bool,
) -> crate::Result<Option<(sim::RunMetrics, crate::dns::Steerer)>> {
    let mut progress = Progress::new(show, started, cfg.duration);
    let out = sim::run_steered(cfg, routes, steer, |now| {
        if super::interrupt::interrupted() {
            return Control::Stop;
        }
        progress.tick(now);
        Control::Continue
    })?;
    progress.finish();
    Ok(out)
}

/// Several steering modes over the same clients, workload and seed: one
/// run folder per mode inside the run's folder, and the comparison beside
/// them (docs/outputs.md, "Steering comparison").
#[allow(clippy::too_many_arguments)]
fn run_modes(
    cfg: &crate::scenario::RunConfig,
    dir: RunDir,
    routes: &[sim::GroupRoute],
    routed: Option<&sim::plan::Routed>,
    who: Option<&sim::steering::Resolution>,
    started: Instant,
    show: bool,
    quiet: bool,
) -> crate::Result<()> {
    use crate::scenario::raw::Steering;
    let mut runs = Vec::new();
    let mut data = Vec::new();
    for &mode in &cfg.modes {
        let mut c = cfg.clone();
        c.steering = mode;
        // The mode folder's config.toml runs that mode alone.
        c.effective.cdn.steering = mode;
        c.effective.cdn.compare.clear();
        c.modes = vec![mode];
        let name = steering::mode_name(mode);
        let mode_routes: Vec<sim::GroupRoute> = routes
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if mode == Steering::Nearest {
                    let here = cfg.cities.get(r.city).loc;
                    r.pop = r.nearest_pop;
                    r.distance_km = r.nearest_km;
                    r.rtt = cfg
                        .latency
                        .rtt_direct(here, cfg.cities.get(cfg.pops[r.pop].city).loc);
                    r.as_path.clear();
                }
                r
            })
            .collect();
        let steer = sim::steering::steerer(&c, &mode_routes, routed, who);
        let Some((mut m, steer)) = simulate(&c, &mode_routes, steer, started, show)? else {
            return Err(crate::Error::Interrupted(format!(
                "{}: interrupted; nothing of this comparison was written",
                cfg.name
            )));
        };
        check_invariants(&mut m, routed)?;
        let sub = RunDir::create(&dir.path().join(&name))?;
        let mut written = summary::write_all(&sub, &c, &mode_routes, &m)?;
        written.write("steering.csv", &steering::steering_csv(&c, &steer, &m)?)?;
        crate::report::write_run(&sub, &written.files)?;
        data.push((
            name.clone(),
            crate::report::RunData::from_files(&written.files)?,
        ));
        sub.commit()?;
        runs.push((c, steer, m));
    }
    let (files, table) = steering::comparison(cfg, &runs, routes)?;
    for (f, b) in &files {
        dir.write(f, b)?;
    }
    let effective =
        crate::scenario::effective_for_output(&cfg.effective, &cfg.source, dir.final_dir());
    let config = toml::to_string(&effective)
        .map_err(|e| crate::Error::Runtime(format!("config.toml: {e}")))?;
    dir.write(
        "config.toml",
        format!("# Effective configuration of this comparison: the scenario with defaults and --set applied; input paths are relative to this folder.\n{config}").as_bytes(),
    )?;
    crate::report::compare::write_in(&dir, &data)?;
    let final_dir = dir.commit()?;
    if !quiet {
        println!(
            "{}: {} steering modes, same clients, workload and seed, in {:.2}s wall",
            cfg.name,
            cfg.modes.len(),
            started.elapsed().as_secs_f64()
        );
        print!("{table}");
        if let Some(w) = who {
            for x in &w.warnings {
                println!("  note: {x}");
            }
        }
        println!("  results: {}", final_dir.display());
    }
    Ok(())
}

/// A `[study]` scenario: the study instead of the request model
/// (`study::imc2015`), written to `out` atomically.
fn run_study(loaded: &Loaded, cfg: &RunConfig, out: &Path, quiet: bool) -> crate::Result<()> {
    let started = Instant::now();
    let locate = |path: &str, msg: String| loaded.locator.error_at(path, msg);
    let dir = RunDir::create(out)?;
    let data = crate::study::imc2015::run(cfg, &locate)?;
    let effective =
        crate::scenario::effective_for_output(&cfg.effective, &cfg.source, dir.final_dir());
    let config = toml::to_string(&effective)
        .map_err(|e| crate::Error::Runtime(format!("config.toml: {e}")))?;
    let config = format!(
        "# Effective configuration of this study: the scenario with defaults and --set applied; input paths are relative to this folder.\n{config}"
    );
    let o = crate::report::imc2015::write(&dir, &data, &config)?;
    let final_dir = dir.commit()?;
    if !quiet {
        println!(
            "{}: IMC 2015 study, {} days, {} beacons, {} routing snapshots, in {:.2}s wall",
            cfg.name,
            data.study.days,
            data.beacons.len(),
            data.snapshots.len(),
            started.elapsed().as_secs_f64()
        );
        print!("{}", crate::report::imc2015::markdown(&o.compared));
        println!("  results: {}", final_dir.display());
    }
    Ok(())
}
