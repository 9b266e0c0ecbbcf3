//! The beacon campaign of IMC 2015 §3.2: a small share of page views carry
//! a beacon that fetches a tiny object from four targets: the anycast
//! address, the unicast address of the front-end nearest the client's LDNS,
//! and two front-ends drawn among the ten nearest the LDNS, weighted by
//! distance.
//!
//! Here each client group (/24) sends a Poisson number of beacons per day
//! with mean `beacons_per_day` x its demand share, at uniform times of the
//! day. A fetch's latency is one round trip as the request model has it:
//! the path RTT of the route in force (the routing snapshot at the beacon's
//! time) plus twice the last-mile access delay plus jitter, both from the
//! scenario's latency model. The access delay is drawn once per beacon (the
//! four fetches leave the same client at the same moment); the jitter once
//! per fetch. This is the request-response time of a small object over an
//! established connection: DNS and connection setup are excluded, as the
//! paper's Resource Timing measurements separate them.
//!
//! The two drawn front-ends are distinct and differ from the nearest one
//! (which is measured anyway), drawn with probability proportional to
//! 1 / distance from the LDNS: nearer candidates more often.

use super::routing::{Snapshot, at};
use crate::geo::LatLon;
use crate::rng::Streams;
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal, Poisson};
use rayon::prelude::*;

/// No PoP (no route, or not measured).
pub const NONE: u16 = u16::MAX;

/// One beacon: the four fetches' targets and latencies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beacon {
    pub group: u32,
    pub t: SimTime,
    /// The anycast catchment PoP at `t` ([`NONE`]: no anycast route).
    pub anycast_pop: u16,
    pub anycast_ms: f32,
    /// Unicast targets: nearest the LDNS, then the two drawn ([`NONE`]:
    /// no route to it at `t`, so no measurement).
    pub unicast: [(u16, f32); 3],
}

impl Beacon {
    /// The best of the measured unicast latencies.
    pub fn best_unicast_ms(&self) -> Option<f32> {
        self.unicast
            .iter()
            .filter(|u| u.0 != NONE)
            .map(|u| u.1)
            .min_by(f32::total_cmp)
    }
    pub fn day(&self) -> u32 {
        (self.t.as_nanos() / DAY.as_nanos()) as u32
    }
}

pub const DAY: SimDuration = SimDuration::from_secs(86_400);

/// What the campaign needs to know of a group.
#[derive(Clone, Debug)]
pub struct GroupInput {
    /// Demand share (sums to 1 over groups).
    pub share: f64,
    /// PoPs by distance from the group's LDNS, with the distances [km].
    pub near_ldns: Vec<(usize, f64)>,
}

/// The latency model's noise.
#[derive(Clone, Copy, Debug)]
pub struct Noise {
    pub access: Option<LogNormal<f64>>,
    pub jitter: Option<Gamma<f64>>,
}

/// Draws two distinct candidates among `cands` (index, distance km) with
/// probability proportional to 1 / distance (1 km floor); fewer when
/// there are fewer candidates.
pub fn draw_two(cands: &[(usize, f64)], rng: &mut impl rand::Rng) -> Vec<usize> {
    let mut left: Vec<(usize, f64)> = cands.iter().map(|&(p, d)| (p, 1.0 / d.max(1.0))).collect();
    let mut out = Vec::with_capacity(2);
    for _ in 0..2 {
        let total: f64 = left.iter().map(|x| x.1).sum();
        if left.is_empty() || total <= 0.0 {
            break;
        }
        let mut x = rng.random_range(0.0..total);
        let mut k = left.len() - 1;
        for (i, c) in left.iter().enumerate() {
            if x < c.1 {
                k = i;
                break;
            }
            x -= c.1;
        }
        out.push(left.remove(k).0);
    }
    out
}

/// Runs the campaign over `days` days: beacons sorted by (group, time).
pub fn run(
    groups: &[GroupInput],
    snaps: &[Snapshot],
    days: u32,
    beacons_per_day: u32,
    noise: Noise,
    streams: &Streams,
) -> Vec<Beacon> {
    let per_group: Vec<Vec<Beacon>> = groups
        .par_iter()
        .enumerate()
        .map(|(g, gi)| {
            let mut rng = streams.stream(&format!("study/imc2015/beacons/{g}"));
            let mean = f64::from(beacons_per_day) * gi.share;
            let mut times: Vec<SimTime> = Vec::new();
            if mean > 0.0 {
                let pois = Poisson::new(mean).expect("positive mean");
                for d in 0..days {
                    let k = pois.sample(&mut rng) as u64;
                    let start = u64::from(d) * DAY.as_nanos();
                    for _ in 0..k {
                        let off = rng.random_range(0..DAY.as_nanos());
                        times.push(SimTime::ZERO + SimDuration::from_nanos(start + off));
                    }
                }
            }
            times.sort_unstable();
            let nearest = gi.near_ldns.first().map(|x| x.0);
            let ten = &gi.near_ldns[1.min(gi.near_ldns.len())..gi.near_ldns.len().min(10)];
            times
                .into_iter()
                .map(|t| {
                    let s = at(snaps, t);
                    let access = noise.access.map_or(0.0, |d| d.sample(&mut rng));
                    let fetch = |path_ms: f32, rng: &mut crate::rng::StreamRng| {
                        let j = noise.jitter.map_or(0.0, |d| d.sample(rng));
                        (f64::from(path_ms) + 2.0 * access + j) as f32
                    };
                    let (anycast_pop, anycast_ms) = match s.anycast[g] {
                        Some((p, ms)) => (p, fetch(ms, &mut rng)),
                        None => (NONE, 0.0),
                    };
                    let mut targets: Vec<usize> = nearest.into_iter().collect();
                    targets.extend(draw_two(ten, &mut rng));
                    let mut unicast = [(NONE, 0.0f32); 3];
                    for (k, &p) in targets.iter().enumerate() {
                        if let Some(ms) = s.unicast(g, p) {
                            unicast[k] = (p as u16, fetch(ms, &mut rng));
                        }
                    }
                    Beacon {
                        group: g as u32,
                        t,
                        anycast_pop,
                        anycast_ms,
                        unicast,
                    }
                })
                .collect()
        })
        .collect();
    per_group.into_iter().flatten().collect()
}

/// Distance from `from` to each PoP, nearest first (ties: lower index).
pub fn by_distance(from: LatLon, pops: &[LatLon]) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = pops
        .iter()
        .enumerate()
        .map(|(i, p)| (i, from.distance_km(*p)))
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_distinct_draws_favour_near_candidates() {
        let s = Streams::new(1);
        let mut rng = s.stream("t");
        let cands = [(0, 10.0), (1, 1000.0), (2, 1000.0)];
        let mut first = [0u32; 3];
        for _ in 0..2000 {
            let d = draw_two(&cands, &mut rng);
            assert_eq!(d.len(), 2);
            assert_ne!(d[0], d[1]);
            first[d[0]] += 1;
        }
        // Weight 0.1 against 0.001 + 0.001: the near one is first ~98%.
        assert!(first[0] > 1900, "{first:?}");
        assert_eq!(draw_two(&cands[..1], &mut rng), vec![0]);
        assert!(draw_two(&[], &mut rng).is_empty());
    }
}
