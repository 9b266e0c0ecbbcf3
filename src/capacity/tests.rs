//! The FIFO queue against hand cases and queueing theory.

use super::*;
use crate::rng::Streams;
use rand_distr::{Distribution, Exp};

const MS: fn(u64) -> SimDuration = SimDuration::from_millis;
fn at(ms: u64) -> SimTime {
    SimTime::ZERO + MS(ms)
}

/// One server, service 10 ms, room 1:
///
/// ```text
/// t=0   A arrives, starts at 0   (wait 0)
/// t=0   B arrives, waits for A   (starts 10, wait 10)
/// t=0   C arrives, room full     (dropped)
/// t=5   D arrives, room full     (dropped: B still waits until 10)
/// t=10  E arrives, B has started (starts 20, wait 10)
/// t=40  F arrives, all free      (wait 0)
/// ```
#[test]
fn fifo_hand_case() {
    let mut q = FifoQueue::new(1, 1);
    let s = MS(10);
    assert_eq!(
        q.offer(at(0), s),
        Admit::Served {
            wait: MS(0),
            done: at(10)
        }
    );
    assert_eq!(
        q.offer(at(0), s),
        Admit::Served {
            wait: MS(10),
            done: at(20)
        }
    );
    assert_eq!(q.offer(at(0), s), Admit::Dropped);
    assert_eq!(q.offer(at(5), s), Admit::Dropped);
    assert_eq!(
        q.offer(at(10), s),
        Admit::Served {
            wait: MS(10),
            done: at(30)
        }
    );
    assert_eq!(
        q.offer(at(40), s),
        Admit::Served {
            wait: MS(0),
            done: at(50)
        }
    );
}

/// Two servers, no room: a third simultaneous arrival is dropped; the
/// next one takes the server that frees first.
#[test]
fn two_servers_no_room() {
    let mut q = FifoQueue::new(2, 0);
    assert_eq!(q.offer(at(0), MS(30)).wait(), Some(MS(0)));
    assert_eq!(q.offer(at(0), MS(10)).wait(), Some(MS(0)));
    assert_eq!(q.offer(at(1), MS(10)), Admit::Dropped);
    assert_eq!(
        q.offer(at(10), MS(10)),
        Admit::Served {
            wait: MS(0),
            done: at(20)
        }
    );
}

/// Mean wait and drop share of `n` Poisson arrivals at rate `lambda`
/// (per second) with service times from `service`.
fn simulate(
    servers: u32,
    room: u32,
    lambda: f64,
    n: usize,
    seed: u64,
    mut service: impl FnMut(&mut crate::rng::StreamRng) -> f64,
) -> (f64, f64) {
    let mut rng = Streams::new(seed).stream("queue");
    let gaps = Exp::new(lambda).unwrap();
    let mut q = FifoQueue::new(servers, room);
    let mut t = 0.0;
    let (mut wait, mut served, mut dropped) = (0.0, 0u64, 0u64);
    for _ in 0..n {
        t += gaps.sample(&mut rng);
        let s = SimDuration::from_secs_f64(service(&mut rng));
        match q.offer(SimTime::ZERO + SimDuration::from_secs_f64(t), s) {
            Admit::Served { wait: w, .. } => {
                wait += w.as_secs_f64();
                served += 1;
            }
            Admit::Dropped => dropped += 1,
        }
    }
    (wait / served as f64, dropped as f64 / n as f64)
}

