//! Background routing churn: a seeded, clock-free list of timed routing
//! changes over the world's AS-AS links (docs/bgp.md, "Background churn").
//!
//! [`generate`] needs no simulator: a study can take the list, apply the
//! changes up to any time to a [`RoutingState`] and solve that quiescent
//! snapshot with the static solver ([`anycast_paths`]); a run feeds the
//! same changes to the event-driven BGP (`sim::events`).
//!
//! # The model
//!
//! - **Arrivals**: a Poisson process whose rate is constant within a day:
//!   `events_per_day` on Monday to Friday, `weekend_events_per_day` on
//!   Saturday and Sunday, day 0 being `start_weekday`.
//! - **Which link**: uniform over the AS-AS links of the topology that do
//!   not touch the CDN. Every link has the same hazard, so an AS sees
//!   changes in proportion to its number of links (its degree), as
//!   independent per-link failures give; we have no data to calibrate a
//!   heavier weighting of links near the CDN, and uniform does not invent
//!   one. The CDN's own sessions are never churned (use `[[events]]`). A
//!   link already changed (down, or with a local-pref change in force) is
//!   not drawn again until it is reverted (up to 8 redraws, then the
//!   arrival is dropped).
//! - **What changes**: with probability `local_pref_share`, one end of the
//!   link (either, equally likely) changes the local-pref it gives routes
//!   from the other end by an offset uniform in +-[10, 49] (within the
//!   relationship class: traffic engineering, see docs/bgp.md); otherwise
//!   the link fails (every session of the link goes down).
//! - **How long**: with probability `persistent_share` the change stays for
//!   the rest of the run (a re-homing, a policy that stays); otherwise it
//!   is reverted after a down time drawn from `down_time` (link up, or the
//!   local-pref back to the class default). A revert beyond the run's end
//!   is not listed.
//!
//! Randomness: the stream `world/churn` only, so the list is a function of
//! (configuration, world, duration, seed).

use super::World;
use super::catchment::{PathTo, paths_on};
use super::prefix::Prefix;
use crate::bgp::{ImportLocalPref, Learned};
use crate::error::Error;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::events::{ChurnConfig, ChurnLinks, DownTime};
use crate::time::{SimDuration, SimTime};
use crate::topology::{AsGraph, AsGraphBuilder, AsIdx};
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal};

/// One day [ns].
pub const DAY: SimDuration = SimDuration::from_secs(86_400);
/// Smallest |offset| of a churn local-pref change.
pub const MIN_LP_OFFSET: i32 = 10;
/// Redraws of an already-changed link before an arrival is dropped.
const REDRAWS: usize = 8;

/// One routing change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChurnChange {
    /// The CDN's session with `neighbour` at PoP `pop` goes down (its
    /// sessions with that neighbour elsewhere stay): maintenance, a
    /// de-peering. Every prefix the PoP announces to it is withdrawn there.
    SessionDown { pop: usize, neighbour: AsIdx },
    /// That session comes back.
    SessionUp { pop: usize, neighbour: AsIdx },
    /// PoP `pop` is drained: it stops announcing the anycast prefix (its
    /// unicast prefix stays, as a drained site keeps its own address).
    Drain { pop: usize },
    /// The PoP announces the anycast prefix again.
    Undrain { pop: usize },
    /// Every session of the link between `a` and `b` goes down.
    LinkDown { a: AsIdx, b: AsIdx },
    /// The link comes back.
    LinkUp { a: AsIdx, b: AsIdx },
    /// `asn` gives routes learned from `neighbour` the local-pref of their
    /// relationship class plus `offset` (0: back to the class default).
    LocalPref {
        asn: AsIdx,
        neighbour: AsIdx,
        offset: i32,
    },
}

/// A change at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChurnEvent {
    pub at: SimTime,
    pub change: ChurnChange,
    /// The episode (a change and its revert share one).
    pub episode: u32,
    /// The episode's change is never reverted within the run.
    pub persistent: bool,
}

impl ChurnEvent {
    /// Whether this event reverts its episode's change.
    pub fn is_revert(&self) -> bool {
        match self.change {
            ChurnChange::LinkUp { .. }
            | ChurnChange::SessionUp { .. }
            | ChurnChange::Undrain { .. } => true,
            ChurnChange::LocalPref { offset, .. } => offset == 0,
            ChurnChange::LinkDown { .. }
            | ChurnChange::SessionDown { .. }
            | ChurnChange::Drain { .. } => false,
        }
    }
}

