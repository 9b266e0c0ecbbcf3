//! Routing over the study: quiescent snapshots between routing changes.
//!
//! Each change (a link down or up, a PoP withdrawing, announcing, failing
//! or prepending) moves the routing state; the study then solves the
//! anycast prefix and every PoP's unicast prefix with the static solver
//! (`bgp::solve`, hot-potato egress, data-plane following) on the world
//! with that state's links and sessions. Convergence transients are not
//! simulated here: they last seconds to minutes (docs/bgp.md) against
//! beacons spread over days, so a beacon sees the state's converged
//! routes. This is named "quiescent snapshots" in the docs.
//!
//! Work is reused: a unicast prefix depends only on the links that are
//! down and on whether its PoP has failed, so PoP events do not re-solve
//! it; each distinct (prefix, state) is solved once (a link going down and
//! back up returns to a solved state), and distinct solves run in
//! parallel.

use crate::error::{Error, InputError};
use crate::scenario::RunConfig;
use crate::scenario::events::Action;
use crate::scenario::raw::Announce;
use crate::time::SimTime;
use crate::topology::{AsGraphBuilder, AsIdx, Asn};
use crate::world::{World, catchment, prefix::Prefix};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One group's anycast route in a snapshot: (PoP, path RTT [ms]).
pub type AnycastCell = Option<(u16, f32)>;

/// The routes of every group between two changes.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// From this time on (until the next snapshot).
    pub from: SimTime,
    /// Per group.
    pub anycast: Arc<Vec<AnycastCell>>,
    /// Per PoP, per group: unicast path RTT [ms] (None: no route).
    pub unicast: Vec<Arc<Vec<Option<f32>>>>,
}

impl Snapshot {
    /// The unicast RTT of group `g` to PoP `p` [ms].
    pub fn unicast(&self, g: usize, p: usize) -> Option<f32> {
        self.unicast[p][g]
    }
}

/// The routing state after a sequence of changes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct State {
    /// Links down, as (lower ASN, higher ASN).
    down: BTreeSet<(u32, u32)>,
    /// Per PoP: announces the anycast prefix.
    live: Vec<bool>,
    /// Per PoP: failed (no prefix at all).
    failed: Vec<bool>,
    prepend: Vec<u32>,
}

/// Which prefix under which state: the key of one solve.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    Anycast(State),
    Unicast {
        pop: usize,
        down: BTreeSet<(u32, u32)>,
    },
}

/// The world with the links of `down` removed (and the CDN's sessions on
/// them dropped). AS indices are unchanged: the builder numbers ASes by
/// ASN and every AS is kept.
fn world_without(base: &World, down: &BTreeSet<(u32, u32)>) -> World {
    let g = &base.graph;
    let key = |a: AsIdx, b: AsIdx| {
        let (x, y) = (g.asn(a).0, g.asn(b).0);
        (x.min(y), x.max(y))
    };
    let mut b = AsGraphBuilder::new();
    for (x, y, rel) in g.links() {
        if !down.contains(&key(x, y)) {
            b.add_link(g.asn(x), g.asn(y), rel);
        }
    }
    for a in g.indices() {
        b.add_as(g.asn(a));
    }
    b.set_clique(g.clique.clone());
    let (graph, _) = b.build();
    debug_assert_eq!(graph.len(), g.len());
    let cdn = base.cdn;
    let keep = |nb: &AsIdx| !down.contains(&key(cdn, *nb));
    let pops = base
        .pops
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.transit.retain(keep);
            p.peers.retain(keep);
            p
        })
        .collect();
    World {
        graph,
        geo: base.geo.clone(),
        cdn,
        pops,
        access: base.access.clone(),
        warnings: Vec::new(),
    }
}

fn solve(base: &World, cfg: &RunConfig, job: &Job) -> Result<Vec<catchment::PathTo>, Error> {
    match job {
        Job::Anycast(s) => {
            let w = world_without(base, &s.down);
            let mut c = cfg.clone();
            for (i, p) in c.pops.iter_mut().enumerate() {
                if !s.live[i] || s.failed[i] {
                    p.announce = Announce::None;
                }
                p.prepend = s.prepend[i];
            }
            catchment::paths(&w, &c, &Prefix::anycast(&w, &c))
        }
        Job::Unicast { pop, down } => {
            let w = world_without(base, down);
            catchment::paths(&w, cfg, &Prefix::unicast(&w, *pop))
        }
    }
}

