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

/// Which prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pfx {
    Anycast,
    Unicast(usize),
}

/// What a prefix's routes depend on besides the links: for anycast the
/// PoPs' announcements (live, failed, prepend), nothing for a unicast one.
type PopPart = (Vec<bool>, Vec<bool>, Vec<u32>);

/// One solve: every group's cell, and the links (lower ASN, higher ASN)
/// its data paths cross.
struct Solved {
    cells: Arc<Vec<AnycastCell>>,
    links: BTreeSet<(u32, u32)>,
}

fn solve(
    base: &World,
    cfg: &RunConfig,
    pfx: Pfx,
    pop: &PopPart,
    down: &BTreeSet<(u32, u32)>,
) -> Result<Solved, Error> {
    let w = world_without(base, down);
    let paths = match pfx {
        Pfx::Anycast => {
            let mut c = cfg.clone();
            for (i, p) in c.pops.iter_mut().enumerate() {
                if !pop.0[i] || pop.1[i] {
                    p.announce = Announce::None;
                }
                p.prepend = pop.2[i];
            }
            catchment::paths(&w, &c, &Prefix::anycast(&w, &c))?
        }
        Pfx::Unicast(p) => catchment::paths(&w, cfg, &Prefix::unicast(&w, p))?,
    };
    let mut links = BTreeSet::new();
    for p in &paths {
        for h in p.as_path.windows(2) {
            links.insert((h[0].0.min(h[1].0), h[0].0.max(h[1].0)));
        }
    }
    let cells = paths
        .iter()
        .map(|p| {
            p.pop
                .filter(|&x| matches!(pfx, Pfx::Anycast) || pfx == Pfx::Unicast(x))
                .map(|x| (x as u16, p.rtt.as_millis_f64() as f32))
        })
        .collect();
    Ok(Solved {
        cells: Arc::new(cells),
        links,
    })
}

/// Per state, the cells of one prefix. A state's links down that no data
/// path of the prefix crosses cannot change its routes (removing a link
/// no best route uses leaves every best route in place), so each state
/// is solved with only the relevant links down: those the routes with no
/// link down cross, plus any the resulting routes still cross, repeated
/// until none does. Solves are cached by (announcements, relevant links).
fn prefix_over_states(
    base: &World,
    cfg: &RunConfig,
    pfx: Pfx,
    states: &[State],
) -> Result<(Vec<Option<Arc<Vec<AnycastCell>>>>, usize), Error> {
    let mut cache: BTreeMap<(PopPart, BTreeSet<(u32, u32)>), Arc<Solved>> = BTreeMap::new();
    let mut solves = 0usize;
    let mut get = |pop: &PopPart, down: &BTreeSet<(u32, u32)>| -> Result<Arc<Solved>, Error> {
        let key = (pop.clone(), down.clone());
        if let Some(s) = cache.get(&key) {
            return Ok(s.clone());
        }
        let s = Arc::new(solve(base, cfg, pfx, pop, down)?);
        solves += 1;
        cache.insert(key, s.clone());
        Ok(s)
    };
    let mut out = Vec::with_capacity(states.len());
    for s in states {
        let pop: PopPart = match pfx {
            Pfx::Anycast => (s.live.clone(), s.failed.clone(), s.prepend.clone()),
            Pfx::Unicast(p) if s.failed[p] => {
                out.push(None);
                continue;
            }
            Pfx::Unicast(_) => (Vec::new(), Vec::new(), Vec::new()),
        };
        let clear = get(&pop, &BTreeSet::new())?;
        let mut k: BTreeSet<(u32, u32)> = s.down.intersection(&clear.links).copied().collect();
        let sol = loop {
            let sol = get(&pop, &k)?;
            let more: Vec<(u32, u32)> = s
                .down
                .iter()
                .filter(|l| !k.contains(l) && sol.links.contains(l))
                .copied()
                .collect();
            if more.is_empty() {
                break sol;
            }
            k.extend(more);
        };
        out.push(Some(sol.cells.clone()));
    }
    Ok((out, solves))
}

