//! End-to-end simulated requests per second: a whole `cdnsim run` of a
//! scenario minus file writing — arrivals, steering over the planned routes,
//! edge caches, the origin, the latency model, metrics — on one core for
//! the simulation, plus (on a machine with two cores or more) the producer
//! thread that draws the synthetic requests (`sim::prefetch_by_default`,
//! `workload::source::Prefetched`): the figure is wall time, so it counts
//! that thread's help; `benches/drivers/quickstart_run.rs prefetch=off`
//! gives the one-thread instruction count.
//!
//! - `quickstart`: scenarios/quickstart.toml (anycast over world-3k, 12
//!   client groups, 200k-object Zipf catalog, LRU edges) at its own rate,
//!   simulated for 5 minutes (600 k requests).
//! - `quickstart_100k_rps`: the same world at 100,000 requests/s for 30 s
//!   (3 M requests): the per-request cost with caches under a heavier load.
//! - `imc2015_sized`: scenarios/imc2015-traffic.toml (the IMC 2015 study's
//!   world: 50 sites, 3,000 population /24s, `hybrid` DNS steering with ISP
//!   and public resolvers caching answers, edges + six regional shields,
//!   two Zipf catalogs) at its 10,000 requests/s for 1 minute (600 k).
//!
//! The world and the BGP plan are built once, outside the timed loop (their
//! cost is in benches/anycast.rs and docs/performance.md).
//!
//!     cargo bench --bench end_to_end
//!
//! Figures: docs/performance.md, section "End to end".

use cdnsim::engine::Control;
use cdnsim::scenario::{load_file, validate};
use cdnsim::sim;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;

fn case(c: &mut Criterion, name: &str, scenario: &str, sets: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let loaded = load_file(&path, &sets).expect("scenario loads");
    let cfg = validate(&loaded).expect("scenario validates");
    let (routes, _routed) =
        sim::plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("scenario plans");
    let probe = sim::run(&cfg, &routes, |_| Control::Continue)
        .expect("runs")
        .expect("not stopped");
    let issued = probe.issued;
    eprintln!(
        "{name}: {issued} requests issued, {} events per run",
        probe.events
    );
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Elements(issued));
    g.bench_function(name, |b| {
        b.iter(|| {
            sim::run(&cfg, &routes, |_| Control::Continue)
                .expect("runs")
                .expect("not stopped")
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    const QUICKSTART: &str = "scenarios/quickstart.toml";
    case(c, "quickstart", QUICKSTART, &["duration=5m", "warmup=1m"]);
    case(
        c,
        "quickstart_100k_rps",
        QUICKSTART,
        &["duration=30s", "warmup=5s", "clients.rate=100k/s"],
    );
    case(
        c,
        "imc2015_sized",
        "scenarios/imc2015-traffic.toml",
        &["duration=1m", "warmup=10s"],
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
