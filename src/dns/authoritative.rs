//! The authoritative server: per query (a mapping key — one resolver, or
//! one ECS client subnet of a resolver — and the location the server
//! believes the query comes from) it picks a [`Target`].
//!
//! Policies (docs/dns.md):
//! - `anycast`: always the anycast address;
//! - `geo`: the PoP nearest the location (the ECS subnet's, else the
//!   resolver's);
//! - `latency-map`: the PoP with the lowest median latency measured for
//!   this key over the last `window`; `geo` until a PoP has measurements;
//! - `hybrid` (Calder et al., IMC 2015 section 6): time is cut into periods
//!   of `window`; in period k the answer is the target (anycast or one
//!   PoP) with the lowest 25th-percentile latency over period k-1 among
//!   targets with at least `min_samples` measurements there; anycast when
//!   anycast itself lacks them, and on ties;
//! - `load-aware`: PoPs by distance from the location; the nearest whose
//!   assigned load plus this key's demand stays under `threshold x
//!   capacity`, else the PoP with the most headroom. A key's demand is its
//!   request rate counted by the CDN (buckets of [`super::DEMAND_BUCKET`]);
//!   its load is assigned to the answered PoP until the answer's TTL ends.
//!
//! Measurements (`measure`) and request counts (`count`) are handed in by
//! the caller as the run proceeds; nothing here reads a clock.

use super::{DEMAND_BUCKET, Target};
use crate::geo::LatLon;
use crate::scenario::raw::Steering;
use crate::time::{SimDuration, SimTime};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Configuration of the authoritative's policy.
#[derive(Clone, Debug)]
pub struct Policy {
    pub mode: Steering,
    pub pops: Vec<LatLon>,
    pub ttl: SimDuration,
    pub window: SimDuration,
    pub min_samples: u32,
    /// Per PoP [requests/s] (load-aware; infinite when not given).
    pub capacity: Vec<f64>,
    pub threshold: f64,
}

/// The authoritative server's state.
#[derive(Clone)]
pub struct Authoritative {
    p: Policy,
    /// Measurements per (key, target): (time, latency), oldest first.
    samples: FxHashMap<(u64, Target), VecDeque<(SimTime, SimDuration)>>,
    /// hybrid: decision per key for a period.
    decided: FxHashMap<u64, (u64, Target)>,
    load: LoadBook,
    /// Per PoP: [from, to) intervals during which health checks hold it
    /// failed (empty: always in service).
    out_of_service: Vec<Vec<(SimTime, SimTime)>>,
}

#[derive(Clone, Default)]
struct LoadBook {
    load: Vec<f64>,
    /// Per key: (PoP, demand, expiry) of its live assignment.
    assigned: FxHashMap<u64, (usize, f64, SimTime)>,
    expiry: BinaryHeap<Reverse<(SimTime, u64)>>,
    /// Per key: (bucket, requests in it, requests in the bucket before).
    demand: FxHashMap<u64, (u64, u32, u32)>,
}

impl Authoritative {
    pub fn new(p: Policy) -> Authoritative {
        let n = p.pops.len();
        Authoritative {
            p,
            samples: FxHashMap::default(),
            decided: FxHashMap::default(),
            out_of_service: vec![Vec::new(); n],
            load: LoadBook {
                load: vec![0.0; n],
                ..LoadBook::default()
            },
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.p
    }

    /// Health checks: PoP `p` is not answered during each `[from, to)` of
    /// `intervals[p]` (failures shifted by the checks' delay).
    pub fn set_out_of_service(&mut self, intervals: Vec<Vec<(SimTime, SimTime)>>) {
        debug_assert_eq!(intervals.len(), self.p.pops.len());
        self.out_of_service = intervals;
    }

    /// Whether the health checks let PoP `p` be answered at `now`.
    pub fn in_service(&self, p: usize, now: SimTime) -> bool {
        !self.out_of_service[p]
            .iter()
            .any(|&(from, to)| from <= now && now < to)
    }

    /// A PoP target out of service at `now` (anycast always is: routing
    /// takes care of it).
    fn unavailable(&self, t: Target, now: SimTime) -> bool {
        matches!(t, Target::Pop(p) if !self.in_service(p as usize, now))
    }

    /// PoPs by distance from `loc`, nearest first (ties: lower index).
    pub fn by_distance(&self, loc: LatLon) -> Vec<usize> {
        let mut v: Vec<(f64, usize)> = self
            .p
            .pops
            .iter()
            .enumerate()
            .map(|(i, &q)| (loc.distance_km(q), i))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|x| x.1).collect()
    }

