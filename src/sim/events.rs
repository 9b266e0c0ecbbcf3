//! Routing events in a run: the BGP side is computed up front (BGP does
//! not depend on traffic) with `world::dynamic` over the scenario's world,
//! one convergence per `[[events]]` entry in time order; the request model
//! then asks, at each arrival, where the group's anycast packets go at
//! `now` (a binary search in the group's list of changes), whether a PoP
//! is failed, and whether a long-lived connection's catchment moves while
//! it is open. docs/bgp.md, "Events in a run".

use super::plan::Routed;
use crate::bgp::dynamic::{Convergence, Delays, Driver, Event as BgpEvent};
use crate::bgp::speaker::{Input, SpeakerConfig};
use crate::engine::{Budget, Scheduler};
use crate::error::{Error, InputError};
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::events::{Action, EVENT_BGP_BUDGET, EventKind};
use crate::scenario::raw::Steering;
use crate::time::{SimDuration, SimTime};
use crate::world::churn::{ChurnChange, RoutingState};
use crate::world::dynamic::{Fate, anycast_sessions, timeline, warm_anycast};
use rustc_hash::FxHashMap;

/// Per (group, PoP): (time, unicast path RTT from then on; None: no
/// route), in time order.
type UnicastChanges = FxHashMap<(u32, u32), Vec<(SimTime, Option<SimDuration>)>>;

/// One change on the run's routing timeline.
struct Item {
    at: SimTime,
    kind: EventKind,
    what: What,
    target: String,
    /// Index in `[[events]]` (None: background churn).
    source: Option<usize>,
}

/// What an [`Item`] changes.
enum What {
    /// A scenario event, or a churn change of an AS-AS link or local-pref.
    Action(Action),
    /// A churn change at the CDN's own interconnections: a session down or
    /// up, or a drain or its end. A drain is a state of its own, so that
    /// ending it does not re-announce a PoP a scenario event withdrew or
    /// failed.
    Cdn(ChurnChange),
}

/// What a change acts on, as events.csv writes it (`AS1-AS2`,
/// `AS1<-AS2:+20`).
fn action_target(a: &Action) -> String {
    match *a {
        Action::Link { a, b, .. } => format!("AS{a}-AS{b}"),
        Action::LocalPref {
            asn,
            neighbor,
            offset,
        } => format!("AS{asn}<-AS{neighbor}:{offset:+}"),
        _ => String::new(),
    }
}

/// What one event did to the control plane.
#[derive(Clone, Debug)]
pub struct EventOutcome {
    /// The scenario's time of the event.
    pub at: SimTime,
    /// When the change was applied: `at`, or the previous event's
    /// quiescence if that came later (events do not overlap).
    pub applied: SimTime,
    /// The kind of the (first) event of the change.
    pub kind: EventKind,
    /// Whether the change merges events of several kinds.
    pub kinds_differ: bool,
    pub target: String,
    /// The change comes from `[bgp.churn]` (not from `[[events]]`).
    pub churn: bool,
    pub convergence: Convergence,
    /// Time until groups with 99% of the demand keep their final fate.
    pub stable_99: SimDuration,
    /// Groups whose fate after quiescence differs from before.
    pub groups_moved: usize,
    /// Demand share x seconds spent blackholed / looping.
    pub blackholed_share_s: f64,
    pub looping_share_s: f64,
}

/// What the data plane felt, per event (attributed to the latest event
/// at or before the request's time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Requests that met a blackhole, a loop or a failed PoP.
    pub failed: u64,
    /// Retries sent after a failure or a broken connection.
    pub retried: u64,
    /// Long-lived connections broken by a catchment change or a failure.
    pub broken: u64,
    /// Requests given up after the last retry.
    pub given_up: u64,
}