/// Routing snapshots over `changes` (in time order): the first from time
/// zero, one more after each change (changes at the same time are one).
/// Returns the snapshots and the number of solves.
pub fn snapshots(
    base: &World,
    cfg: &RunConfig,
    changes: &[(SimTime, Action)],
    locate: &dyn Fn(&str, String) -> InputError,
) -> Result<(Vec<Snapshot>, usize), Error> {
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
        if states.last().is_some_and(|s| s.0 == *at) {
            states.last_mut().expect("non-empty").1 = state.clone();
        } else {
            states.push((*at, state.clone()));
        }
    }
    let only: Vec<State> = states.iter().map(|s| s.1.clone()).collect();
    let pfxs: Vec<Pfx> = std::iter::once(Pfx::Anycast)
        .chain((0..n).map(Pfx::Unicast))
        .collect();
    let per: Vec<(Vec<Option<Arc<Vec<AnycastCell>>>>, usize)> = pfxs
        .par_iter()
        .map(|&p| prefix_over_states(base, cfg, p, &only))
        .collect::<Result<_, Error>>()?;
    let solves = per.iter().map(|x| x.1).sum();
    let groups = base.access.len();
    let none: Arc<Vec<Option<f32>>> = Arc::new(vec![None; groups]);
    // Unicast columns as RTTs, converted once per distinct solve.
    let mut conv: BTreeMap<usize, Arc<Vec<Option<f32>>>> = BTreeMap::new();
    let snaps = states
        .iter()
        .enumerate()
        .map(|(i, (from, _))| Snapshot {
            from: *from,
            anycast: per[0].0[i].clone().expect("anycast is always solved"),
            unicast: (0..n)
                .map(|p| match &per[p + 1].0[i] {
                    None => none.clone(),
                    Some(c) => conv
                        .entry(Arc::as_ptr(c) as usize)
                        .or_insert_with(|| Arc::new(c.iter().map(|x| x.map(|y| y.1)).collect()))
                        .clone(),
                })
                .collect(),
        })
        .collect();
    Ok((snaps, solves))
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

    /// Reusing routes for links no data path crosses gives the same
    /// snapshots as solving every state in full (quickstart's world; links
    /// on the anycast paths and elsewhere, going down and coming back).
    #[test]
    fn reuse_equals_solving_every_state() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg =
            crate::scenario::validate(&crate::scenario::load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = crate::world::build(&cfg, &locate).unwrap();
        let g = &world.graph;
        let anycast = catchment::paths(&world, &cfg, &Prefix::anycast(&world, &cfg)).unwrap();
        let mut on_path: Vec<(u32, u32)> = anycast
            .iter()
            .flat_map(|p| {
                p.as_path
                    .windows(2)
                    .map(|h| (h[0].0, h[1].0))
                    .collect::<Vec<_>>()
            })
            .collect();
        on_path.sort_unstable();
        on_path.dedup();
        let links = g.links();
        let mut picks: Vec<(u32, u32)> = on_path.iter().step_by(7).take(4).copied().collect();
        picks.extend(
            links
                .iter()
                .step_by(links.len() / 4)
                .take(4)
                .map(|&(a, b, _)| (g.asn(a).0, g.asn(b).0)),
        );
        let t = |h: u64| SimTime::ZERO + crate::time::SimDuration::from_secs(h * 3600);
        let mut changes = Vec::new();
        for (i, &(a, b)) in picks.iter().enumerate() {
            changes.push((t(2 * i as u64 + 1), Action::Link { a, b, up: false }));
        }
        for (i, &(a, b)) in picks.iter().enumerate().step_by(2) {
            changes.push((t(100 + i as u64), Action::Link { a, b, up: true }));
        }
        let (snaps, solves) = snapshots(&world, &cfg, &changes, &locate).unwrap();
        assert_eq!(snaps.len(), changes.len() + 1);
        let mut down = BTreeSet::new();
        let live = vec![true; cfg.pops.len()];
        let pop: PopPart = (live, vec![false; cfg.pops.len()], vec![0; cfg.pops.len()]);
        let mut full = 0;
        for (i, s) in snaps.iter().enumerate() {
            if i > 0 {
                if let Action::Link { a, b, up } = changes[i - 1].1 {
                    let k = (a.min(b), a.max(b));
                    if up {
                        down.remove(&k);
                    } else {
                        down.insert(k);
                    }
                }
            }
            let want = solve(&world, &cfg, Pfx::Anycast, &pop, &down).unwrap();
            assert_eq!(*s.anycast, *want.cells, "anycast, state {i}");
            for p in 0..cfg.pops.len() {
                let want = solve(&world, &cfg, Pfx::Unicast(p), &pop, &down).unwrap();
                let rtt: Vec<Option<f32>> = want.cells.iter().map(|c| c.map(|x| x.1)).collect();
                assert_eq!(*s.unicast[p], rtt, "unicast {p}, state {i}");
                full += 1;
            }
            full += 1;
        }
        assert!(solves < full, "{solves} solves, {full} without reuse");
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
