//! The computations behind Figures 1-9 of IMC 2015, on plain inputs
//! (beacons, per-group distances and RTTs), each unit-tested on hand-made
//! data. docs/reproducing-imc2015.md says how each figure is computed.

use super::campaign::{Beacon, NONE};
use std::collections::BTreeMap;

/// The anycast target in per-target sample maps.
pub const ANY: u16 = u16::MAX - 1;

/// Nearest-rank percentile of sorted values (q in [0, 1]).
pub fn pct_sorted(v: &[f32], q: f64) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[k])
}

/// Nearest-rank percentile (sorts a copy).
pub fn pct(v: &[f32], q: f64) -> Option<f32> {
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    pct_sorted(&s, q)
}

/// Fig. 1: per group, the lowest unicast RTT among its `k` geographically
/// nearest PoPs, for each `k` of `ks`. `order[g]` lists PoPs nearest
/// first; `rtt[g][p]` is the unicast RTT (None: no route). Groups with no
/// route among the k nearest get None.
pub fn min_over_nearest(
    order: &[Vec<usize>],
    rtt: &[Vec<Option<f32>>],
    ks: &[usize],
) -> Vec<Vec<Option<f32>>> {
    ks.iter()
        .map(|&k| {
            order
                .iter()
                .zip(rtt)
                .map(|(o, r)| {
                    o.iter()
                        .take(k)
                        .filter_map(|&p| r[p])
                        .min_by(f32::total_cmp)
                })
                .collect()
        })
        .collect()
}

/// Fig. 4: distance to the anycast PoP and how much farther it is than
/// the nearest PoP [km], per group (None without an anycast route).
pub fn past_closest(pop_km: &[Vec<f64>], anycast: &[Option<usize>]) -> Vec<Option<(f64, f64)>> {
    pop_km
        .iter()
        .zip(anycast)
        .map(|(km, a)| {
            let a = (*a)?;
            let near = km.iter().copied().fold(f64::INFINITY, f64::min);
            Some((km[a], (km[a] - near).max(0.0)))
        })
        .collect()
}

/// Per group and day, the samples per target (anycast = [`ANY`]).
type DayTargets = BTreeMap<u16, Vec<f32>>;

fn add(m: &mut DayTargets, b: &Beacon) {
    if b.anycast_pop != NONE {
        m.entry(ANY).or_default().push(b.anycast_ms);
    }
    for u in b.unicast.iter().filter(|u| u.0 != NONE) {
        m.entry(u.0).or_default().push(u.1);
    }
}

/// Fig. 5 input: per group, per day, the median anycast latency minus the
/// lowest median unicast latency among the targets with at least
/// `min_samples` measurements that day [ms]; None when anycast or every
/// unicast target has fewer. Beacons must be sorted by group.
pub fn daily_anycast_minus_unicast(
    beacons: &[Beacon],
    groups: usize,
    days: u32,
    min_samples: usize,
) -> Vec<Vec<Option<f64>>> {
    let mut out = vec![vec![None; days as usize]; groups];
    let mut per: Vec<DayTargets> = vec![DayTargets::new(); days as usize];
    let mut flush = |g: usize, per: &mut Vec<DayTargets>| {
        for (d, m) in per.iter_mut().enumerate() {
            out[g][d] = median_gap(m, min_samples);
            m.clear();
        }
    };
    let mut cur: Option<usize> = None;
    for b in beacons {
        let g = b.group as usize;
        if cur != Some(g) {
            if let Some(c) = cur {
                flush(c, &mut per);
            }
            cur = Some(g);
        }
        if let Some(m) = per.get_mut(b.day() as usize) {
            add(m, b);
        }
    }
    if let Some(c) = cur {
        flush(c, &mut per);
    }
    out
}

fn median_gap(m: &DayTargets, min_samples: usize) -> Option<f64> {
    let any = m.get(&ANY).filter(|v| v.len() >= min_samples)?;
    let best = m
        .iter()
        .filter(|(t, v)| **t != ANY && v.len() >= min_samples)
        .filter_map(|(_, v)| pct(v, 0.5))
        .min_by(f32::total_cmp)?;
    Some(f64::from(pct(any, 0.5)?) - f64::from(best))
}