/// The routing side of a run with events.
#[derive(Clone, Debug)]
pub struct Routing {
    pub events: Vec<EventOutcome>,
    /// Per group: fate before the first event.
    before: Vec<Fate>,
    /// Per group: (time, new fate), in time order, over all events.
    changes: Vec<Vec<(SimTime, Fate)>>,
    /// Per PoP: [from, to) during which it is failed.
    down: Vec<Vec<(SimTime, SimTime)>>,
    /// Per group, per PoP: path RTT when the anycast route ends there.
    rtt: Vec<Vec<SimDuration>>,
    /// DNS modes: per (group, PoP) whose unicast path changes, (time, RTT
    /// over the PoP's unicast prefix from then on; None: no route), in
    /// time order. Absent: the static path throughout.
    unicast: UnicastChanges,
    /// Client demand weights of the groups.
    pub weights: Vec<f64>,
    /// Data-plane counts per event (filled by the run).
    pub counts: Vec<EventCounts>,
    /// Requests reaching each PoP's edge per output interval, warmup
    /// included (`served[interval][pop]`, filled by the run).
    pub served: Vec<Vec<u64>>,
    interval: SimDuration,
}

impl Routing {
    /// Runs every event of `cfg` through the event-driven BGP, warm-
    /// started from the static solution of `routed`.
    pub fn compute(
        cfg: &RunConfig,
        routed: &Routed,
        locate: &dyn Fn(&str, String) -> InputError,
    ) -> Result<Routing, Error> {
        let world = &routed.world;
        let speaker = SpeakerConfig {
            mrai_ns: cfg.bgp.mrai.as_nanos(),
            mrai_withdrawals: cfg.bgp.rate_limit_withdrawals,
            jitter_seed: cfg.seed,
            ..SpeakerConfig::default()
        };
        let net = warm_anycast(world, cfg, speaker)?;
        let streams = Streams::new(cfg.seed);
        let mut drv = Driver::new(net, Delays::default(), &streams);
        let mut sched: Scheduler<BgpEvent> = Scheduler::new();
        let n = cfg.pops.len();
        let groups = world.access.len();
        let mut live = vec![true; n];
        // PoPs drained by churn (announcing = live and not drained).
        let mut drained = vec![false; n];
        let mut c = cfg.clone();
        let mut before = None;
        let mut changes = vec![Vec::new(); groups];
        let mut down: Vec<Vec<(SimTime, SimTime)>> = vec![Vec::new(); n];
        // The scenario's events and the background churn on one timeline
        // (stable sort: at equal times scenario events come first).
        let mut items: Vec<Item> = cfg
            .events
            .iter()
            .enumerate()
            .map(|(k, e)| Item {
                at: e.at,
                kind: e.kind,
                what: What::Action(e.action.clone()),
                target: e.target.clone(),
                source: Some(k),
            })
            .collect();
        if let Some(ch) = &cfg.bgp.churn {
            let asn = |i: crate::topology::AsIdx| world.graph.asn(i).0;
            for c in crate::world::churn::generate(ch, world, cfg.duration, &streams) {
                let (kind, target, what) = match c.change {
                    ChurnChange::SessionDown { pop, neighbour }
                    | ChurnChange::SessionUp { pop, neighbour } => (
                        if matches!(c.change, ChurnChange::SessionUp { .. }) {
                            EventKind::LinkUp
                        } else {
                            EventKind::LinkDown
                        },
                        format!(
                            "AS{}-AS{}@{}",
                            asn(world.cdn),
                            asn(neighbour),
                            cfg.pops[pop].name
                        ),
                        What::Cdn(c.change),
                    ),
                    ChurnChange::Drain { pop } | ChurnChange::Undrain { pop } => (
                        if matches!(c.change, ChurnChange::Drain { .. }) {
                            EventKind::Withdraw
                        } else {
                            EventKind::Announce
                        },
                        cfg.pops[pop].name.clone(),
                        What::Cdn(c.change),
                    ),
                    ChurnChange::LinkDown { a, b } | ChurnChange::LinkUp { a, b } => {
                        let up = matches!(c.change, ChurnChange::LinkUp { .. });
                        let action = Action::Link {
                            a: asn(a),
                            b: asn(b),
                            up,
                        };
                        let kind = if up {
                            EventKind::LinkUp
                        } else {
                            EventKind::LinkDown
                        };
                        (kind, action_target(&action), What::Action(action))
                    }
                    ChurnChange::LocalPref {
                        asn: x,
                        neighbour,
                        offset,
                    } => {
                        let action = Action::LocalPref {
                            asn: asn(x),
                            neighbor: asn(neighbour),
                            offset,
                        };
                        (
                            EventKind::LocalPref,
                            action_target(&action),
                            What::Action(action),
                        )
                    }
                };
                items.push(Item {
                    at: c.at,
                    kind,
                    what,
                    target,
                    source: None,
                });
            }
            items.sort_by_key(|x| x.at);
        }
        // DNS modes reach PoPs over their unicast prefixes: link and
        // local-pref changes move those paths too (at each change's
        // quiescence: the unicast prefixes' own transients are not run).
        let unicast_modes = !matches!(cfg.steering, Steering::Anycast | Steering::Nearest);
        let mut state = RoutingState::default();
        let mut unicast_now: Vec<Vec<Option<SimDuration>>> = if unicast_modes {
            routed.catchments.unicast_rtt.clone()
        } else {
            Vec::new()
        };
        let mut unicast = UnicastChanges::default();
        let mut events = Vec::with_capacity(items.len());
        let weights: Vec<f64> = cfg.groups.iter().map(|g| g.share).collect();
        let mut i = 0;
        while i < items.len() {
            let e = &items[i];
            if sched.now() < e.at {
                sched.schedule_at(e.at, BgpEvent::Wake);
                drv.run(&mut sched, Budget::until(SimTime::MAX))?;
            }
            // PoP events at the same time are one change of the CDN's
            // sessions (one convergence, one row: targets joined by '+').
            let mut j = i + 1;
            // (A churned CDN session or drain is a change of the CDN's
            // sessions too.)
            let is_pop = |w: &What| {
                !matches!(
                    w,
                    What::Action(Action::Link { .. } | Action::LocalPref { .. })
                )
            };
            if is_pop(&e.what) {
                while j < items.len() && items[j].at == e.at && is_pop(&items[j].what) {
                    j += 1;
                }
            }
            let batch = &items[i..j];
            let mut input = None;
            let mut moved_unicast = false;
            for e in batch {
                let path = |k: &str| format!("events[{}].{k}", e.source.unwrap_or(0));
                let idx = |x: u32, k: &str| {
                    world.graph.idx(crate::topology::Asn(x)).ok_or_else(|| {
                        Error::from(locate(&path(k), format!("AS{x} is not in the topology")))
                    })
                };
                let action = match &e.what {
                    What::Action(a) => a.clone(),
                    What::Cdn(ChurnChange::Drain { pop }) => {
                        drained[*pop] = true;
                        continue;
                    }
                    What::Cdn(ChurnChange::Undrain { pop }) => {
                        drained[*pop] = false;
                        continue;
                    }
                    What::Cdn(session) => {
                        state.apply(session);
                        moved_unicast = true;
                        continue;
                    }
                };
                match action {
                    Action::Withdraw(k) => live[k] = false,
                    Action::Fail(k) => {
                        live[k] = false;
                        if down[k].last().is_none_or(|d| d.1 != SimTime::MAX) {
                            down[k].push((e.at, SimTime::MAX));
                        }
                    }
                    Action::Announce(k) => {
                        live[k] = true;
                        if let Some(d) = down[k].last_mut().filter(|d| d.1 == SimTime::MAX) {
                            d.1 = e.at;
                        }
                    }
                    Action::Prepend { pop, count } => c.pops[pop].prepend = u32::from(count),
                    Action::AnnounceTo { pop, to } => {
                        world.pops[pop]
                            .check_announce(&to, &world.graph)
                            .map_err(|m| Error::from(locate(&path("announce"), m)))?;
                        c.pops[pop].announce = to;
                    }
                    Action::Link { a, b, up } => {
                        let (ia, ib) = (idx(a, "link")?, idx(b, "link")?);
                        if world.graph.rel(ia, ib).is_none() {
                            return Err(locate(
                                &path("link"),
                                format!("AS{a} and AS{b} have no link in the topology"),
                            )
                            .into());
                        }
                        input = Some(Input::Link { a: ia, b: ib, up });
                        state.apply(&if up {
                            ChurnChange::LinkUp { a: ia, b: ib }
                        } else {
                            ChurnChange::LinkDown { a: ia, b: ib }
                        });
                        moved_unicast = true;
                    }
                    Action::LocalPref {
                        asn,
                        neighbor,
                        offset,
                    } => {
                        let (ia, ib) = (idx(asn, "asn")?, idx(neighbor, "neighbor")?);
                        let Some(rel) = world.graph.rel(ia, ib) else {
                            return Err(locate(
                                &path("neighbor"),
                                format!(
                                    "AS{neighbor} is not a neighbour of AS{asn} in the topology"
                                ),
                            )
                            .into());
                        };
                        state.apply(&ChurnChange::LocalPref {
                            asn: ia,
                            neighbour: ib,
                            offset,
                        });
                        moved_unicast = true;
                        input = Some(Input::LocalPref {
                            asn: ia,
                            neighbour: ib,
                            local_pref: (offset != 0)
                                .then(|| crate::world::churn::lp_with_offset(rel, offset)),
                        });
                    }
                }
            }
            let input = input.unwrap_or_else(|| {
                let announcing: Vec<bool> =
                    live.iter().zip(&drained).map(|(&l, &d)| l && !d).collect();
                let mut sessions = anycast_sessions(world, &c, &announcing);
                sessions.retain(|s| {
                    !state
                        .sessions_down
                        .iter()
                        .any(|&(p, nb)| s.neighbour == nb && s.city == Some(world.pops[p].city))
                });
                Input::SetOrigin {
                    origin: world.cdn,
                    sessions: Some(sessions),
                }
            });
            let kind = batch[0].kind;
            let target = batch
                .iter()
                .map(|e| e.target.as_str())
                .collect::<Vec<_>>()
                .join("+");
            let kinds_differ = batch.iter().any(|e| e.kind != kind);
            let churn = batch[0].source.is_none();
            i = j;
            let tl = timeline(&mut drv, &mut sched, world, &c, input, EVENT_BGP_BUDGET)?;
            if unicast_modes && moved_unicast {
                let t = tl.start + tl.convergence.time;
                let now = unicast_paths(world, cfg, &state)?;
                for (g, row) in now.into_iter().enumerate() {
                    for (p, r) in row.into_iter().enumerate() {
                        if r != unicast_now[g][p] {
                            unicast_now[g][p] = r;
                            unicast
                                .entry((g as u32, p as u32))
                                .or_default()
                                .push((t, r));
                        }
                    }
                }
            }
            let after = tl.after();
            let groups_moved = tl.before.iter().zip(&after).filter(|(x, y)| x != y).count();
            let (bh, lp) = tl.lost_share_seconds(&weights);
            for &(t, g, f) in &tl.changes {
                changes[g].push((t, f));
            }
            events.push(EventOutcome {
                at: e.at,
                applied: tl.start,
                kind,
                kinds_differ,
                target,
                churn,
                stable_99: tl.stable_after(&weights, 0.99),
                convergence: tl.convergence,
                groups_moved,
                blackholed_share_s: bh,
                looping_share_s: lp,
            });
            before.get_or_insert(tl.before);
        }
        let before = before.unwrap_or_default();
        let rtt = (0..groups)
            .map(|g| {
                let here = cfg.cities.get(cfg.groups[g].city).loc;
                (0..n)
                    .map(|p| {
                        let a = &routed.catchments.anycast[g];
                        if a.pop == Some(p) {
                            return a.rtt;
                        }
                        routed.catchments.unicast_rtt[g][p].unwrap_or_else(|| {
                            cfg.latency
                                .rtt_direct(here, cfg.cities.get(cfg.pops[p].city).loc)
                        })
                    })
                    .collect()
            })
            .collect();
        let k = cfg.duration.as_nanos().div_ceil(cfg.interval.as_nanos()) as usize;
        Ok(Routing {
            served: vec![vec![0; n]; k],
            interval: cfg.interval,
            counts: vec![EventCounts::default(); events.len()],
            events,
            before,
            changes,
            down,
            rtt,
            unicast,
            weights,
        })
    }

