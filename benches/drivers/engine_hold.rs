//! Fixed-size driver of the engine's hold model, for instruction counts.
//!
//! Same workload as `benches/engine.rs` (1 M pending events over 1 s, each
//! operation pops the earliest and schedules one a uniform delay in
//! [0, 1 s) later), but with a fixed number of operations and the measured
//! loop in its own function, so callgrind can count it alone:
//!
//!     cargo build --release --example engine_hold
//!     valgrind --tool=callgrind --cache-sim=yes --D1=32768,8,64 \
//!         --LL=8388608,16,64 --toggle-collect='*measured*' \
//!         target/release/examples/engine_hold 1000000 2000000 1000000 8
//!
//! Arguments: pending events, warm-up operations, measured operations,
//! payload bytes (8 = a `u64` as in the bench; 64 = the size of the request
//! model's `Event`). Instructions per operation = Ir of `measured` / ops.

use cdnsim::engine::Scheduler;
use cdnsim::rng::Streams;
use cdnsim::time::{SimDuration, SimTime};
use rand::RngExt;
use std::hint::black_box;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .map(|s| s.parse().expect("numeric argument"))
        .unwrap_or(default)
}

#[inline(always)]
fn steps<E: Copy>(s: &mut Scheduler<E>, rng: &mut impl rand::Rng, ops: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..ops {
        let (t, ev) = s.pop().expect("pending");
        sum = sum.wrapping_add(t.as_nanos());
        let d = SimDuration::from_nanos(rng.random_range(0..1_000_000_000));
        s.schedule_in(d, black_box(ev));
    }
    sum
}

#[inline(never)]
fn warm_up<E: Copy>(s: &mut Scheduler<E>, rng: &mut impl rand::Rng, ops: u64) -> u64 {
    steps(s, rng, ops)
}

/// The loop callgrind counts (`--toggle-collect='*measured*'`); it also
/// times itself, which keeps it distinct from `warm_up` (identical
/// functions would be merged by the compiler).
#[inline(never)]
fn measured<E: Copy>(s: &mut Scheduler<E>, rng: &mut impl rand::Rng, ops: u64) -> (u64, f64) {
    let start = std::time::Instant::now();
    let sum = steps(s, rng, ops);
    (sum, start.elapsed().as_secs_f64())
}

fn drive<E: Copy>(pending: u64, warm: u64, ops: u64, ev: E) {
    let mut fill = Streams::new(1).stream("bench/engine/fill");
    let mut s = Scheduler::new();
    for _ in 0..pending {
        s.schedule_at(SimTime::from_nanos(fill.random_range(0..1_000_000_000)), ev);
    }
    let mut rng = Streams::new(2).stream("bench/engine/hold");
    black_box(warm_up(&mut s, &mut rng, warm));
    let (sum, secs) = measured(&mut s, &mut rng, ops);
    assert_eq!(s.pending() as u64, pending);
    println!(
        "pending {pending} warm {warm} ops {ops} payload {} B: {:.2} M ops/s wall (checksum {sum})",
        std::mem::size_of::<E>(),
        ops as f64 / secs / 1e6
    );
}

fn main() {
    let pending = arg(1, 1_000_000);
    let warm = arg(2, 2_000_000);
    let ops = arg(3, 1_000_000);
    match arg(4, 8) {
        8 => drive(pending, warm, ops, 7u64),
        64 => drive(pending, warm, ops, [7u64; 8]),
        n => panic!("payload must be 8 or 64 bytes, not {n}"),
    }
}