/// Routing snapshots over `changes` (in time order): the first from time
/// zero, one more after each change. `locate` names bad links.
pub fn snapshots(
    base: &World,
    cfg: &RunConfig,
    changes: &[(SimTime, Action)],
    locate: &dyn Fn(&str, String) -> InputError,
) -> Result<Vec<Snapshot>, Error> {
    let n = cfg.pops.len();
    let mut state = State {
        down: BTreeSet::new(),
        live: cfg
            .pops
            .iter()
            .map(|p| p.announce != Announce::None)
            .collect(),
        failed: vec![false; n],
        prepend: cfg.pops.iter().map(|p| p.prepend).collect(),
    };
    let mut states = vec![(SimTime::ZERO, state.clone())];
    for (i, (at, a)) in changes.iter().enumerate() {
        match *a {
            Action::Withdraw(p) => state.live[p] = false,
            Action::Announce(p) => {
                state.live[p] = true;
                state.failed[p] = false;
            }
            Action::Fail(p) => state.failed[p] = true,
            Action::Prepend { pop, count } => state.prepend[pop] = u32::from(count),
            Action::Link { a, b, up } => {
                let (ia, ib) = (base.graph.idx(Asn(a)), base.graph.idx(Asn(b)));
                let linked =
                    matches!((ia, ib), (Some(x), Some(y)) if base.graph.rel(x, y).is_some());
                if !linked {
                    return Err(locate(
                        &format!("events[{i}].link"),
                        format!("AS{a} and AS{b} have no link in the world"),
                    )
                    .into());
                }
                let k = (a.min(b), a.max(b));
                if up {
                    state.down.remove(&k);
                } else {
                    state.down.insert(k);
                }
            }
        }
        // Changes at the same time are one state.
        if states.last().is_some_and(|s| s.0 == *at) {
            states.last_mut().expect("non-empty").1 = state.clone();
        } else {
            states.push((*at, state.clone()));
        }
    }
    // Every distinct solve, once.
    let mut jobs: BTreeMap<Job, usize> = BTreeMap::new();
    let mut per_state: Vec<(usize, Vec<Option<usize>>)> = Vec::with_capacity(states.len());
    for (_, s) in &states {
        let mut id = |j: Job| {
            let k = jobs.len();
            *jobs.entry(j).or_insert(k)
        };
        let a = id(Job::Anycast(s.clone()));
        let u = (0..n)
            .map(|p| {
                (!s.failed[p]).then(|| {
                    id(Job::Unicast {
                        pop: p,
                        down: s.down.clone(),
                    })
                })
            })
            .collect();
        per_state.push((a, u));
    }
    let mut ordered: Vec<(Job, usize)> = jobs.into_iter().collect();
    ordered.sort_by_key(|x| x.1);
    let solved: Vec<Arc<Vec<Option<(u16, f32)>>>> = ordered
        .par_iter()
        .map(|(job, _)| {
            let paths = solve(base, cfg, job)?;
            let pop_of = |p: &catchment::PathTo| -> Option<(u16, f32)> {
                p.pop.map(|x| (x as u16, p.rtt.as_millis_f64() as f32))
            };
            Ok(Arc::new(match job {
                Job::Anycast(_) => paths.iter().map(pop_of).collect(),
                // Unicast traffic counts only if it reaches that PoP.
                Job::Unicast { pop, .. } => paths
                    .iter()
                    .map(|p| pop_of(p).filter(|x| x.0 as usize == *pop))
                    .collect(),
            }))
        })
        .collect::<Result<_, Error>>()?;
    let groups = base.access.len();
    let none: Arc<Vec<Option<f32>>> = Arc::new(vec![None; groups]);
    let mut uni_cache: BTreeMap<usize, Arc<Vec<Option<f32>>>> = BTreeMap::new();
    Ok(states
        .iter()
        .zip(per_state)
        .map(|((from, _), (a, u))| Snapshot {
            from: *from,
            anycast: solved[a].clone(),
            unicast: u
                .into_iter()
                .map(|j| match j {
                    None => none.clone(),
                    Some(j) => uni_cache
                        .entry(j)
                        .or_insert_with(|| {
                            Arc::new(solved[j].iter().map(|c| c.map(|x| x.1)).collect())
                        })
                        .clone(),
                })
                .collect(),
        })
        .collect())
}

/// The snapshot in force at `t` (the last one starting at or before it).
pub fn at(snaps: &[Snapshot], t: SimTime) -> &Snapshot {
    let i = snaps.partition_point(|s| s.from <= t);
    &snaps[i.saturating_sub(1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(from: u64) -> Snapshot {
        Snapshot {
            from: SimTime::ZERO + crate::time::SimDuration::from_secs(from),
            anycast: Arc::new(vec![Some((from as u16, 1.0))]),
            unicast: Vec::new(),
        }
    }

    #[test]
    fn the_snapshot_in_force() {
        let s = vec![snap(0), snap(10), snap(20)];
        let t = |x: u64| SimTime::ZERO + crate::time::SimDuration::from_secs(x);
        assert_eq!(at(&s, t(0)).from, t(0));
        assert_eq!(at(&s, t(9)).from, t(0));
        assert_eq!(at(&s, t(10)).from, t(10));
        assert_eq!(at(&s, t(99)).from, t(20));
    }
}