/// Cumulative pick weights of `links` (`near-cdn`: 2^-(d-1), d the hop
/// distance from the CDN to the link's nearer end; unreachable: d = 64).
fn cumulative_weights(world: &World, links: &[(AsIdx, AsIdx)], mode: ChurnLinks) -> Vec<f64> {
    let g = &world.graph;
    let dist: Vec<u32> = match mode {
        ChurnLinks::Uniform => Vec::new(),
        ChurnLinks::NearCdn => {
            let mut d = vec![u32::MAX; g.len()];
            let mut q = std::collections::VecDeque::new();
            d[world.cdn.ix()] = 0;
            q.push_back(world.cdn);
            while let Some(v) = q.pop_front() {
                for (u, _) in g.neighbours(v) {
                    if d[u.ix()] == u32::MAX {
                        d[u.ix()] = d[v.ix()] + 1;
                        q.push_back(u);
                    }
                }
            }
            d
        }
    };
    let mut acc = 0.0;
    links
        .iter()
        .map(|&(a, b)| {
            acc += match mode {
                ChurnLinks::Uniform => 1.0,
                ChurnLinks::NearCdn => {
                    let h = dist[a.ix()].min(dist[b.ix()]).clamp(1, 64);
                    0.5f64.powi(h as i32 - 1)
                }
            };
            acc
        })
        .collect()
}

/// The links churn may touch: every AS-AS link not touching the CDN, in
/// the graph's sorted link order.
pub fn churn_links(world: &World) -> Vec<(AsIdx, AsIdx)> {
    world
        .graph
        .links()
        .into_iter()
        .filter(|&(a, b, _)| a != world.cdn && b != world.cdn)
        .map(|(a, b, _)| (a, b))
        .collect()
}

/// The CDN's sessions churn may take down: (PoP, neighbour) for every
/// transit provider and peer of every PoP, in PoP order.
pub fn cdn_sessions(world: &World) -> Vec<(usize, AsIdx)> {
    let mut out = Vec::new();
    for (p, s) in world.pops.iter().enumerate() {
        let mut nbs: Vec<AsIdx> = s.transit.iter().chain(&s.peers).copied().collect();
        nbs.sort_unstable();
        nbs.dedup();
        out.extend(nbs.into_iter().map(|nb| (p, nb)));
    }
    out
}

fn draw_down_time(d: &DownTime, rng: &mut crate::rng::StreamRng) -> SimDuration {
    let secs = match *d {
        DownTime::Fixed(x) => return x,
        DownTime::Exponential { mean } => {
            Exp::new(1.0 / mean.as_secs_f64()).map_or(mean.as_secs_f64(), |e| e.sample(rng))
        }
        DownTime::Lognormal { median, sigma } => LogNormal::new(median.as_secs_f64().ln(), sigma)
            .map_or(median.as_secs_f64(), |l| l.sample(rng)),
    };
    // At least 1 ms, at most 10 years: a finite, positive time.
    SimDuration::from_millis_f64((secs * 1e3).clamp(1.0, 3.15e11))
}

