//! Routing over the study: quiescent snapshots between routing changes.
//!
//! Each change (a link down or up, an AS's import local-pref moved by
//! background churn, a PoP withdrawing, announcing, failing or prepending)
//! moves the routing state; the study then solves the
//! anycast prefix and every PoP's unicast prefix with the static solver
//! (`bgp::solve`, hot-potato egress, data-plane following) on the world
//! with that state's links and sessions. Convergence transients are not
//! simulated here: they last seconds to minutes (docs/bgp.md) against
//! beacons spread over days, so a beacon sees the state's converged
//! routes. This is named "quiescent snapshots" in the docs.
//!
//! Work is reused: a unicast prefix does not depend on the PoPs'
//! anycast announcements, so PoP events do not re-solve it; a link no
//! group's data path to a prefix crosses, and a local-pref change at an AS
//! no such path crosses, cannot change the prefix's routes (a removed link
//! no best route uses leaves every best route in place; a churn local-pref
//! change stays within its relationship class, so the AS's exported route
//! gets no more attractive to ASes not using it), so each state is solved
//! with only its relevant changes, and solves are cached. Prefixes are
//! processed in parallel.

use crate::error::{Error, InputError};
use crate::scenario::RunConfig;
use crate::scenario::events::Action;
use crate::scenario::raw::Announce;
use crate::time::SimTime;
use crate::topology::{AsGraphBuilder, AsIdx, Asn};
use crate::world::churn::{ChurnChange, lp_with_offset};
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
    /// Import local-pref changes in force: (AS, neighbour) by ASN -> offset
    /// from the relationship class's default (background churn).
    lp: BTreeMap<(u32, u32), i32>,
    /// The CDN's sessions down (background churn): (PoP, neighbour ASN).
    sessions: BTreeSet<Session>,
    /// Per PoP: drained by background churn (not announcing anycast).
    drained: Vec<bool>,
}

/// One of the CDN's sessions: (PoP, neighbour ASN).
type Session = (usize, u32);

/// One routing change of the study.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A scenario `[[events]]` entry: its index in the file's `[[events]]`
    /// (errors name it) and what it does.
    Event(usize, Action),
    /// A background churn change (`world::churn`).
    Churn(ChurnChange),
}

/// The world with the links of `down` removed (and the CDN's sessions on
/// them dropped) and the CDN's sessions of `sessions` dropped. AS indices
/// are unchanged: the builder numbers ASes by ASN and every AS is kept.
fn world_without(base: &World, down: &BTreeSet<(u32, u32)>, sessions: &BTreeSet<Session>) -> World {
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
    let pops = base
        .pops
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let keep = |nb: &AsIdx| {
                !down.contains(&key(cdn, *nb)) && !sessions.contains(&(i, g.asn(*nb).0))
            };
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
    /// The CDN's sessions the data paths enter by.
    sessions: BTreeSet<Session>,
    /// ASes the data paths cross (the CDN too).
    ases: BTreeSet<u32>,
}

/// Per state, one prefix's cells (None: its PoP has failed).
type Column = Vec<Option<Arc<Vec<AnycastCell>>>>;

/// Local-pref changes of a solve, in key order.
type Lp = Vec<((u32, u32), i32)>;