/// Fig. 5: per day, the share of groups evaluated that day whose gap
/// exceeds `threshold` (strictly; a gap of exactly 0 is not poor).
pub fn poor_share(daily: &[Vec<Option<f64>>], day: usize, threshold: f64) -> Option<f64> {
    let (mut n, mut poor) = (0usize, 0usize);
    for g in daily {
        if let Some(Some(x)) = g.get(day) {
            n += 1;
            poor += usize::from(*x > threshold);
        }
    }
    (n > 0).then(|| poor as f64 / n as f64)
}

/// Fig. 6: the lengths [days] of a group's runs of consecutive poor days
/// (gap above `threshold`); a day not evaluated ends a run.
pub fn poor_runs(days: &[Option<f64>], threshold: f64) -> Vec<u32> {
    let mut out = Vec::new();
    let mut run = 0u32;
    for d in days {
        if d.is_some_and(|x| x > threshold) {
            run += 1;
        } else if run > 0 {
            out.push(run);
            run = 0;
        }
    }
    if run > 0 {
        out.push(run);
    }
    out
}

/// Fig. 7 and 8: front-end switches seen by each group's beacons (sorted
/// by group, then time). Per group: the time of its first beacon whose
/// anycast PoP differs from that of its first beacon (None: never), and
/// every switch between consecutive beacons as (group, old PoP, new PoP).
#[allow(clippy::type_complexity)]
pub fn switches(
    beacons: &[Beacon],
    groups: usize,
) -> (Vec<Option<crate::time::SimTime>>, Vec<(u32, u16, u16)>) {
    let mut first_change = vec![None; groups];
    let mut first: Vec<Option<u16>> = vec![None; groups];
    let mut last: Vec<Option<u16>> = vec![None; groups];
    let mut sw = Vec::new();
    for b in beacons.iter().filter(|b| b.anycast_pop != NONE) {
        let g = b.group as usize;
        if first[g].is_none() {
            first[g] = Some(b.anycast_pop);
        }
        if first_change[g].is_none() && first[g] != Some(b.anycast_pop) {
            first_change[g] = Some(b.t);
        }
        if let Some(l) = last[g].filter(|&l| l != b.anycast_pop) {
            sw.push((b.group, l, b.anycast_pop));
        }
        last[g] = Some(b.anycast_pop);
    }
    (first_change, sw)
}

/// One prediction evaluated on the next day (Fig. 9).
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub key: usize,
    pub day: u32,
    /// The predicted target ([`ANY`]: stay on anycast).
    pub target: u16,
    /// Beacons of the key that day (the evaluation's weight).
    pub beacons: usize,
    /// Anycast minus target latency at the median and 75th percentile [ms]
    /// (0 when the prediction is anycast).
    pub median_ms: f64,
    pub p75_ms: f64,
}