    /// The nearest PoP in service (all failed: the nearest).
    fn geo(&self, now: SimTime, loc: LatLon) -> Target {
        let order = self.by_distance(loc);
        let p = order
            .iter()
            .copied()
            .find(|&p| self.in_service(p, now))
            .unwrap_or(order[0]);
        Target::Pop(p as u32)
    }

    /// The answer to a query for mapping key `key` from location `loc`.
    pub fn answer(&mut self, now: SimTime, key: u64, loc: LatLon) -> Target {
        match self.p.mode {
            Steering::Anycast | Steering::Nearest | Steering::Explicit => Target::Anycast,
            Steering::Geo => self.geo(now, loc),
            Steering::LatencyMap => {
                let from =
                    SimTime::from_nanos(now.as_nanos().saturating_sub(self.p.window.as_nanos()));
                let best = (0..self.p.pops.len())
                    .filter(|&p| self.in_service(p, now))
                    .filter_map(|p| {
                        let t = Target::Pop(p as u32);
                        let mut v = self.window_samples(key, t, from, now);
                        (!v.is_empty()).then(|| (quantile(&mut v, 0.5), p))
                    })
                    .min();
                best.map_or_else(|| self.geo(now, loc), |(_, p)| Target::Pop(p as u32))
            }
            Steering::Hybrid => {
                let k = self.period(now);
                let t = match self.decided.get(&key) {
                    Some(&(kk, t)) if kk == k => t,
                    _ => {
                        let t = self.train(key, k);
                        self.decided.insert(key, (k, t));
                        t
                    }
                };
                // A unicast choice whose PoP failed falls back to anycast.
                if self.unavailable(t, now) {
                    Target::Anycast
                } else {
                    t
                }
            }
            Steering::LoadAware => self.load_aware(now, key, loc),
        }
    }

    /// The hybrid period containing `now`.
    pub fn period(&self, now: SimTime) -> u64 {
        now.as_nanos() / self.p.window.as_nanos().max(1)
    }

    /// hybrid: the target for period `k`, trained on period `k - 1`.
    pub fn train(&self, key: u64, k: u64) -> Target {
        if k == 0 {
            return Target::Anycast;
        }
        let w = self.p.window.as_nanos();
        let (from, to) = (SimTime::from_nanos((k - 1) * w), SimTime::from_nanos(k * w));
        let p25 = |t: Target| {
            let mut v = self.window_samples(key, t, from, to);
            (v.len() >= self.p.min_samples.max(1) as usize).then(|| quantile(&mut v, 0.25))
        };
        let Some(any) = p25(Target::Anycast) else {
            return Target::Anycast;
        };
        let mut best = (any, Target::Anycast);
        for p in 0..self.p.pops.len() {
            let t = Target::Pop(p as u32);
            if let Some(x) = p25(t)
                && x < best.0
            {
                best = (x, t);
            }
        }
        best.1
    }

    /// Measurements of (key, target) in [from, to).
    pub fn window_samples(
        &self,
        key: u64,
        t: Target,
        from: SimTime,
        to: SimTime,
    ) -> Vec<SimDuration> {
        self.samples.get(&(key, t)).map_or(Vec::new(), |q| {
            q.iter()
                .filter(|&&(at, _)| at >= from && at < to)
                .map(|&(_, d)| d)
                .collect()
        })
    }

    /// Records one latency measurement of `target` for `key`.
    pub fn measure(&mut self, now: SimTime, key: u64, target: Target, rtt: SimDuration) {
        if !matches!(self.p.mode, Steering::LatencyMap | Steering::Hybrid) {
            return;
        }
        // hybrid needs the previous period whole: keep two windows.
        let keep = 2 * self.p.window.as_nanos();
        let q = self.samples.entry((key, target)).or_default();
        q.push_back((now, rtt));
        while q
            .front()
            .is_some_and(|&(at, _)| now.as_nanos().saturating_sub(at.as_nanos()) > keep)
        {
            q.pop_front();
        }
    }

    /// Counts one request of `key` (load-aware demand).
    pub fn count(&mut self, now: SimTime, key: u64) {
        if self.p.mode != Steering::LoadAware {
            return;
        }
        let b = now.as_nanos() / DEMAND_BUCKET.as_nanos();
        let e = self.load.demand.entry(key).or_insert((b, 0, 0));
        if e.0 != b {
            *e = (b, 0, if e.0 + 1 == b { e.1 } else { 0 });
        }
        e.1 += 1;
    }

