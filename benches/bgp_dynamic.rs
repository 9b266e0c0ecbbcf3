//! Event-driven BGP at Internet scale: the CAIDA 2025 graph (78,643 ASes)
//! with the placement heuristic and a CDN AS with 100 PoPs at the first
//! 100 Cloudflare colos (as in benches/anycast.rs). The anycast prefix is
//! warm-started from the static solution; then PoP 0 withdraws (its
//! sessions are withdrawn, MRAI 30 s on, RFC 4271 behaviour: withdrawals
//! not rate-limited) and the network runs to quiescence on one core.
//! Printed: wall time, UPDATEs processed per second, convergence time, and
//! the mismatches against the static solver with PoP 0 not announcing
//! (must be 0). Targets: <= 30 s, >= 5 M messages/s. Skips with a printed
//! reason when ../shared/data is absent.

use cdnsim::bgp::dynamic::{Convergence, Delays, Driver};
use cdnsim::bgp::speaker::{Input, SpeakerConfig};
use cdnsim::engine::Scheduler;
use cdnsim::rng::Streams;
use cdnsim::scenario::RunConfig;
use cdnsim::scenario::raw::Announce;
use cdnsim::time::SimDuration;
use cdnsim::world::{self, catchment, dynamic};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Instant;

#[path = "drivers/colo_world.rs"]
mod colo_world;
use colo_world::colo_config;

const POPS: usize = 100;

fn config(topology: &std::path::Path, colos: &str) -> RunConfig {
    colo_config(
        "bgp-dynamic-100",
        topology,
        colos,
        POPS,
        &["Paris", "Denver", "Sydney"],
    )
}

/// CPU time of this thread [s] (Linux schedstat), to report throughput on
/// a loaded machine; None elsewhere.
fn cpu_s() -> Option<f64> {
    let t = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(t.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// Warm start, then PoP 0 withdraws; runs to quiescence. Returns (warm
/// start wall s, convergence wall s, convergence, driver).
fn withdraw<'w>(w: &'w world::World, cfg: &RunConfig) -> (f64, f64, Convergence, Driver<'w>) {
    let speaker = SpeakerConfig::default();
    let t = Instant::now();
    let net = dynamic::warm_anycast(w, cfg, speaker).unwrap();
    let warm_s = t.elapsed().as_secs_f64();
    let mut drv = Driver::new(net, Delays::default(), &Streams::new(1));
    let mut sched = Scheduler::new();
    let mut live = vec![true; cfg.pops.len()];
    live[0] = false;
    let ses = dynamic::anycast_sessions(w, cfg, &live);
    let t = Instant::now();
    let conv = drv
        .converge(
            &mut sched,
            Input::SetOrigin {
                origin: w.cdn,
                sessions: Some(ses),
            },
            u64::MAX,
            SimDuration::from_secs(24 * 3600),
        )
        .unwrap();
    (warm_s, t.elapsed().as_secs_f64(), conv, drv)
}

fn bench(c: &mut Criterion) {
    let Some((topo, colos)) = colo_world::inputs() else {
        return;
    };
    let cfg = config(&topo, &std::fs::read_to_string(&colos).unwrap());
    let locate = |p: &str, m: String| cdnsim::InputError::new("bench.toml", p, m);
    let w = world::build(&cfg, &locate).unwrap();
    let (warm_s, wall, conv, drv) = withdraw(&w, &cfg);
    // Oracle: the static solver with PoP 0 announcing nothing.
    let mut cfg0 = cfg.clone();
    cfg0.pops[0].announce = Announce::None;
    let routes = catchment::solve_prefix(&w, &world::prefix::Prefix::anycast(&w, &cfg0)).unwrap();
    let mismatches = w
        .graph
        .indices()
        .filter(|&i| {
            let d = drv.net.route(i).map(|r| (r.learned, r.path));
            let s = routes.route(i).map(|r| (r.learned, routes.path(i)));
            d != s
        })
        .count();
    let pc = conv.counters;
    eprintln!(
        "PoP 0 withdrawn (MRAI 30 s): warm start {warm_s:.2} s; to quiescence {wall:.2} s wall, {} UPDATEs processed ({:.2} M/s), {} advertisements + {} withdrawals sent, {} best-route changes, {} events; convergence {:.1} s simulated; {} ASes differ from the static solver",
        pc.processed,
        pc.processed as f64 / wall / 1e6,
        pc.advertisements,
        pc.withdrawals,
        pc.best_changes,
        conv.events,
        conv.time.as_secs_f64(),
        mismatches
    );
    assert_eq!(mismatches, 0);
    drop(drv);
    // Heavier runs for the throughput figure: the whole anycast prefix
    // announced from scratch (cold start), then withdrawn everywhere.
    let mut drv = colo_world::cold_driver(&w);
    let mut sched = Scheduler::new();
    let all = dynamic::anycast_sessions(&w, &cfg, &vec![true; cfg.pops.len()]);
    // CDNSIM_PROFILE_ROUNDS=N repeats the two runs N times (for a profiler).
    let rounds: usize = std::env::var("CDNSIM_PROFILE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for (what, input) in std::iter::repeat_n(
        [
            (
                "cold announcement of the 100-PoP prefix",
                Input::SetOrigin {
                    origin: w.cdn,
                    sessions: Some(all.clone()),
                },
            ),
            (
                "withdrawal of the whole prefix",
                Input::SetOrigin {
                    origin: w.cdn,
                    sessions: None,
                },
            ),
        ],
        rounds,
    )
    .flatten()
    {
        let t = Instant::now();
        let c0 = cpu_s();
        let conv = drv
            .converge(
                &mut sched,
                input,
                u64::MAX,
                SimDuration::from_secs(24 * 3600),
            )
            .unwrap();
        let wall = t.elapsed().as_secs_f64();
        let cpu = c0.and_then(|c0| Some(cpu_s()? - c0)).unwrap_or(wall);
        let pc = conv.counters;
        eprintln!(
            "{what} (MRAI 30 s): {wall:.2} s wall, {cpu:.2} s CPU, {} UPDATEs processed ({:.2} M/s of CPU time, {:.2} M/s of wall time), {} advertisements + {} withdrawals, {} events, {} sessions scanned by decisions, {} visited by exports; convergence {:.1} s simulated",
            pc.processed,
            pc.processed as f64 / cpu / 1e6,
            pc.processed as f64 / wall / 1e6,
            pc.advertisements,
            pc.withdrawals,
            conv.events,
            pc.scanned,
            pc.exported,
            conv.time.as_secs_f64()
        );
        // Let every MRAI timer lapse before the next change.
        let t1 = sched.now() + SimDuration::from_secs(3600);
        sched.schedule_at(t1, cdnsim::bgp::dynamic::Event::Wake);
        drv.run(
            &mut sched,
            cdnsim::engine::Budget::until(cdnsim::time::SimTime::MAX),
        )
        .unwrap();
    }
    let cold_ok = w.graph.indices().all(|i| drv.net.route(i).is_none());
    assert!(cold_ok);
    drop(drv);
    let mut grp = c.benchmark_group("bgp_dynamic_78k");
    grp.sample_size(10);
    grp.bench_function("withdraw_one_of_100_pops_mrai_30s", |b| {
        b.iter(|| withdraw(&w, &cfg).2)
    });
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