/// The §6 prediction: per key (LDNS or /24) and day d >= 1, the target
/// with the lowest `q`-percentile latency over day d-1 among those with at
/// least `min_samples` measurements (anycast unless a unicast target is
/// strictly lower; anycast too when anycast itself lacks the samples), then
/// evaluated on day d at the median and 75th percentile. An evaluation
/// needs `eval_min` measurements of anycast and of the target that day.
pub fn predict(
    beacons: &[Beacon],
    key_of_group: &[usize],
    keys: usize,
    days: u32,
    q: f64,
    min_samples: usize,
    eval_min: usize,
) -> Vec<Evaluation> {
    let mut per: Vec<Vec<DayTargets>> = vec![vec![DayTargets::new(); days as usize]; keys];
    let mut count = vec![vec![0usize; days as usize]; keys];
    for b in beacons {
        let k = key_of_group[b.group as usize];
        let d = b.day() as usize;
        if d < days as usize {
            add(&mut per[k][d], b);
            count[k][d] += 1;
        }
    }
    let mut out = Vec::new();
    for (k, dd) in per.iter().enumerate() {
        for d in 1..days as usize {
            let prev = &dd[d - 1];
            let next = &dd[d];
            if count[k][d] == 0 {
                continue;
            }
            let score = |t: &u16| {
                prev.get(t)
                    .filter(|v| v.len() >= min_samples)
                    .and_then(|v| pct(v, q))
            };
            let mut target = ANY;
            if let Some(mut best) = score(&ANY) {
                for t in prev.keys().filter(|t| **t != ANY) {
                    if let Some(s) = score(t).filter(|s| *s < best) {
                        best = s;
                        target = *t;
                    }
                }
            }
            let (median_ms, p75_ms) = if target == ANY {
                (0.0, 0.0)
            } else {
                let (Some(a), Some(t)) = (next.get(&ANY), next.get(&target)) else {
                    continue;
                };
                if a.len() < eval_min || t.len() < eval_min {
                    continue;
                }
                let gap = |x: f64| {
                    f64::from(pct(a, x).expect("non-empty"))
                        - f64::from(pct(t, x).expect("non-empty"))
                };
                (gap(0.5), gap(0.75))
            };
            out.push(Evaluation {
                key: k,
                day: d as u32,
                target,
                beacons: count[k][d],
                median_ms,
                p75_ms,
            });
        }
    }
    out
}

/// Weighted share of `values` satisfying `pred`.
pub fn share_where(values: &[(f64, f64)], pred: impl Fn(f64) -> bool) -> Option<f64> {
    let total: f64 = values.iter().map(|x| x.1).sum();
    (total > 0.0).then(|| {
        values
            .iter()
            .filter(|x| pred(x.0))
            .map(|x| x.1)
            .sum::<f64>()
            / total
    })
}