fn solve(
    base: &World,
    cfg: &RunConfig,
    pfx: Pfx,
    pop: &PopPart,
    down: &BTreeSet<(u32, u32)>,
    sessions: &BTreeSet<Session>,
    lp: &Lp,
) -> Result<Solved, Error> {
    let w = world_without(base, down, sessions);
    let imports = |prefix: &mut Prefix| {
        let g = &w.graph;
        prefix.announcement.import_local_pref = lp
            .iter()
            .filter_map(|&((a, n), o)| {
                let (ia, ib) = (g.idx(Asn(a))?, g.idx(Asn(n))?);
                let rel = g.rel(ia, ib)?;
                Some(crate::bgp::ImportLocalPref {
                    asn: Asn(a),
                    neighbour: Asn(n),
                    local_pref: lp_with_offset(rel, o),
                })
            })
            .collect();
    };
    let paths = match pfx {
        Pfx::Anycast => {
            let mut c = cfg.clone();
            for (i, p) in c.pops.iter_mut().enumerate() {
                if !pop.0[i] || pop.1[i] {
                    p.announce = Announce::None;
                }
                p.prepend = pop.2[i];
            }
            let mut x = Prefix::anycast(&w, &c);
            imports(&mut x);
            catchment::paths_on(&w, &w.graph, &c, &x)?
        }
        Pfx::Unicast(p) => {
            let mut x = Prefix::unicast(&w, p);
            imports(&mut x);
            catchment::paths_on(&w, &w.graph, cfg, &x)?
        }
    };
    let mut links = BTreeSet::new();
    let mut ases = BTreeSet::new();
    let mut entered = BTreeSet::new();
    for p in &paths {
        for h in p.as_path.windows(2) {
            links.insert((h[0].0.min(h[1].0), h[0].0.max(h[1].0)));
        }
        ases.extend(p.as_path.iter().map(|a| a.0));
        // The path ends [.., neighbour, CDN] at the PoP it enters.
        if let (Some(pop), [.., nb, _]) = (p.pop, p.as_path.as_slice()) {
            entered.insert((pop, nb.0));
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
        sessions: entered,
        ases,
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
) -> Result<(Column, usize), Error> {
    type Key = (PopPart, BTreeSet<(u32, u32)>, BTreeSet<Session>, Lp);
    let mut cache: BTreeMap<Key, Arc<Solved>> = BTreeMap::new();
    let mut solves = 0usize;
    let mut get = |pop: &PopPart,
                   down: &BTreeSet<(u32, u32)>,
                   sess: &BTreeSet<Session>,
                   lp: &Lp|
     -> Result<Arc<Solved>, Error> {
        let key = (pop.clone(), down.clone(), sess.clone(), lp.clone());
        if let Some(s) = cache.get(&key) {
            return Ok(s.clone());
        }
        let s = Arc::new(solve(base, cfg, pfx, pop, down, sess, lp)?);
        solves += 1;
        cache.insert(key, s.clone());
        Ok(s)
    };
    let mut out = Vec::with_capacity(states.len());
    for s in states {
        let pop: PopPart = match pfx {
            Pfx::Anycast => (
                s.live
                    .iter()
                    .zip(&s.drained)
                    .map(|(l, d)| *l && !d)
                    .collect(),
                s.failed.clone(),
                s.prepend.clone(),
            ),
            Pfx::Unicast(p) if s.failed[p] => {
                out.push(None);
                continue;
            }
            Pfx::Unicast(_) => (Vec::new(), Vec::new(), Vec::new()),
        };
        let clear = get(&pop, &BTreeSet::new(), &BTreeSet::new(), &Vec::new())?;
        let mut k: BTreeSet<(u32, u32)> = s.down.intersection(&clear.links).copied().collect();
        let mut ks: BTreeSet<Session> = s.sessions.intersection(&clear.sessions).copied().collect();
        let mut kl: BTreeSet<(u32, u32)> =
            s.lp.keys()
                .filter(|x| clear.ases.contains(&x.0))
                .copied()
                .collect();
        let sol = loop {
            let lp: Lp = kl.iter().map(|x| (*x, s.lp[x])).collect();
            let sol = get(&pop, &k, &ks, &lp)?;
            let more: Vec<(u32, u32)> = s
                .down
                .iter()
                .filter(|l| !k.contains(l) && sol.links.contains(l))
                .copied()
                .collect();
            let more_s: Vec<Session> = s
                .sessions
                .iter()
                .filter(|x| !ks.contains(x) && sol.sessions.contains(x))
                .copied()
                .collect();
            let more_lp: Vec<(u32, u32)> =
                s.lp.keys()
                    .filter(|x| !kl.contains(x) && sol.ases.contains(&x.0))
                    .copied()
                    .collect();
            if more.is_empty() && more_lp.is_empty() && more_s.is_empty() {
                break sol;
            }
            k.extend(more);
            kl.extend(more_lp);
            ks.extend(more_s);
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
    changes: &[(SimTime, Change)],
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
        lp: BTreeMap::new(),
        sessions: BTreeSet::new(),
        drained: vec![false; n],
    };
    let g = &base.graph;
    let mut states = vec![(SimTime::ZERO, state.clone())];
    for (at, c) in changes {
        // The `[[events]]` index for errors (churn changes cannot fail).
        let i = match *c {
            Change::Event(i, _) => i,
            Change::Churn(_) => usize::MAX,
        };
        let a = match c.clone() {
            Change::Event(_, a) => a,
            Change::Churn(ChurnChange::LinkDown { a, b }) => Action::Link {
                a: g.asn(a).0,
                b: g.asn(b).0,
                up: false,
            },
            Change::Churn(ChurnChange::LinkUp { a, b }) => Action::Link {
                a: g.asn(a).0,
                b: g.asn(b).0,
                up: true,
            },
            Change::Churn(cc) => {
                match cc {
                    ChurnChange::LocalPref {
                        asn,
                        neighbour,
                        offset,
                    } => {
                        let k = (g.asn(asn).0, g.asn(neighbour).0);
                        if offset == 0 {
                            state.lp.remove(&k);
                        } else {
                            state.lp.insert(k, offset);
                        }
                    }
                    ChurnChange::SessionDown { pop, neighbour } => {
                        state.sessions.insert((pop, g.asn(neighbour).0));
                    }
                    ChurnChange::SessionUp { pop, neighbour } => {
                        state.sessions.remove(&(pop, g.asn(neighbour).0));
                    }
                    ChurnChange::Drain { pop } => state.drained[pop] = true,
                    ChurnChange::Undrain { pop } => state.drained[pop] = false,
                    ChurnChange::LinkDown { .. } | ChurnChange::LinkUp { .. } => {
                        unreachable!("matched above")
                    }
                }
                if states.last().is_some_and(|s| s.0 == *at) {
                    states.last_mut().expect("non-empty").1 = state.clone();
                } else {
                    states.push((*at, state.clone()));
                }
                continue;
            }
        };
        match a {
            Action::Withdraw(p) => state.live[p] = false,
            Action::Announce(p) => {
                state.live[p] = true;
                state.failed[p] = false;
            }
            Action::Fail(p) => state.failed[p] = true,
            Action::AnnounceTo { .. } => {
                return Err(locate(
                    &format!("events[{i}].kind"),
                    "announce-to is not supported by the imc2015 study (runs support it); \
                     expected withdraw, announce, fail, prepend, local-pref, link-down or link-up"
                        .to_string(),
                )
                .into());
            }
            Action::Prepend { pop, count } => state.prepend[pop] = u32::from(count),
            Action::LocalPref {
                asn,
                neighbor,
                offset,
            } => {
                if offset == 0 {
                    state.lp.remove(&(asn, neighbor));
                } else {
                    state.lp.insert((asn, neighbor), offset);
                }
            }
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
    let per: Vec<(Column, usize)> = pfxs
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

    /// Checks snapshot `s` (state `i`) against solving the anycast and
    /// every unicast prefix afresh in that state; returns how many solves
    /// that took (what reuse saves is measured against it).
    fn assert_full_solves(
        world: &World,
        cfg: &RunConfig,
        s: &Snapshot,
        i: usize,
        pop: &PopPart,
        down: &BTreeSet<(u32, u32)>,
        sessions: &BTreeSet<Session>,
    ) -> usize {
        let full = |pfx| solve(world, cfg, pfx, pop, down, sessions, &Vec::new()).unwrap();
        assert_eq!(*s.anycast, *full(Pfx::Anycast).cells, "anycast, state {i}");
        for p in 0..cfg.pops.len() {
            let rtt: Vec<Option<f32>> = full(Pfx::Unicast(p))
                .cells
                .iter()
                .map(|c| c.map(|x| x.1))
                .collect();
            assert_eq!(*s.unicast[p], rtt, "unicast {p}, state {i}");
        }
        cfg.pops.len() + 1
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
        let anycast =
            catchment::paths_on(&world, &world.graph, &cfg, &Prefix::anycast(&world, &cfg))
                .unwrap();
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
            changes.push((
                t(2 * i as u64 + 1),
                Change::Event(i, Action::Link { a, b, up: false }),
            ));
        }
        for (i, &(a, b)) in picks.iter().enumerate().step_by(2) {
            changes.push((
                t(100 + i as u64),
                Change::Event(i, Action::Link { a, b, up: true }),
            ));
        }
        let (snaps, solves) = snapshots(&world, &cfg, &changes, &locate).unwrap();
        assert_eq!(snaps.len(), changes.len() + 1);
        let mut down = BTreeSet::new();
        let live = vec![true; cfg.pops.len()];
        let pop: PopPart = (live, vec![false; cfg.pops.len()], vec![0; cfg.pops.len()]);
        let mut full = 0;
        for (i, s) in snaps.iter().enumerate() {
            if i > 0 {
                if let Change::Event(_, Action::Link { a, b, up }) = changes[i - 1].1 {
                    let k = (a.min(b), a.max(b));
                    if up {
                        down.remove(&k);
                    } else {
                        down.insert(k);
                    }
                }
            }
            full += assert_full_solves(&world, &cfg, s, i, &pop, &down, &BTreeSet::new());
        }
        assert!(solves < full, "{solves} solves, {full} without reuse");
    }

    /// The CDN's sessions down and PoPs drained by churn: reusing solves
    /// (only the sessions some data path enters by count) gives the same
    /// snapshots as solving every state with all of them applied.
    #[test]
    fn cdn_churn_reuse_equals_solving_every_state() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg =
            crate::scenario::validate(&crate::scenario::load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = crate::world::build(&cfg, &locate).unwrap();
        let sessions = crate::world::churn::cdn_sessions(&world);
        let t = |h: u64| SimTime::ZERO + crate::time::SimDuration::from_secs(h * 3600);
        let mut changes = Vec::new();
        // Every third session down, then half of them back; two drains,
        // one undone.
        let picks: Vec<(usize, AsIdx)> = sessions.iter().step_by(3).copied().collect();
        for (i, &(pop, neighbour)) in picks.iter().enumerate() {
            changes.push((
                t(i as u64 + 1),
                Change::Churn(ChurnChange::SessionDown { pop, neighbour }),
            ));
        }
        changes.push((t(50), Change::Churn(ChurnChange::Drain { pop: 0 })));
        changes.push((t(51), Change::Churn(ChurnChange::Drain { pop: 2 })));
        for (i, &(pop, neighbour)) in picks.iter().enumerate().step_by(2) {
            changes.push((
                t(100 + i as u64),
                Change::Churn(ChurnChange::SessionUp { pop, neighbour }),
            ));
        }
        changes.push((t(200), Change::Churn(ChurnChange::Undrain { pop: 0 })));
        let (snaps, solves) = snapshots(&world, &cfg, &changes, &locate).unwrap();
        assert_eq!(snaps.len(), changes.len() + 1);
        let n = cfg.pops.len();
        let mut sess = BTreeSet::new();
        let mut live = vec![true; n];
        let mut full = 0;
        let mut moved = 0;
        for (i, s) in snaps.iter().enumerate() {
            if i > 0 {
                match changes[i - 1].1 {
                    Change::Churn(ChurnChange::SessionDown { pop, neighbour }) => {
                        sess.insert((pop, world.graph.asn(neighbour).0));
                    }
                    Change::Churn(ChurnChange::SessionUp { pop, neighbour }) => {
                        sess.remove(&(pop, world.graph.asn(neighbour).0));
                    }
                    Change::Churn(ChurnChange::Drain { pop }) => live[pop] = false,
                    Change::Churn(ChurnChange::Undrain { pop }) => live[pop] = true,
                    _ => unreachable!(),
                }
            }
            let pop: PopPart = (live.clone(), vec![false; n], vec![0; n]);
            full += assert_full_solves(&world, &cfg, s, i, &pop, &BTreeSet::new(), &sess);
            moved += (*s.anycast != *snaps[0].anycast) as usize;
        }
        assert!(moved > 0, "no CDN change moved a catchment");
        assert!(solves < full, "{solves} solves, {full} without reuse");
    }

    /// An error in a scenario event names its `[[events]]` index, not its
    /// place among all changes (churn included).
    #[test]
    fn event_errors_name_the_files_events_index() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg =
            crate::scenario::validate(&crate::scenario::load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = crate::world::build(&cfg, &locate).unwrap();
        let (a, b, _) = world.graph.links()[0];
        let t = |s: u64| SimTime::ZERO + crate::time::SimDuration::from_secs(s);
        let changes = vec![
            (t(1), Change::Churn(ChurnChange::LinkDown { a, b })),
            (t(2), Change::Churn(ChurnChange::LinkUp { a, b })),
            (
                t(3),
                Change::Event(
                    1,
                    Action::Link {
                        a: 4_000_000_000,
                        b: 4_000_000_001,
                        up: false,
                    },
                ),
            ),
        ];
        let err = snapshots(&world, &cfg, &changes, &locate)
            .expect_err("no such link")
            .to_string();
        assert!(err.contains("events[1].link"), "{err}");
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