    /// The request rate of `key` [1/s]: requests in the previous and the
    /// current bucket over the time they cover.
    pub fn demand(&self, now: SimTime, key: u64) -> f64 {
        let bw = DEMAND_BUCKET.as_nanos();
        let b = now.as_nanos() / bw;
        match self.load.demand.get(&key) {
            Some(&(kb, cur, prev)) if kb == b => {
                let covered = (now.as_nanos() - b * bw) as f64 / 1e9
                    + if b > 0 { bw as f64 / 1e9 } else { 0.0 };
                (f64::from(cur) + f64::from(prev)) / covered.max(1e-3)
            }
            Some(&(kb, cur, _)) if kb + 1 == b => {
                let covered = (now.as_nanos() - kb * bw) as f64 / 1e9;
                f64::from(cur) / covered.max(1e-3)
            }
            _ => 0.0,
        }
    }

    /// Load assigned to each PoP by live answers [requests/s].
    pub fn assigned_load(&mut self, now: SimTime) -> &[f64] {
        self.expire(now);
        &self.load.load
    }

    fn expire(&mut self, now: SimTime) {
        let lb = &mut self.load;
        while let Some(&Reverse((at, key))) = lb.expiry.peek() {
            if at > now {
                break;
            }
            lb.expiry.pop();
            if let Some(&(p, d, e)) = lb.assigned.get(&key)
                && e == at
            {
                lb.load[p] -= d;
                lb.assigned.remove(&key);
            }
        }
    }

    fn load_aware(&mut self, now: SimTime, key: u64, loc: LatLon) -> Target {
        self.expire(now);
        if let Some((p, d, _)) = self.load.assigned.remove(&key) {
            self.load.load[p] -= d;
        }
        let d = self.demand(now, key);
        let mut order = self.by_distance(loc);
        if order.iter().any(|&p| self.in_service(p, now)) {
            order.retain(|&p| self.in_service(p, now));
        }
        let lb = &self.load;
        let room = |p: usize| self.p.threshold * self.p.capacity[p] - lb.load[p];
        let pick = order
            .iter()
            .copied()
            .find(|&p| room(p) >= d)
            .unwrap_or_else(|| {
                // Nobody has room: the most headroom relative to capacity.
                *order
                    .iter()
                    .max_by(|&&a, &&b| {
                        (room(a) / self.p.capacity[a])
                            .total_cmp(&(room(b) / self.p.capacity[b]))
                            .then(b.cmp(&a))
                    })
                    .expect("at least one PoP")
            });
        let until = now + self.p.ttl;
        self.load.load[pick] += d;
        self.load.assigned.insert(key, (pick, d, until));
        self.load.expiry.push(Reverse((until, key)));
        Target::Pop(pick as u32)
    }
}

