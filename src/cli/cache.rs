//! `cdnsim cache replay`: one trace through one cache, for architects
//! checking a policy and a capacity against their own logs.

use crate::cache::{Cache, Policy, PolicyKind, PolicyVisitor, ReplayStats, TinyLfu, replay};
use crate::trace::{Trace, TraceFormat};
use crate::{InputError, Result};
use std::path::PathBuf;
use std::time::Instant;

/// `cdnsim cache ...`
#[derive(clap::Subcommand, Debug)]
pub enum CacheCommand {
    /// Replay a request trace through one cache and print its miss ratios.
    Replay(ReplayArgs),
}

/// Admission filters in front of the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Admission {
    /// Admit every object that fits.
    None,
    /// TinyLFU count-min sketch (see `cache::TinyLfu`).
    Tinylfu,
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Trace file (libCacheSim oracleGeneral binary, or CSV with a
    /// `time,object,size[,client][,region]` header).
    #[arg(long)]
    pub trace: PathBuf,
    /// Trace format; by default `.csv` files are CSV, others oracleGeneral.
    #[arg(long, value_enum)]
    pub format: Option<TraceFormat>,
    /// Eviction policy: lru, fifo, clock, lfu, s3fifo, sieve, arc.
    #[arg(long)]
    pub policy: String,
    /// Cache capacity, e.g. 128MiB, 1GiB, 500MB.
    #[arg(long)]
    pub capacity: String,
    /// Admission filter.
    #[arg(long, value_enum, default_value = "none")]
    pub admission: Admission,
}

/// The figures `cache replay` prints.
#[derive(Clone, Debug)]
pub struct ReplayReport {
    pub policy: PolicyKind,
    pub capacity: u64,
    pub stats: ReplayStats,
    /// Wall time of the replay loop [s] (trace loading excluded).
    pub seconds: f64,
    /// CPU time of the replay loop [s] (this thread, user + system), where
    /// the platform tells it (Linux `/proc/thread-self/schedstat`). On a
    /// shared machine this is the per-core figure; wall time also counts
    /// time spent waiting for a core.
    pub cpu_seconds: Option<f64>,
    /// Objects resident when the replay ended.
    pub resident_objects: usize,
}

/// Runs a replay (library entry point behind the command).
pub fn run_replay(args: &ReplayArgs) -> Result<ReplayReport> {
    let policy: PolicyKind = args
        .policy
        .parse()
        .map_err(|e: crate::cache::UnknownPolicy| InputError::new("--policy", "", e.to_string()))?;
    let capacity = crate::units::parse_bytes(&args.capacity)
        .map_err(|e| InputError::new("--capacity", "", e))?;
    if capacity == 0 {
        return Err(InputError::new("--capacity", "", "capacity must be above zero").into());
    }
    let format = args
        .format
        .unwrap_or_else(|| TraceFormat::from_path(&args.trace));
    let trace = Trace::open(&args.trace, format)?;
    struct Run<'a> {
        trace: &'a Trace,
        capacity: u64,
        admission: Admission,
    }
    impl PolicyVisitor for Run<'_> {
        type Output = (ReplayStats, f64, Option<f64>, usize);
        fn visit<P: Policy + 'static>(self, p: P) -> Self::Output {
            let mut cache = Cache::new(p, self.capacity);
            if self.admission == Admission::Tinylfu {
                // Size the sketch for the objects the cache can hold at the
                // trace's mean request size.
                let (n, bytes) = self
                    .trace
                    .id_sizes()
                    .fold((0u64, 0u64), |(n, b), (_, s)| (n + 1, b + s));
                let mean = (bytes / n.max(1)).max(1);
                cache = cache.with_admission(TinyLfu::new((self.capacity / mean) as usize));
            }
            let c0 = thread_cpu_ns();
            let t0 = Instant::now();
            let stats = match self.trace {
                Trace::OracleGeneral(t) => replay(&mut cache, t.id_sizes()),
                other => replay(&mut cache, other.id_sizes()),
            };
            let dt = t0.elapsed().as_secs_f64();
            let cpu = c0
                .zip(thread_cpu_ns())
                .map(|(a, b)| b.saturating_sub(a) as f64 / 1e9);
            (stats, dt, cpu, cache.len())
        }
    }
    let (stats, seconds, cpu_seconds, resident_objects) = policy.visit(
        capacity,
        Run {
            trace: &trace,
            capacity,
            admission: args.admission,
        },
    );
    Ok(ReplayReport {
        policy,
        capacity,
        stats,
        seconds,
        cpu_seconds,
        resident_objects,
    })
}

/// CPU time this thread has used [ns], from Linux's schedstat; `None`
/// elsewhere. Used for reporting only, never for a simulated decision.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Formats the report as `key: value` lines.
pub fn format_report(r: &ReplayReport) -> String {
    let s = &r.stats;
    let rps = if r.seconds > 0.0 {
        s.requests as f64 / r.seconds
    } else {
        0.0
    };
    let mut out = format!(
        "policy: {}\ncapacity: {} ({} bytes)\nrequests: {}\nmisses: {}\nmiss ratio: {:.6}\n\
         bytes: {}\nmiss bytes: {}\nbyte miss ratio: {:.6}\nreplay seconds: {:.4}\nrequests/s: {:.0}\n",
        r.policy,
        crate::units::format_bytes(r.capacity),
        r.capacity,
        s.requests,
        s.misses,
        s.miss_ratio(),
        s.bytes,
        s.miss_bytes,
        s.byte_miss_ratio(),
        r.seconds,
        rps,
    );
    if let Some(cpu) = r.cpu_seconds.filter(|c| *c > 0.0) {
        out.push_str(&format!(
            "replay cpu seconds: {cpu:.4}\nrequests/cpu-s: {:.0}\n",
            s.requests as f64 / cpu
        ));
    }
    if s.skipped_zero_size > 0 {
        out.push_str(&format!(
            "skipped zero-size requests: {}\n",
            s.skipped_zero_size
        ));
    }
    out
}

/// Runs a `cdnsim cache ...` command, printing to stdout.
pub fn execute(cmd: &CacheCommand) -> Result<()> {
    match cmd {
        CacheCommand::Replay(args) => {
            let report = run_replay(args)?;
            print!("{}", format_report(&report));
            Ok(())
        }
    }
}