/// M/M/1 (mu = 1/s): Wq = rho / (mu - lambda); M/D/1: half of that
/// (Pollaczek-Khinchine). Within 6% at utilisations 0.3 to 0.8, and the
/// wait grows with utilisation.
#[test]
fn waits_match_mm1_and_md1() {
    let room = u32::MAX;
    let mut last = 0.0;
    for rho in [0.3, 0.5, 0.7, 0.8] {
        let exp = Exp::new(1.0).unwrap();
        let (mm1, _) = simulate(1, room, rho, 400_000, 11, |r| exp.sample(r));
        let want = rho / (1.0 - rho);
        eprintln!("M/M/1 rho {rho}: simulated Wq {mm1:.4}, theory {want:.4}");
        assert!(
            (mm1 / want - 1.0).abs() < 0.06,
            "M/M/1 rho {rho}: {mm1} vs {want}"
        );
        let (md1, _) = simulate(1, room, rho, 400_000, 12, |_| 1.0);
        let want = rho / (2.0 * (1.0 - rho));
        eprintln!("M/D/1 rho {rho}: simulated Wq {md1:.4}, theory {want:.4}");
        assert!(
            (md1 / want - 1.0).abs() < 0.06,
            "M/D/1 rho {rho}: {md1} vs {want}"
        );
        assert!(mm1 > last);
        last = mm1;
    }
}

/// M/M/c with c = 4 against Erlang C: Wq = C(c, a) / (c mu - lambda).
#[test]
fn waits_match_erlang_c() {
    fn erlang_c(c: u32, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..c {
            term *= a / f64::from(k);
            sum += term;
        }
        let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
        top / (sum + top)
    }
    for rho in [0.5, 0.8] {
        let c = 4;
        let lambda = rho * f64::from(c);
        let exp = Exp::new(1.0).unwrap();
        let (w, _) = simulate(c, u32::MAX, lambda, 400_000, 13, |r| exp.sample(r));
        let want = erlang_c(c, lambda) / (f64::from(c) - lambda);
        assert!(
            (w / want - 1.0).abs() < 0.06,
            "M/M/4 rho {rho}: {w} vs {want}"
        );
    }
}

/// M/M/1/K (K = 1 in service + room): blocking probability
/// (1 - rho) rho^K / (1 - rho^(K+1)), also above utilisation 1.
#[test]
fn drops_match_mm1k_blocking() {
    for (rho, room) in [(0.9, 4u32), (1.5, 9)] {
        let exp = Exp::new(1.0).unwrap();
        let (_, drop) = simulate(1, room, rho, 400_000, 14, |r| exp.sample(r));
        let k = f64::from(room + 1);
        let want = (1.0 - rho) * rho.powf(k) / (1.0 - rho.powf(k + 1.0));
        assert!((drop - want).abs() < 0.01, "rho {rho}: {drop} vs {want}");
    }
}

#[test]
fn pop_capacity_throughput_and_usage() {
    // 100 req/s over 4 workers: each takes 40 ms. 8 simultaneous
    // arrivals: 4 start at once, 4 wait 40 ms; room 2 drops 2 of those.
    let cap = SiteCapacity {
        requests_per_s: Some(100.0),
        servers: 4,
        egress_bps: None,
        room: 2,
    };
    let mut p = PopCapacity::new(cap, SimDuration::from_secs(1), SimDuration::from_secs(2));
    let out: Vec<_> = (0..8).map(|_| p.admit(at(0), 1000)).collect();
    assert_eq!(out.iter().filter(|r| **r == Ok(MS(0))).count(), 4);
    assert_eq!(out.iter().filter(|r| **r == Ok(MS(40))).count(), 2);
    assert_eq!(
        out.iter().filter(|r| **r == Err(Refused::Requests)).count(),
        2
    );
    let b = p.request_usage.buckets[0];
    assert_eq!((b.offered, b.dropped, b.busy_ns), (8, 2, 6 * 40_000_000));
    // Egress: 1 Mbit/s, a 12,500 B response takes 100 ms of the link.
    let cap = SiteCapacity {
        requests_per_s: None,
        servers: 1,
        egress_bps: Some(1e6),
        room: 10,
    };
    let mut p = PopCapacity::new(cap, SimDuration::from_secs(1), SimDuration::from_secs(2));
    assert_eq!(p.admit(at(0), 12_500), Ok(MS(0)));
    assert_eq!(p.admit(at(0), 12_500), Ok(MS(100)));
}