/// The `q` quantile (nearest rank) of `v`, which it reorders.
pub fn quantile(v: &mut [SimDuration], q: f64) -> SimDuration {
    v.sort_unstable();
    let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(x: u64) -> SimDuration {
        SimDuration::from_millis(x)
    }
    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }
    fn policy(mode: Steering) -> Policy {
        Policy {
            mode,
            // Two PoPs: London and New York.
            pops: vec![LatLon::new(51.5, -0.1), LatLon::new(40.7, -74.0)],
            ttl: SimDuration::from_secs(20),
            window: SimDuration::from_secs(60),
            min_samples: 3,
            capacity: vec![100.0, 100.0],
            threshold: 0.9,
        }
    }

    #[test]
    fn geo_answers_the_pop_nearest_the_location() {
        let mut a = Authoritative::new(policy(Steering::Geo));
        assert_eq!(a.answer(at(0), 1, LatLon::new(48.9, 2.3)), Target::Pop(0));
        assert_eq!(a.answer(at(0), 1, LatLon::new(42.4, -71.1)), Target::Pop(1));
    }

    /// Health checks: a PoP out of service is not answered by any policy
    /// during its interval, and is again after it.
    #[test]
    fn out_of_service_pops_are_skipped_by_every_policy() {
        let paris = LatLon::new(48.9, 2.3);
        for mode in [Steering::Geo, Steering::LatencyMap, Steering::LoadAware] {
            let mut a = Authoritative::new(policy(mode));
            a.set_out_of_service(vec![vec![(at(10), at(20))], vec![]]);
            assert_eq!(a.answer(at(5), 1, paris), Target::Pop(0), "{mode:?}");
            assert_eq!(a.answer(at(10), 2, paris), Target::Pop(1), "{mode:?}");
            assert_eq!(a.answer(at(19), 3, paris), Target::Pop(1), "{mode:?}");
            assert_eq!(a.answer(at(20), 4, paris), Target::Pop(0), "{mode:?}");
        }
        // Everything failed: the nearest anyway.
        let mut a = Authoritative::new(policy(Steering::Geo));
        a.set_out_of_service(vec![vec![(at(0), at(9))], vec![(at(0), at(9))]]);
        assert_eq!(a.answer(at(1), 1, paris), Target::Pop(0));
        // hybrid: a unicast decision whose PoP is out falls back to anycast.
        let mut a = Authoritative::new(policy(Steering::Hybrid));
        for s in 0..60 {
            a.measure(at(s), 1, Target::Anycast, ms(90));
            a.measure(at(s), 1, Target::Pop(0), ms(20));
        }
        a.set_out_of_service(vec![vec![(at(70), at(80))], vec![]]);
        assert_eq!(a.answer(at(65), 1, paris), Target::Pop(0));
        assert_eq!(a.answer(at(75), 1, paris), Target::Anycast);
        assert_eq!(a.answer(at(85), 1, paris), Target::Pop(0));
    }

    #[test]
    fn latency_map_follows_the_window_median() {
        let mut a = Authoritative::new(policy(Steering::LatencyMap));
        let paris = LatLon::new(48.9, 2.3);
        assert_eq!(a.answer(at(0), 1, paris), Target::Pop(0), "geo before data");
        for s in 0..5 {
            a.measure(at(s), 1, Target::Pop(0), ms(80));
            a.measure(at(s), 1, Target::Pop(1), ms(30));
        }
        assert_eq!(a.answer(at(10), 1, paris), Target::Pop(1));
        // 70 s later the old samples are out of the 60 s window.
        a.measure(at(75), 1, Target::Pop(0), ms(20));
        assert_eq!(a.answer(at(80), 1, paris), Target::Pop(0));
    }

    #[test]
    fn hybrid_trains_on_the_previous_period_with_enough_samples() {
        let mut a = Authoritative::new(policy(Steering::Hybrid));
        let loc = LatLon::new(0.0, 0.0);
        for s in 0..10 {
            a.measure(at(s), 9, Target::Anycast, ms(50));
        }
        a.measure(at(1), 9, Target::Pop(1), ms(10));
        a.measure(at(2), 9, Target::Pop(1), ms(10));
        // Period 0: always anycast; period 1: Pop 1 has 2 < 3 samples.
        assert_eq!(a.answer(at(5), 9, loc), Target::Anycast);
        assert_eq!(a.answer(at(61), 9, loc), Target::Anycast);
        a.measure(at(3), 9, Target::Pop(1), ms(10));
        // Decided once per period: still anycast in period 1 ...
        assert_eq!(a.answer(at(62), 9, loc), Target::Anycast);
        // ... but period 1 trained afresh would pick Pop 1.
        assert_eq!(a.train(9, 1), Target::Pop(1));
        // Period 2 trains on period 1, which has no samples: anycast.
        assert_eq!(a.answer(at(125), 9, loc), Target::Anycast);
    }

    #[test]
    fn load_aware_spills_to_the_next_nearest_pop() {
        let mut a = Authoritative::new(policy(Steering::LoadAware));
        let paris = LatLon::new(48.9, 2.3);
        // Key 1: 60 req/s, key 2: 50 req/s, both near London (cap 90%).
        for i in 0..600 {
            a.count(at(0) + SimDuration::from_millis(i * 16), 1);
        }
        for i in 0..500 {
            a.count(at(0) + SimDuration::from_millis(i * 20), 2);
        }
        assert_eq!(a.answer(at(10), 1, paris), Target::Pop(0));
        assert_eq!(a.answer(at(10), 2, paris), Target::Pop(1), "spilled");
        let load = a.assigned_load(at(10)).to_vec();
        assert!(load[0] <= 90.0 && load[1] <= 90.0, "{load:?}");
        // After the TTL the assignments are gone.
        assert_eq!(a.assigned_load(at(31)), &[0.0, 0.0]);
    }

    proptest! {
        /// On the period it was trained on, hybrid's choice has a 25th
        /// percentile at most anycast's (with enough samples), whatever
        /// the measurements.
        #[test]
        fn hybrid_is_never_worse_than_anycast_on_its_training_period(
            samples in prop::collection::vec((0u32..3, 0u64..60, 1u64..300), 1..200)
        ) {
            let mut a = Authoritative::new(policy(Steering::Hybrid));
            for &(t, s, x) in &samples {
                let target = if t == 0 { Target::Anycast } else { Target::Pop(t - 1) };
                a.measure(at(s), 5, target, ms(x));
            }
            let chosen = a.train(5, 1);
            let p25 = |t| {
                let mut v = a.window_samples(5, t, at(0), at(60));
                (v.len() >= 3).then(|| quantile(&mut v, 0.25))
            };
            if let (Some(c), Some(any)) = (p25(chosen), p25(Target::Anycast)) {
                prop_assert!(c <= any);
            }
            if p25(Target::Anycast).is_none() {
                prop_assert_eq!(chosen, Target::Anycast);
            }
        }
    }
}