    /// DNS modes: group `g`'s path RTT to PoP `p`'s unicast prefix at `t`
    /// when routing events changed it (`Some(None)`: no route then), else
    /// `None` (the static path holds).
    pub fn unicast_at(&self, g: usize, p: usize, t: SimTime) -> Option<Option<SimDuration>> {
        if self.unicast.is_empty() {
            return None;
        }
        let v = self.unicast.get(&(g as u32, p as u32))?;
        let i = v.partition_point(|&(at, _)| at <= t);
        i.checked_sub(1).map(|i| v[i].1)
    }

    /// Counts a request reaching PoP `p`'s edge at `t`.
    pub fn record_served(&mut self, t: SimTime, p: usize) {
        let i = ((t.as_nanos() / self.interval.as_nanos()) as usize).min(self.served.len() - 1);
        self.served[i][p] += 1;
    }

    /// Per PoP: the `[from, to)` intervals during which it is failed.
    pub fn down_intervals(&self) -> &[Vec<(SimTime, SimTime)>] {
        &self.down
    }

    /// Where group `g`'s anycast packets go at `t`.
    pub fn fate_at(&self, g: usize, t: SimTime) -> Fate {
        let c = &self.changes[g];
        match c.partition_point(|x| x.0 <= t) {
            0 => self.before[g],
            i => c[i - 1].1,
        }
    }