/// The churn of a run of `duration`: changes and their reverts, sorted by
/// time (ties in generation order). Deterministic in (`cfg`, `world`,
/// `duration`, `streams`' seed).
pub fn generate(
    cfg: &ChurnConfig,
    world: &World,
    duration: SimDuration,
    streams: &Streams,
) -> Vec<ChurnEvent> {
    let links = churn_links(world);
    let mut out: Vec<ChurnEvent> = Vec::new();
    if links.is_empty() {
        return out;
    }
    let mut rng = streams.stream("world/churn");
    let cum = cumulative_weights(world, &links, cfg.links);
    let total = *cum.last().expect("links");
    let mut busy_until = vec![SimTime::ZERO; links.len()];
    let sessions = cdn_sessions(world);
    let mut session_busy = vec![SimTime::ZERO; sessions.len()];
    let mut pop_busy = vec![SimTime::ZERO; world.pops.len()];
    let end = SimTime::ZERO + duration;
    let mut episode = 0u32;
    let mut day = 0u64;
    let day_at = |d: u64| SimTime::from_nanos(DAY.as_nanos().saturating_mul(d));
    while day_at(day) < end {
        let rate = cfg.rate_on_day(day);
        let day_start = day_at(day);
        let day_end = (day_start + DAY).min(end);
        day += 1;
        if rate <= 0.0 {
            continue;
        }
        // Exponential gaps, restarted at the day boundary (memoryless).
        let gap = Exp::new(rate / DAY.as_secs_f64()).expect("positive rate");
        let mut t = day_start;
        loop {
            let g: f64 = gap.sample(&mut rng);
            t += SimDuration::from_millis_f64((g * 1e3).max(0.0));
            if t >= day_end {
                break;
            }
            // A change at the CDN's own interconnections (drawn only when
            // configured, so `cdn_share = 0` leaves the stream unchanged).
            if cfg.cdn_share > 0.0 && rng.random::<f64>() < cfg.cdn_share {
                let drain = rng.random::<f64>() < cfg.cdn_drain_share;
                let (n, busy) = if drain {
                    (world.pops.len(), &mut pop_busy)
                } else {
                    (sessions.len(), &mut session_busy)
                };
                let mut pick = None;
                for _ in 0..REDRAWS {
                    let k = if n == 0 { 0 } else { rng.random_range(0..n) };
                    if n > 0 && busy[k] <= t {
                        pick = Some(k);
                        break;
                    }
                }
                let persistent = rng.random::<f64>() < cfg.persistent_share;
                let down = draw_down_time(&cfg.cdn_down_time, &mut rng);
                let Some(k) = pick else { continue };
                let (change, revert) = if drain {
                    (
                        ChurnChange::Drain { pop: k },
                        ChurnChange::Undrain { pop: k },
                    )
                } else {
                    let (pop, neighbour) = sessions[k];
                    (
                        ChurnChange::SessionDown { pop, neighbour },
                        ChurnChange::SessionUp { pop, neighbour },
                    )
                };
                push_episode(
                    &mut out,
                    &mut busy[k],
                    t,
                    down,
                    end,
                    change,
                    revert,
                    episode,
                    persistent,
                );
                episode += 1;
                continue;
            }
            let mut pick = None;
            for _ in 0..REDRAWS {
                let x = rng.random::<f64>() * total;
                let k = cum.partition_point(|&c| c <= x).min(links.len() - 1);
                if busy_until[k] <= t {
                    pick = Some(k);
                    break;
                }
            }
            // Every draw is made whether or not a link was found, so one
            // busy link does not shift the rest of the stream.
            let lp = rng.random::<f64>() < cfg.local_pref_share;
            let persistent = rng.random::<f64>() < cfg.persistent_share;
            let flip = rng.random::<bool>();
            let raise = rng.random::<bool>();
            let mag =
                rng.random_range(MIN_LP_OFFSET..=crate::scenario::events::MAX_LOCAL_PREF_OFFSET);
            let down = draw_down_time(&cfg.down_time, &mut rng);
            let Some(k) = pick else { continue };
            let (a, b) = links[k];
            let (change, revert) = if lp {
                let (asn, neighbour) = if flip { (b, a) } else { (a, b) };
                let offset = if raise { mag } else { -mag };
                (
                    ChurnChange::LocalPref {
                        asn,
                        neighbour,
                        offset,
                    },
                    ChurnChange::LocalPref {
                        asn,
                        neighbour,
                        offset: 0,
                    },
                )
            } else {
                (ChurnChange::LinkDown { a, b }, ChurnChange::LinkUp { a, b })
            };
            push_episode(
                &mut out,
                &mut busy_until[k],
                t,
                down,
                end,
                change,
                revert,
                episode,
                persistent,
            );
            episode += 1;
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

/// Lists a change at `t` and, unless persistent, its revert after `down`
/// (if before `end`); marks the changed thing busy until then.
#[allow(clippy::too_many_arguments)]
fn push_episode(
    out: &mut Vec<ChurnEvent>,
    busy_until: &mut SimTime,
    t: SimTime,
    down: SimDuration,
    end: SimTime,
    change: ChurnChange,
    revert: ChurnChange,
    episode: u32,
    persistent: bool,
) {
    out.push(ChurnEvent {
        at: t,
        change,
        episode,
        persistent,
    });
    if persistent {
        *busy_until = SimTime::MAX;
        return;
    }
    let back = t + down;
    *busy_until = back;
    if back < end {
        out.push(ChurnEvent {
            at: back,
            change: revert,
            episode,
            persistent,
        });
    }
}

/// The routing state churn leaves at some time: links down and local-pref
/// offsets in force. Applying a [`generate`]d list up to `t` and solving
/// gives the quiescent routes at `t` (the event-driven BGP reaches the
/// same state once it has converged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoutingState {
    /// Links down, as (lower, higher) index, sorted.
    pub down: Vec<(AsIdx, AsIdx)>,
    /// (AS, neighbour, offset), sorted, offsets non-zero.
    pub local_pref: Vec<(AsIdx, AsIdx, i32)>,
    /// The CDN's sessions down: (PoP, neighbour), sorted.
    pub sessions_down: Vec<(usize, AsIdx)>,
    /// PoPs drained (not announcing the anycast prefix), sorted.
    pub drained: Vec<usize>,
}

/// Inserts (`on`) or removes `key` in the sorted `v`.
fn set_in<T: Ord>(v: &mut Vec<T>, key: T, on: bool) {
    match (v.binary_search(&key), on) {
        (Err(i), true) => v.insert(i, key),
        (Ok(i), false) => {
            v.remove(i);
        }
        _ => {}
    }
}

impl RoutingState {
    pub fn apply(&mut self, c: &ChurnChange) {
        match *c {
            ChurnChange::SessionDown { pop, neighbour } => {
                set_in(&mut self.sessions_down, (pop, neighbour), true)
            }
            ChurnChange::SessionUp { pop, neighbour } => {
                set_in(&mut self.sessions_down, (pop, neighbour), false)
            }
            ChurnChange::Drain { pop } => set_in(&mut self.drained, pop, true),
            ChurnChange::Undrain { pop } => set_in(&mut self.drained, pop, false),
            ChurnChange::LinkDown { a, b } | ChurnChange::LinkUp { a, b } => {
                let key = (a.min(b), a.max(b));
                let up = matches!(c, ChurnChange::LinkUp { .. });
                match (self.down.binary_search(&key), up) {
                    (Err(i), false) => self.down.insert(i, key),
                    (Ok(i), true) => {
                        self.down.remove(i);
                    }
                    _ => {}
                }
            }
            ChurnChange::LocalPref {
                asn,
                neighbour,
                offset,
            } => {
                let i = self
                    .local_pref
                    .partition_point(|x| (x.0, x.1) < (asn, neighbour));
                let here = self
                    .local_pref
                    .get(i)
                    .is_some_and(|x| (x.0, x.1) == (asn, neighbour));
                match (here, offset) {
                    (true, 0) => {
                        self.local_pref.remove(i);
                    }
                    (true, o) => self.local_pref[i].2 = o,
                    (false, 0) => {}
                    (false, o) => self.local_pref.insert(i, (asn, neighbour, o)),
                }
            }
        }
    }

    /// True when nothing is changed (the static world).
    pub fn is_default(&self) -> bool {
        self.down.is_empty()
            && self.local_pref.is_empty()
            && self.sessions_down.is_empty()
            && self.drained.is_empty()
    }

    /// The CDN's sessions per PoP without those down (None: none is down,
    /// the world's own).
    pub fn pops(&self, world: &World) -> Option<Vec<super::PopSessions>> {
        if self.sessions_down.is_empty() {
            return None;
        }
        Some(
            world
                .pops
                .iter()
                .enumerate()
                .map(|(p, s)| {
                    let up = |nb: &AsIdx| self.sessions_down.binary_search(&(p, *nb)).is_err();
                    let mut s = s.clone();
                    s.transit.retain(up);
                    s.peers.retain(up);
                    s
                })
                .collect(),
        )
    }

    /// The world in this state: its graph without the links down
    /// ([`Self::graph`]) and the CDN's sessions without those down.
    pub fn world(&self, world: &World) -> World {
        World {
            graph: self.graph(world),
            geo: world.geo.clone(),
            cdn: world.cdn,
            pops: self.pops(world).unwrap_or_else(|| world.pops.clone()),
            access: world.access.clone(),
            warnings: Vec::new(),
        }
    }

    /// The scenario with the drained PoPs not announcing the anycast prefix.
    pub fn config(&self, cfg: &RunConfig) -> RunConfig {
        let mut c = cfg.clone();
        for &p in &self.drained {
            c.pops[p].announce = crate::scenario::raw::Announce::None;
        }
        c
    }

    /// The world's graph without the links that are down (same indices).
    pub fn graph(&self, world: &World) -> AsGraph {
        let g = &world.graph;
        let mut b = AsGraphBuilder::new();
        for i in g.indices() {
            b.add_as(g.asn(i));
        }
        for (a, c, rel) in g.links() {
            if self.down.binary_search(&(a.min(c), a.max(c))).is_err() {
                b.add_link(g.asn(a), g.asn(c), rel);
            }
        }
        let (out, _) = b.build();
        debug_assert_eq!(out.len(), g.len());
        out
    }

    /// The import local-prefs in force, as absolute values: the class's
    /// default plus the offset (pairs whose link is down are left out).
    pub fn import_local_pref(&self, graph: &AsGraph) -> Vec<ImportLocalPref> {
        self.local_pref
            .iter()
            .filter_map(|&(a, n, o)| {
                let rel = graph.rel(a, n)?;
                Some(ImportLocalPref {
                    asn: graph.asn(a),
                    neighbour: graph.asn(n),
                    local_pref: lp_with_offset(rel, o),
                })
            })
            .collect()
    }
}

/// Local-pref of routes from a neighbour that is `rel` to us, moved by
/// `offset` within its class.
pub fn lp_with_offset(rel: crate::topology::Rel, offset: i32) -> u32 {
    (Learned::from_rel(rel).local_pref() as i32 + offset).max(0) as u32
}

/// Every client group's anycast path in the quiescent state of `state`
/// (static solver): links down removed, local-prefs as import overrides,
/// the CDN's sessions down left out, drained PoPs not announcing.
pub fn anycast_paths(
    world: &World,
    cfg: &RunConfig,
    state: &RoutingState,
) -> Result<Vec<PathTo>, Error> {
    if state.is_default() {
        return paths_on(world, &world.graph, cfg, &Prefix::anycast(world, cfg));
    }
    let cfg = &state.config(cfg);
    let w = state.world(world);
    let mut prefix = Prefix::anycast(&w, cfg);
    prefix.announcement.import_local_pref = state.import_local_pref(&w.graph);
    paths_on(&w, &w.graph, cfg, &prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::dynamic::{Delays, Driver, Event};
    use crate::bgp::speaker::{Input, SpeakerConfig};
    use crate::bgp::{SolveOptions, solve};
    use crate::engine::{Budget, Scheduler};
    use crate::scenario::{load_file, validate};
    use crate::topology::Asn;
    use crate::world::catchment::tiebreak;
    use crate::world::dynamic::warm_anycast;

    fn quickstart() -> (RunConfig, World) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg = validate(&load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = super::super::build(&cfg, &locate).unwrap();
        (cfg, world)
    }

    fn churn(per_day: f64, weekend: f64, start: u8) -> ChurnConfig {
        ChurnConfig {
            events_per_day: per_day,
            weekend_events_per_day: weekend,
            start_weekday: start,
            down_time: DownTime::Exponential {
                mean: SimDuration::from_secs(600),
            },
            persistent_share: 0.1,
            local_pref_share: 0.3,
            links: ChurnLinks::Uniform,
            cdn_share: 0.0,
            cdn_drain_share: 0.2,
            cdn_down_time: DownTime::Exponential {
                mean: SimDuration::from_secs(600),
            },
        }
    }

    /// With `cdn_share`, that share of changes is at the CDN's own
    /// interconnections (a session of one PoP, or a PoP drained, with
    /// `cdn_drain_share` of them drains), the rest on AS-AS links not
    /// touching the CDN; CDN changes pair with their reverts and take
    /// their down time from `cdn_down_time`; `cdn_share = 0` gives none.
    #[test]
    fn cdn_changes_touch_only_the_cdns_sessions_at_the_configured_rates() {
        let (_, world) = quickstart();
        let mut c = churn(400.0, 400.0, 0);
        c.cdn_share = 0.25;
        c.cdn_drain_share = 0.4;
        c.persistent_share = 0.0;
        c.down_time = DownTime::Fixed(SimDuration::from_secs(60));
        c.cdn_down_time = DownTime::Fixed(SimDuration::from_secs(7200));
        let days = 20u64;
        let d = SimDuration::from_secs(days * 86_400);
        let ev = generate(&c, &world, d, &Streams::new(9));
        let sessions = cdn_sessions(&world);
        assert!(!sessions.is_empty());
        let cdn = world.cdn;
        let (mut n, mut sess, mut drains) = (0u32, 0u32, 0u32);
        let mut open: rustc_hash::FxHashMap<u32, ChurnEvent> = Default::default();
        for e in &ev {
            match e.change {
                ChurnChange::SessionDown { pop, neighbour }
                | ChurnChange::SessionUp { pop, neighbour } => {
                    assert!(sessions.contains(&(pop, neighbour)), "{e:?}");
                    let s = &world.pops[pop];
                    assert!(s.transit.contains(&neighbour) || s.peers.contains(&neighbour));
                }
                ChurnChange::Drain { pop } | ChurnChange::Undrain { pop } => {
                    assert!(pop < world.pops.len())
                }
                ChurnChange::LinkDown { a, b } | ChurnChange::LinkUp { a, b } => {
                    assert!(a != cdn && b != cdn)
                }
                ChurnChange::LocalPref { asn, neighbour, .. } => {
                    assert!(asn != cdn && neighbour != cdn)
                }
            }
            let at_cdn = matches!(
                e.change,
                ChurnChange::SessionDown { .. }
                    | ChurnChange::SessionUp { .. }
                    | ChurnChange::Drain { .. }
                    | ChurnChange::Undrain { .. }
            );
            if e.is_revert() {
                let first = open.remove(&e.episode).expect("a revert after its change");
                let want = if at_cdn { 7200 } else { 60 };
                assert_eq!(e.at - first.at, SimDuration::from_secs(want), "{e:?}");
                match (first.change, e.change) {
                    (
                        ChurnChange::SessionDown { pop, neighbour },
                        ChurnChange::SessionUp {
                            pop: p,
                            neighbour: nb,
                        },
                    ) => assert_eq!((pop, neighbour), (p, nb)),
                    (ChurnChange::Drain { pop }, ChurnChange::Undrain { pop: p }) => {
                        assert_eq!(pop, p)
                    }
                    (x, y) => assert!(!at_cdn, "not a pair: {x:?} {y:?}"),
                }
                continue;
            }
            open.insert(e.episode, *e);
            n += 1;
            sess += matches!(e.change, ChurnChange::SessionDown { .. }) as u32;
            drains += matches!(e.change, ChurnChange::Drain { .. }) as u32;
        }
        // Changes per day as configured (4 sigma of a Poisson count; a few
        // arrivals are dropped on a busy link or PoP).
        let want = 400.0 * days as f64;
        assert!((n as f64 - want).abs() < 4.0 * want.sqrt(), "{n} changes");
        let cdn_n = (sess + drains) as f64;
        let share = cdn_n / n as f64;
        assert!((share - 0.25).abs() < 0.02, "CDN share {share}");
        let ds = drains as f64 / cdn_n;
        assert!((ds - 0.4).abs() < 0.05, "drain share {ds}");
        c.cdn_share = 0.0;
        let none = generate(&c, &world, d, &Streams::new(9));
        assert!(none.iter().all(|e| !matches!(
            e.change,
            ChurnChange::SessionDown { .. } | ChurnChange::Drain { .. }
        )));
    }

    /// Static snapshot on the quickstart world: taking down one of the
    /// CDN's sessions at one PoP moves exactly the groups whose anycast
    /// path entered by that session (each to another PoP or another
    /// neighbour; none is left without a route), and no other group's
    /// path changes. Draining a PoP moves exactly its catchment, each
    /// group to another PoP.
    #[test]
    fn a_cdn_session_down_moves_only_the_groups_that_entered_by_it() {
        let (cfg, world) = quickstart();
        let base = anycast_paths(&world, &cfg, &RoutingState::default()).unwrap();
        let entry = |p: &PathTo| -> Option<(usize, Asn)> {
            let n = p.as_path.len();
            Some((p.pop?, *p.as_path.get(n.checked_sub(2)?)?))
        };
        // The session carrying the most groups.
        let mut count: std::collections::BTreeMap<(usize, Asn), usize> = Default::default();
        for p in &base {
            if let Some(e) = entry(p) {
                *count.entry(e).or_default() += 1;
            }
        }
        let (&(pop, nb), &k) = count.iter().max_by_key(|x| x.1).expect("groups");
        assert!(k > 0);
        let nb_ix = world.graph.idx(nb).unwrap();
        let mut state = RoutingState::default();
        state.apply(&ChurnChange::SessionDown {
            pop,
            neighbour: nb_ix,
        });
        let after = anycast_paths(&world, &cfg, &state).unwrap();
        let mut moved = 0;
        for (b, a) in base.iter().zip(&after) {
            if entry(b) == Some((pop, nb)) {
                assert!(a.pop.is_some(), "left without a route");
                assert_ne!(entry(a), Some((pop, nb)));
                moved += 1;
            } else {
                assert_eq!((b.pop, &b.as_path), (a.pop, &a.as_path));
            }
        }
        assert_eq!(moved, k);
        // Back up: the static world again.
        state.apply(&ChurnChange::SessionUp {
            pop,
            neighbour: nb_ix,
        });
        assert!(state.is_default());
        // Drain the PoP with the largest catchment.
        let mut at: Vec<usize> = vec![0; world.pops.len()];
        for p in base.iter().filter_map(|p| p.pop) {
            at[p] += 1;
        }
        let big = (0..at.len()).max_by_key(|&i| at[i]).unwrap();
        state.apply(&ChurnChange::Drain { pop: big });
        let after = anycast_paths(&world, &cfg, &state).unwrap();
        for (b, a) in base.iter().zip(&after) {
            if b.pop == Some(big) {
                assert!(a.pop.is_some() && a.pop != Some(big));
            } else {
                assert_eq!((b.pop, &b.as_path), (a.pop, &a.as_path));
            }
        }
    }

    #[test]
    fn same_seed_same_list_other_seed_other_list() {
        let (_, world) = quickstart();
        let c = churn(500.0, 200.0, 0);
        let d = SimDuration::from_secs(3 * 86_400);
        let a = generate(&c, &world, d, &Streams::new(3));
        assert_eq!(a, generate(&c, &world, d, &Streams::new(3)));
        assert_ne!(a, generate(&c, &world, d, &Streams::new(4)));
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(a.iter().all(|e| e.at < SimTime::ZERO + d));
        let cdn = world.cdn;
        assert!(a.iter().all(|e| match e.change {
            ChurnChange::LinkDown { a, b } | ChurnChange::LinkUp { a, b } => a != cdn && b != cdn,
            ChurnChange::LocalPref { asn, neighbour, .. } => asn != cdn && neighbour != cdn,
            // cdn_share = 0: no change at the CDN.
            _ => false,
        }));
    }

    /// Over ten weeks starting on a Saturday: changes per weekday day and
    /// per weekend day match their rates (within 4 standard deviations of
    /// a Poisson count), and the two differ.
    #[test]
    fn weekday_and_weekend_rates_are_respected() {
        let (_, world) = quickstart();
        let mut c = churn(300.0, 60.0, 5);
        c.down_time = DownTime::Fixed(SimDuration::from_secs(1));
        c.persistent_share = 0.0;
        let days = 70u64;
        let ev = generate(
            &c,
            &world,
            SimDuration::from_secs(days * 86_400),
            &Streams::new(11),
        );
        let (mut wd, mut we) = (0u64, 0u64);
        for e in ev.iter().filter(|e| !e.is_revert()) {
            let day = e.at.as_nanos() / DAY.as_nanos();
            if (5 + day) % 7 >= 5 {
                we += 1;
            } else {
                wd += 1;
            }
        }
        // 50 weekdays, 20 weekend days.
        let (ewd, ewe) = (50.0 * 300.0, 20.0 * 60.0);
        assert!(
            (wd as f64 - ewd).abs() < 4.0 * ewd.sqrt(),
            "weekday changes {wd}, expected {ewd}"
        );
        assert!(
            (we as f64 - ewe).abs() < 4.0 * ewe.sqrt(),
            "weekend changes {we}, expected {ewe}"
        );
        // Day 0 is a Saturday: its rate is the weekend one.
        assert_eq!(c.rate_on_day(0), 60.0);
        assert_eq!(c.rate_on_day(2), 300.0);
    }

    /// Every change is followed by its revert (same episode, same link or
    /// pair, later) unless persistent or past the run's end; a link is in
    /// at most one episode at a time; the share of local-pref changes and
    /// of persistent ones is near their settings.
    #[test]
    fn changes_and_reverts_pair_up() {
        let (_, world) = quickstart();
        let c = churn(400.0, 400.0, 0);
        let d = SimDuration::from_secs(10 * 86_400);
        let ev = generate(&c, &world, d, &Streams::new(5));
        let mut by_ep: std::collections::BTreeMap<u32, Vec<ChurnEvent>> = Default::default();
        for e in &ev {
            by_ep.entry(e.episode).or_default().push(*e);
        }
        let (mut lp, mut pers, mut n) = (0, 0, 0);
        let key = |c: &ChurnChange| match *c {
            ChurnChange::LinkDown { a, b } | ChurnChange::LinkUp { a, b } => (a.min(b), a.max(b)),
            ChurnChange::LocalPref { asn, neighbour, .. } => {
                (asn.min(neighbour), asn.max(neighbour))
            }
            other => unreachable!("cdn_share = 0: {other:?}"),
        };
        for list in by_ep.values() {
            n += 1;
            let first = list[0];
            assert!(!first.is_revert());
            lp += matches!(first.change, ChurnChange::LocalPref { .. }) as u32;
            pers += first.persistent as u32;
            match list.len() {
                1 => {}
                2 => {
                    let r = list[1];
                    assert!(!first.persistent && r.is_revert() && r.at > first.at);
                    assert_eq!(key(&first.change), key(&r.change));
                    match (first.change, r.change) {
                        (ChurnChange::LinkDown { a, b }, ChurnChange::LinkUp { a: x, b: y }) => {
                            assert_eq!((a, b), (x, y))
                        }
                        (
                            ChurnChange::LocalPref {
                                asn,
                                neighbour,
                                offset,
                            },
                            ChurnChange::LocalPref {
                                asn: x,
                                neighbour: y,
                                offset: 0,
                            },
                        ) => assert!((asn, neighbour) == (x, y) && offset != 0),
                        other => panic!("not a pair: {other:?}"),
                    }
                }
                k => panic!("episode with {k} events"),
            }
        }
        // No two episodes on one link overlap.
        let mut busy: rustc_hash::FxHashMap<(AsIdx, AsIdx), u32> = Default::default();
        for e in &ev {
            let k = key(&e.change);
            if e.is_revert() {
                assert_eq!(busy.remove(&k), Some(e.episode));
            } else {
                assert!(busy.insert(k, e.episode).is_none(), "{k:?} changed twice");
            }
        }
        let share = |x: u32| x as f64 / n as f64;
        assert!(
            (share(lp) - 0.3).abs() < 0.05,
            "local-pref share {}",
            share(lp)
        );
        assert!(
            (share(pers) - 0.1).abs() < 0.04,
            "persistent share {}",
            share(pers)
        );
    }

    /// Event-driven BGP through a day of churn on the quickstart world
    /// (warm start, MRAI 30 s): after every change's quiescence each AS's
    /// route equals the static solver's on the churned state (links down
    /// removed, local-prefs as import overrides); once every change is
    /// reverted, it equals the plain static solution.
    #[test]
    fn quiescence_after_each_change_equals_the_static_snapshot() {
        let (cfg, world) = quickstart();
        let mut c = churn(150.0, 150.0, 0);
        c.persistent_share = 0.0;
        c.down_time = DownTime::Exponential {
            mean: SimDuration::from_secs(1800),
        };
        let day = SimDuration::from_secs(86_400);
        let ev = generate(&c, &world, day, &Streams::new(8));
        assert!(ev.len() > 100, "{} events", ev.len());
        let net = warm_anycast(&world, &cfg, SpeakerConfig::default()).unwrap();
        let mut drv = Driver::new(net, Delays::default(), &Streams::new(8));
        let mut sched: Scheduler<Event> = Scheduler::new();
        let mut state = RoutingState::default();
        let opts = SolveOptions {
            tiebreak: tiebreak(),
            ..SolveOptions::default()
        };
        let check = |net: &crate::bgp::speaker::Network, state: &RoutingState, what: &str| {
            let graph = state.graph(&world);
            let mut prefix = Prefix::anycast(&world, &cfg);
            prefix.announcement.import_local_pref = state.import_local_pref(&graph);
            let routes = solve(&graph, &prefix.announcement, &opts).unwrap();
            for a in world.graph.indices() {
                let d = net.route(a).map(|r| (r.learned, r.path));
                let s = routes.route(a).map(|r| (r.learned, routes.path(a)));
                assert_eq!(d, s, "{what}: AS {}", world.graph.asn(a));
            }
        };
        let (mut lp_seen, mut reverted) = (0, 0);
        for (k, e) in ev.iter().enumerate() {
            if sched.now() < e.at {
                sched.schedule_at(e.at, Event::Wake);
                drv.run(&mut sched, Budget::until(SimTime::MAX)).unwrap();
            }
            let input = match e.change {
                ChurnChange::LinkDown { a, b } => Input::Link { a, b, up: false },
                ChurnChange::LinkUp { a, b } => Input::Link { a, b, up: true },
                ChurnChange::LocalPref {
                    asn,
                    neighbour,
                    offset,
                } => {
                    lp_seen += 1;
                    let rel = world.graph.rel(asn, neighbour).unwrap();
                    Input::LocalPref {
                        asn,
                        neighbour,
                        local_pref: (offset != 0).then(|| lp_with_offset(rel, offset)),
                    }
                }
                other => unreachable!("cdn_share = 0: {other:?}"),
            };
            reverted += e.is_revert() as u32;
            drv.converge(
                &mut sched,
                input,
                10_000_000,
                SimDuration::from_secs(100_000),
            )
            .unwrap();
            state.apply(&e.change);
            // The static oracle on every tenth change (and the last): the
            // fixed-point solver is slow in a debug build.
            if k % 10 == 0 || k + 1 == ev.len() {
                check(
                    &drv.net,
                    &state,
                    &format!("after change {k} {:?}", e.change),
                );
            }
        }
        assert!(lp_seen > 0 && reverted > 0);
        // Revert what is still in force, then compare with the static world.
        let open: Vec<ChurnChange> = state
            .down
            .iter()
            .map(|&(a, b)| ChurnChange::LinkUp { a, b })
            .chain(
                state
                    .local_pref
                    .iter()
                    .map(|&(asn, neighbour, _)| ChurnChange::LocalPref {
                        asn,
                        neighbour,
                        offset: 0,
                    }),
            )
            .collect();
        for ch in open {
            let input = match ch {
                ChurnChange::LinkUp { a, b } => Input::Link { a, b, up: true },
                ChurnChange::LocalPref { asn, neighbour, .. } => Input::LocalPref {
                    asn,
                    neighbour,
                    local_pref: None,
                },
                other => unreachable!("{other:?}"),
            };
            let t = sched.now() + SimDuration::from_secs(100);
            sched.schedule_at(t, Event::Wake);
            drv.run(&mut sched, Budget::until(SimTime::MAX)).unwrap();
            drv.converge(
                &mut sched,
                input,
                10_000_000,
                SimDuration::from_secs(100_000),
            )
            .unwrap();
            state.apply(&ch);
        }
        assert!(state.is_default());
        check(&drv.net, &state, "all reverted");
    }

    /// A simulated week of churn (fewer changes at the weekend) moves
    /// client groups between PoPs from day to day in the static snapshots
    /// at noon: the drift the IMC 2015 study measures.
    #[test]
    fn a_week_of_churn_moves_catchments_day_to_day() {
        let (cfg, world) = quickstart();
        let mut c = churn(400.0, 150.0, 0);
        c.persistent_share = 0.3;
        c.local_pref_share = 0.0;
        c.links = ChurnLinks::NearCdn;
        let week = SimDuration::from_secs(7 * 86_400);
        let ev = generate(&c, &world, week, &Streams::new(2));
        let mut state = RoutingState::default();
        let mut k = 0;
        let mut days: Vec<Vec<Option<usize>>> = Vec::new();
        for d in 0..7u64 {
            let noon = SimTime::ZERO + SimDuration::from_secs(d * 86_400 + 43_200);
            while k < ev.len() && ev[k].at <= noon {
                state.apply(&ev[k].change);
                k += 1;
            }
            let p = anycast_paths(&world, &cfg, &state).unwrap();
            days.push(p.iter().map(|x| x.pop).collect());
        }
        let moved: usize = days
            .windows(2)
            .map(|w| w[0].iter().zip(&w[1]).filter(|(a, b)| a != b).count())
            .sum();
        assert!(moved > 0, "no day-to-day drift: {days:?}");
        let base: Vec<Option<usize>> = anycast_paths(&world, &cfg, &RoutingState::default())
            .unwrap()
            .iter()
            .map(|x| x.pop)
            .collect();
        let first = crate::world::catchment::compute(&world, &cfg).unwrap();
        let expect: Vec<Option<usize>> = first.anycast.iter().map(|x| x.pop).collect();
        assert_eq!(base, expect);
    }
}
