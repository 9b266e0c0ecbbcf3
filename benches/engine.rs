//! Event throughput: schedule + pop with about 1 M events pending.
//!
//! The queue is filled with 1 M events spread over 1 s of simulated time;
//! each operation pops the earliest event and schedules a new one a random
//! delay (up to 1 s) later, so the pending count stays at 1 M — the "hold"
//! model of priority-queue benchmarks — measured in steady state after a
//! warm-up of 4 M operations. The ChaCha8 draw of the delay is included.
//! Figures: docs/performance.md. Instruction counts of the same workload:
//! examples/engine_hold.rs (a fixed-size driver for callgrind).
//!
//!     cargo bench --bench engine

use cdnsim::engine::Scheduler;
use cdnsim::rng::Streams;
use cdnsim::time::{SimDuration, SimTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use std::hint::black_box;

const PENDING: usize = 1_000_000;
const OPS: u64 = 1_000_000;

fn filled() -> Scheduler<u64> {
    let mut rng = Streams::new(1).stream("bench/engine/fill");
    let mut s = Scheduler::new();
    for i in 0..PENDING as u64 {
        s.schedule_at(SimTime::from_nanos(rng.random_range(0..1_000_000_000)), i);
    }
    s
}

fn hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    // Steady state: one queue holding 1 M events for the whole benchmark,
    // warmed by 4 M hold operations so bucket allocations are reused as in
    // a long simulation. Each measured element is one pop + one schedule.
    let mut s = filled();
    let mut rng = Streams::new(2).stream("bench/engine/hold");
    let mut step = |s: &mut Scheduler<u64>| {
        let (_, ev) = s.pop().expect("pending");
        let d = SimDuration::from_nanos(rng.random_range(0..1_000_000_000));
        s.schedule_in(d, black_box(ev));
    };
    for _ in 0..4 * OPS {
        step(&mut s);
    }
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("hold_1M_pending_schedule_plus_pop", |b| {
        b.iter(|| {
            for _ in 0..OPS {
                step(&mut s);
            }
        })
    });
    assert_eq!(s.pending(), PENDING);
    g.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