    /// Path RTT of group `g` to PoP `p` over the anycast route.
    pub fn rtt(&self, g: usize, p: usize) -> SimDuration {
        self.rtt[g][p]
    }

    /// Whether PoP `p` is failed at `t`.
    pub fn is_down(&self, p: usize, t: SimTime) -> bool {
        self.down[p].iter().any(|&(a, b)| a <= t && t < b)
    }

    /// The first failure of PoP `p` in (t0, t1].
    pub fn fails_within(&self, p: usize, t0: SimTime, t1: SimTime) -> Option<SimTime> {
        self.down[p]
            .iter()
            .map(|d| d.0)
            .find(|&a| a > t0 && a <= t1)
    }

    /// The first time in (t0, t1] at which group `g`'s packets stop going
    /// to PoP `p` (its catchment moves) or `p` fails: when a connection of
    /// `g` to `p` open over that span breaks.
    pub fn breaks_within(&self, g: usize, p: usize, t0: SimTime, t1: SimTime) -> Option<SimTime> {
        let c = &self.changes[g];
        let i = c.partition_point(|x| x.0 <= t0);
        let moved = c[i..]
            .iter()
            .take_while(|x| x.0 <= t1)
            .find(|x| x.1 != Fate::Pop(p))
            .map(|x| x.0);
        match (moved, self.fails_within(p, t0, t1)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Failure times of PoPs, (time, PoP), in time order.
    pub fn failures(&self) -> Vec<(SimTime, usize)> {
        let mut v: Vec<(SimTime, usize)> = self
            .down
            .iter()
            .enumerate()
            .flat_map(|(p, d)| d.iter().map(move |x| (x.0, p)))
            .collect();
        v.sort();
        v
    }

    /// The counts of the event in force at `t` (the latest at or before it).
    pub fn counts_at(&mut self, t: SimTime) -> Option<&mut EventCounts> {
        let i = self.events.partition_point(|e| e.at <= t);
        if i == 0 {
            return None;
        }
        self.counts.get_mut(i - 1)
    }

    /// Share of demand per interval whose anycast route ends at each PoP,
    /// then blackholed, then looping: `out[k][p]` for p in 0..pops, then
    /// pops (blackhole) and pops+1 (loop).
    pub fn catchment_series(
        &self,
        pops: usize,
        interval: SimDuration,
        duration: SimDuration,
    ) -> Vec<Vec<f64>> {
        let iv = interval.as_nanos();
        let k = duration.as_nanos().div_ceil(iv) as usize;
        let mut out = vec![vec![0.0; pops + 2]; k];
        let slot = |f: Fate| match f {
            Fate::Pop(p) => p,
            Fate::Blackhole => pops,
            Fate::Loop => pops + 1,
        };
        let end = duration.as_nanos();
        for (g, &w) in self.weights.iter().enumerate() {
            // Piecewise-constant fate: [t0, t1) -> f.
            let mut pieces = Vec::new();
            let mut t0 = 0u64;
            let mut f = self.before.get(g).copied().unwrap_or(Fate::Blackhole);
            for &(t, nf) in &self.changes[g] {
                let t = t.as_nanos().min(end);
                pieces.push((t0, t, f));
                t0 = t;
                f = nf;
            }
            pieces.push((t0, end, f));
            for (a, b, f) in pieces {
                let mut x = a;
                while x < b {
                    let i = (x / iv) as usize;
                    let stop = ((i as u64 + 1) * iv).min(b);
                    let len = (((i as u64) + 1) * iv).min(end) - i as u64 * iv;
                    out[i][slot(f)] += w * (stop - x) as f64 / len as f64;
                    x = stop;
                }
            }
        }
        out
    }
}

/// Per group, per PoP: the RTT over each PoP's unicast prefix in the
/// quiescent state of `state` (None: no route), as `world::catchment`
/// computes the static ones.
fn unicast_paths(
    world: &crate::world::World,
    cfg: &RunConfig,
    state: &RoutingState,
) -> Result<Vec<Vec<Option<SimDuration>>>, Error> {
    // The CDN's sessions down are left out of the unicast prefixes too.
    let w = state.world(world);
    let (world, graph) = (&w, &w.graph);
    let lp = state.import_local_pref(graph);
    let cols = (0..cfg.pops.len())
        .map(|p| {
            let mut prefix = crate::world::prefix::Prefix::unicast(world, p);
            prefix.announcement.import_local_pref = lp.clone();
            let paths = crate::world::catchment::paths_on(world, graph, cfg, &prefix)?;
            Ok(paths
                .into_iter()
                .map(|path| (path.pop == Some(p)).then_some(path.rtt))
                .collect())
        })
        .collect::<Result<Vec<Vec<Option<SimDuration>>>, Error>>()?;
    Ok((0..world.access.len())
        .map(|g| cols.iter().map(|c| c[g]).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups (weights 0.75, 0.25); group 0 moves from PoP 0 to a
    /// blackhole at 15 s and to PoP 1 at 20 s; 10 s intervals over 30 s:
    ///
    /// ```text
    ///   [0,10)  PoP0 1.0
    ///   [10,20) PoP0 0.25 + 0.375 (g0 half) ; blackhole 0.375
    ///   [20,30) PoP1 1.0
    /// ```
    /// (group 1 is on PoP 1 throughout).
    #[test]
    fn catchment_series_and_lookups_by_hand() {
        let s = |x: u64| SimTime::ZERO + SimDuration::from_secs(x);
        let r = Routing {
            events: Vec::new(),
            before: vec![Fate::Pop(0), Fate::Pop(1)],
            changes: vec![
                vec![(s(15), Fate::Blackhole), (s(20), Fate::Pop(1))],
                vec![],
            ],
            down: vec![vec![(s(15), s(25))], vec![]],
            rtt: vec![vec![SimDuration::ZERO; 2]; 2],
            unicast: FxHashMap::default(),
            weights: vec![0.75, 0.25],
            counts: Vec::new(),
            served: Vec::new(),
            interval: SimDuration::from_secs(10),
        };
        let c = r.catchment_series(2, SimDuration::from_secs(10), SimDuration::from_secs(30));
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(&c[0], &[0.75, 0.25, 0.0, 0.0]), "{:?}", c[0]);
        assert!(close(&c[1], &[0.375, 0.25, 0.375, 0.0]), "{:?}", c[1]);
        assert!(close(&c[2], &[0.0, 1.0, 0.0, 0.0]), "{:?}", c[2]);
        assert_eq!(r.fate_at(0, s(14)), Fate::Pop(0));
        assert_eq!(r.fate_at(0, s(15)), Fate::Blackhole);
        assert_eq!(r.fate_at(0, s(29)), Fate::Pop(1));
        assert!(r.is_down(0, s(15)) && !r.is_down(0, s(25)));
        assert_eq!(r.breaks_within(0, 0, s(0), s(14)), None);
        assert_eq!(r.breaks_within(0, 0, s(10), s(30)), Some(s(15)));
        assert_eq!(r.breaks_within(1, 1, s(0), s(30)), None);
        assert_eq!(r.breaks_within(1, 0, s(16), s(30)), None);
        assert_eq!(r.failures(), vec![(s(15), 0)]);
    }

    /// Under a DNS mode, a link-down on a group's unicast path to a PoP
    /// moves that path at the change's quiescence (a longer detour, or no
    /// route), and the link-up restores the static path.
    #[test]
    fn link_events_move_unicast_paths_of_dns_modes() {
        use crate::scenario::{load_file, validate};
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pop-withdrawal.toml");
        let base =
            validate(&load_file(&path, &["cdn.steering=geo".into(), "events=[]".into()]).unwrap())
                .unwrap();
        let locate = |p: &str, m: String| InputError::new("t", p, m);
        let (_, routed) = crate::sim::plan(&base, &locate).unwrap();
        let routed = routed.unwrap();
        let world = &routed.world;
        // Group 0's unicast path to PoP 0: its first AS link.
        let prefix = crate::world::prefix::Prefix::unicast(world, 0);
        let paths = crate::world::catchment::paths_on(world, &world.graph, &base, &prefix).unwrap();
        let hops = &paths[0].as_path;
        assert!(hops.len() >= 2, "{hops:?}");
        let (a, b) = (hops[0].0, hops[1].0);
        let sets = [
            "cdn.steering=geo".to_string(),
            format!(
                "events=[{{at=\"60s\",kind=\"link-down\",link=[{a},{b}]}},{{at=\"120s\",kind=\"link-up\",link=[{a},{b}]}}]"
            ),
        ];
        let cfg = validate(&load_file(&path, &sets).unwrap()).unwrap();
        let r = Routing::compute(&cfg, &routed, &locate).unwrap();
        let s = |x: u64| SimTime::ZERO + SimDuration::from_secs(x);
        let before = routed.catchments.unicast_rtt[0][0];
        assert_eq!(r.unicast_at(0, 0, s(59)), None, "static before the event");
        let during = r.unicast_at(0, 0, s(110)).expect("the path moved");
        assert_ne!(during, before);
        assert_eq!(r.unicast_at(0, 0, s(179)), Some(before), "restored");
        // The anycast-only modes keep no unicast changes.
        let mut any = cfg.clone();
        any.steering = Steering::Anycast;
        let r = Routing::compute(&any, &routed, &locate).unwrap();
        assert_eq!(r.unicast_at(0, 0, s(110)), None);
    }
}
