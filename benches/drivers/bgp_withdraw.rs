//! Fixed-size driver of event-driven BGP at Internet scale, for instruction
//! counts (docs/performance.md, "Event-driven BGP"). Same world as
//! benches/bgp_dynamic.rs (CAIDA 2025, a CDN with 100 PoPs at the first 100
//! Cloudflare colos, MRAI 30 s, RFC behaviour): the cold announcement of
//! the anycast prefix, then its withdrawal everywhere, each protocol run in
//! its own `measured_*` function so callgrind counts it alone:
//!
//!     cargo build --release --example bgp_withdraw
//!     valgrind --tool=callgrind --toggle-collect='*measured*' \
//!         target/release/examples/bgp_withdraw
//!
//! Instructions per UPDATE = Ir of the `measured_*` functions / UPDATEs
//! processed (printed). Exits 0 with a printed reason when ../shared/data
//! (or `CDNSIM_SHARED_DATA`) is absent.

use cdnsim::bgp::dynamic::{Convergence, Driver, Event};
use cdnsim::bgp::speaker::Input;
use cdnsim::engine::{Budget, Scheduler};
use cdnsim::scenario::RunConfig;
use cdnsim::time::{SimDuration, SimTime};
use cdnsim::world::{self, dynamic};
use std::time::Instant;

#[path = "colo_world.rs"]
mod colo_world;
use colo_world::colo_config;

fn config(topology: &std::path::Path, colos: &str, pops: usize) -> RunConfig {
    colo_config("bgp-withdraw", topology, colos, pops, &["Paris"])
}

/// CPU time of this thread [s] (Linux schedstat); None elsewhere.
fn cpu_s() -> Option<f64> {
    let t = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(t.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn converge(drv: &mut Driver, sched: &mut Scheduler<Event>, input: Input) -> Convergence {
    let c = drv
        .converge(sched, input, u64::MAX, SimDuration::from_secs(24 * 3600))
        .expect("converges");
    // Let every MRAI timer lapse before the next change.
    let t1 = sched.now() + SimDuration::from_secs(3600);
    sched.schedule_at(t1, Event::Wake);
    drv.run(sched, Budget::until(SimTime::MAX)).unwrap();
    c
}

#[inline(never)]
fn measured_announce(drv: &mut Driver, sched: &mut Scheduler<Event>, input: Input) -> Convergence {
    // black_box keeps the two bodies distinct (identical functions are
    // folded into one symbol, and callgrind would report them together).
    std::hint::black_box("announce");
    converge(drv, sched, input)
}

#[inline(never)]
fn measured_withdraw(drv: &mut Driver, sched: &mut Scheduler<Event>, input: Input) -> Convergence {
    std::hint::black_box("withdraw");
    converge(drv, sched, input)
}

fn main() {
    let Some((topo, colos)) = colo_world::inputs() else {
        return;
    };
    let pops: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("PoP count"))
        .unwrap_or(100);
    let cfg = config(&topo, &std::fs::read_to_string(&colos).unwrap(), pops);
    let locate = |p: &str, m: String| cdnsim::InputError::new("driver.toml", p, m);
    let w = world::build(&cfg, &locate).unwrap();
    let mut drv = colo_world::cold_driver(&w);
    let mut sched = Scheduler::new();
    let all = dynamic::anycast_sessions(&w, &cfg, &vec![true; cfg.pops.len()]);
    let t = Instant::now();
    let c0 = cpu_s();
    let a = measured_announce(
        &mut drv,
        &mut sched,
        Input::SetOrigin {
            origin: w.cdn,
            sessions: Some(all),
        },
    );
    let ta = t.elapsed().as_secs_f64();
    let ca = c0.and_then(|c0| Some(cpu_s()? - c0)).unwrap_or(ta);
    // Checksum of the converged state: (origin-reaching ASes, sum of path lengths).
    let (mut routed, mut lens) = (0u64, 0u64);
    for i in w.graph.indices() {
        if let Some(r) = drv.net.route(i) {
            routed += 1;
            lens += r.path.len() as u64;
        }
    }
    let t = Instant::now();
    let c0 = cpu_s();
    let d = measured_withdraw(
        &mut drv,
        &mut sched,
        Input::SetOrigin {
            origin: w.cdn,
            sessions: None,
        },
    );
    let td = t.elapsed().as_secs_f64();
    let cd = c0.and_then(|c0| Some(cpu_s()? - c0)).unwrap_or(td);
    assert!(w.graph.indices().all(|i| drv.net.route(i).is_none()));
    for (what, c, s, cpu) in [("announce", a, ta, ca), ("withdraw", d, td, cd)] {
        let pc = c.counters;
        println!(
            "{what}: {} UPDATEs processed ({} adv + {} wdr sent), {} best changes, {} events, {} sessions scanned by decisions, {} visited by exports, convergence {:.3} s simulated, {s:.3} s wall, {cpu:.3} s CPU ({:.2} M UPDATEs/s of CPU)",
            pc.processed,
            pc.advertisements,
            pc.withdrawals,
            pc.best_changes,
            c.events,
            pc.scanned,
            pc.exported,
            c.time.as_secs_f64(),
            pc.processed as f64 / cpu / 1e6
        );
    }
    println!("after announce: {routed} ASes routed, path entries {lens}");
}