/// Weighted median of (value, weight) pairs.
pub fn weighted_median(values: &[(f64, f64)]) -> Option<f64> {
    let mut v: Vec<(f64, f64)> = values.iter().copied().filter(|x| x.1 > 0.0).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for (x, w) in v {
        acc += w;
        if acc >= total / 2.0 {
            return Some(x);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{SimDuration, SimTime};

    fn b(group: u32, hour: u64, any: (u16, f32), uni: &[(u16, f32)]) -> Beacon {
        let mut unicast = [(NONE, 0.0); 3];
        for (i, u) in uni.iter().enumerate() {
            unicast[i] = *u;
        }
        Beacon {
            group,
            t: SimTime::ZERO + SimDuration::from_secs(hour * 3600),
            anycast_pop: any.0,
            anycast_ms: any.1,
            unicast,
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(pct(&v, 0.25), Some(1.0));
        assert_eq!(pct(&v, 0.5), Some(2.0));
        assert_eq!(pct(&v, 0.75), Some(3.0));
        assert_eq!(pct(&v, 1.0), Some(4.0));
        assert_eq!(pct(&[], 0.5), None);
    }

    #[test]
    fn min_latency_over_the_k_nearest() {
        // Group 0: PoPs by distance 2, 0, 1; RTTs 30, 50, 10.
        let order = vec![vec![2, 0, 1]];
        let rtt = vec![vec![Some(30.0), Some(10.0), Some(50.0)]];
        let m = min_over_nearest(&order, &rtt, &[1, 2, 3]);
        assert_eq!(
            m,
            vec![vec![Some(50.0)], vec![Some(30.0)], vec![Some(10.0)]]
        );
        let none = min_over_nearest(&order, &[vec![None, None, None]], &[2]);
        assert_eq!(none, vec![vec![None]]);
    }

    #[test]
    fn distance_past_the_closest() {
        let km = vec![vec![100.0, 400.0], vec![300.0, 50.0]];
        let p = past_closest(&km, &[Some(0), Some(0)]);
        assert_eq!(p, vec![Some((100.0, 0.0)), Some((300.0, 250.0))]);
        assert_eq!(past_closest(&km[..1], &[None]), vec![None]);
    }

    #[test]
    fn daily_gap_and_poor_prevalence() {
        // Group 0, day 0: anycast 50, 60 vs unicast PoP 1 at 20, 30 and
        // PoP 2 once (below the floor of 2): gap = 55 - 25 (medians by
        // nearest rank: 50 and 20) = 30. Day 1: no beacon.
        let bs = vec![
            b(0, 1, (0, 50.0), &[(1, 20.0), (2, 1.0)]),
            b(0, 2, (0, 60.0), &[(1, 30.0)]),
            b(1, 3, (0, 10.0), &[(1, 12.0)]),
            b(1, 4, (0, 10.0), &[(1, 12.0)]),
        ];
        let d = daily_anycast_minus_unicast(&bs, 2, 2, 2);
        assert_eq!(d[0], vec![Some(30.0), None]);
        assert_eq!(d[1], vec![Some(-2.0), None]);
        assert_eq!(poor_share(&d, 0, 0.0), Some(0.5));
        assert_eq!(poor_share(&d, 0, 30.0), Some(0.0));
        assert_eq!(poor_share(&d, 1, 0.0), None);
    }

    #[test]
    fn poor_runs_are_consecutive_poor_days() {
        let days = [
            Some(20.0),
            Some(30.0),
            None,
            Some(15.0),
            Some(5.0),
            Some(12.0),
        ];
        assert_eq!(poor_runs(&days, 10.0), vec![2, 1, 1]);
        assert_eq!(poor_runs(&days, 25.0), vec![1]);
        assert!(poor_runs(&days, 100.0).is_empty());
    }

    #[test]
    fn switches_are_counted_between_consecutive_beacons() {
        let bs = vec![
            b(0, 1, (3, 1.0), &[]),
            b(0, 5, (4, 1.0), &[]),
            b(0, 9, (3, 1.0), &[]),
            b(1, 2, (7, 1.0), &[]),
            b(1, 3, (NONE, 0.0), &[]),
            b(1, 4, (7, 1.0), &[]),
        ];
        let (first, sw) = switches(&bs, 3);
        assert_eq!(
            first[0],
            Some(SimTime::ZERO + SimDuration::from_secs(5 * 3600))
        );
        assert_eq!(first[1], None);
        assert_eq!(first[2], None);
        assert_eq!(sw, vec![(0, 3, 4), (0, 4, 3)]);
    }

    #[test]
    fn prediction_by_p25_with_the_sample_floor() {
        // Key 0, day 0: anycast 20 x 50 ms; PoP 1 20 x 30 ms; PoP 2 has
        // 19 x 1 ms (below the floor of 20, so never chosen). Day 1:
        // anycast 60 ms, PoP 1 40 ms -> improvement 20 at both percentiles.
        let mut bs = Vec::new();
        for i in 0..20 {
            let uni: Vec<(u16, f32)> = if i < 19 {
                vec![(1, 30.0), (2, 1.0)]
            } else {
                vec![(1, 30.0)]
            };
            bs.push(b(0, 1, (0, 50.0), &uni));
        }
        for _ in 0..5 {
            bs.push(b(0, 25, (0, 60.0), &[(1, 40.0)]));
        }
        let e = predict(&bs, &[0], 1, 2, 0.25, 20, 5);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].target, 1);
        assert_eq!((e[0].median_ms, e[0].p75_ms), (20.0, 20.0));
        assert_eq!(e[0].beacons, 5);
        // With a floor of 21, PoP 1 lacks samples too: stay on anycast.
        let e = predict(&bs, &[0], 1, 2, 0.25, 21, 5);
        assert_eq!(e[0].target, ANY);
        assert_eq!(e[0].median_ms, 0.0);
        // The next day's floor: 6 measurements needed, 5 present.
        assert!(predict(&bs, &[0], 1, 2, 0.25, 20, 6).is_empty());
    }

    #[test]
    fn weighted_shares_and_median() {
        let v = [(1.0, 1.0), (5.0, 3.0), (-2.0, 1.0)];
        assert_eq!(share_where(&v, |x| x > 0.0), Some(0.8));
        assert_eq!(weighted_median(&v), Some(5.0));
        assert_eq!(share_where(&[], |_| true), None);
    }
}
