//! Event-driven BGP over the scenario's world: the CDN's anycast sessions
//! per (neighbour, PoP city) as [`OriginSession`]s, and a network warm-
//! started from the static solution (the steady state before an event).

use super::World;
use super::catchment::{solve_prefix, tiebreak};
use super::prefix::Prefix;
use crate::bgp::speaker::{Network, OriginSession, SpeakerConfig};
use crate::error::Error;
use crate::scenario::RunConfig;

/// The CDN's anycast sessions, one per (neighbour, PoP city), for the PoPs
/// with `live[i]` true, each with the PoP's prepend and NO_EXPORT toward a
/// host (as [`Prefix::anycast`] builds them for the static solver).
pub fn anycast_sessions(world: &World, cfg: &RunConfig, live: &[bool]) -> Vec<OriginSession> {
    let mut out = Vec::new();
    for (i, (p, s)) in cfg.pops.iter().zip(&world.pops).enumerate() {
        if !live.get(i).copied().unwrap_or(true) {
            continue;
        }
        for nb in s.announced(&p.announce, &world.graph) {
            out.push(OriginSession {
                neighbour: nb,
                city: Some(s.city),
                prepend: p.prepend,
                no_export: s.host.is_some(),
                local_pref: None,
            });
        }
    }
    out
}

/// The anycast prefix's network in its converged state with every PoP
/// live: the static solution installed as the protocol's steady state.
pub fn warm_anycast<'w>(
    world: &'w World,
    cfg: &RunConfig,
    mut speaker: SpeakerConfig,
) -> Result<Network<'w>, Error> {
    speaker.tiebreak = tiebreak();
    let routes = solve_prefix(world, &Prefix::anycast(world, cfg))?;
    let mut net = Network::new(&world.graph, speaker);
    let live = vec![true; cfg.pops.len()];
    net.install(&[(world.cdn, anycast_sessions(world, cfg, &live))], |i| {
        routes.route(i).map(|r| (r.next_hop, r.learned))
    });
    Ok(net)
}

/// Where a client group's packets go under the routers' current
/// forwarding state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Answered by this PoP.
    Pop(usize),
    /// A router on the path has no route (or no handover city).
    Blackhole,
    /// The path revisits an AS (a transient forwarding loop).
    Loop,
}

/// Follows the current egress choices from group `g`'s access router.
pub fn follow_now(net: &Network, world: &World, cfg: &RunConfig, g: usize) -> Fate {
    // The CDN's sessions carry their city, so the geography's
    // interconnections are only used for the AS-level sessions.
    let view = &world.geo;
    let a = world.access[g];
    let (mut at, mut city) = (a.asn, a.router_city);
    let mut seen: Vec<crate::topology::AsIdx> = Vec::new();
    loop {
        if at == world.cdn {
            return cfg
                .pops
                .iter()
                .position(|p| p.city == city)
                .map_or(Fate::Blackhole, Fate::Pop);
        }
        if seen.contains(&at) {
            return Fate::Loop;
        }
        seen.push(at);
        match net.egress(view, &cfg.cities, at, city) {
            Some((nb, c, _)) => {
                at = nb;
                city = c;
            }
            None => return Fate::Blackhole,
        }
    }
}

/// Every client group's fate over time during one convergence: a
/// piecewise-constant timeline (BGP does not depend on traffic).
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// When the change was applied.
    pub start: crate::time::SimTime,
    /// Fate of each group just before the change.
    pub before: Vec<Fate>,
    /// (time, group, new fate), in time order.
    pub changes: Vec<(crate::time::SimTime, usize, Fate)>,
    /// The protocol's convergence.
    pub convergence: crate::bgp::dynamic::Convergence,
}

impl Timeline {
    /// Fate of each group after quiescence.
    pub fn after(&self) -> Vec<Fate> {
        let mut f = self.before.clone();
        for &(_, g, x) in &self.changes {
            f[g] = x;
        }
        f
    }
    /// Time from the change until groups holding `share` of the demand
    /// (weights `w`) keep their final fate [ns].
    pub fn stable_after(&self, w: &[f64], share: f64) -> crate::time::SimDuration {
        let total: f64 = w.iter().sum();
        let mut last: Vec<Option<crate::time::SimTime>> = vec![None; w.len()];
        for &(t, g, _) in &self.changes {
            last[g] = Some(t);
        }
        let mut times: Vec<(crate::time::SimTime, f64)> = last
            .iter()
            .zip(w)
            .map(|(t, &x)| (t.unwrap_or(self.start), x))
            .collect();
        times.sort_by_key(|a| a.0);
        let mut acc = 0.0;
        for (t, x) in times {
            acc += x;
            if acc >= share * total - 1e-12 {
                return t.saturating_since(self.start);
            }
        }
        crate::time::SimDuration::ZERO
    }
    /// Demand-weighted time spent blackholed and looping during the
    /// convergence [group-share x s].
    pub fn lost_share_seconds(&self, w: &[f64]) -> (f64, f64) {
        let mut cur = self.before.clone();
        let mut since = vec![self.start; w.len()];
        let (mut bh, mut lp) = (0.0, 0.0);
        let mut add = |f: Fate, d: f64, x: f64| match f {
            Fate::Blackhole => bh += d * x,
            Fate::Loop => lp += d * x,
            Fate::Pop(_) => {}
        };
        for &(t, g, f) in &self.changes {
            add(cur[g], t.saturating_since(since[g]).as_secs_f64(), w[g]);
            cur[g] = f;
            since[g] = t;
        }
        (bh, lp)
    }
}

/// Applies `input` at `sched.now()` and runs to quiescence, recording each
/// group's fate whenever a router changes its forwarding state.
pub fn timeline(
    drv: &mut crate::bgp::dynamic::Driver,
    sched: &mut crate::engine::Scheduler<crate::bgp::dynamic::Event>,
    world: &World,
    cfg: &RunConfig,
    input: crate::bgp::speaker::Input,
    max_events: u64,
) -> Result<Timeline, crate::bgp::dynamic::DynError> {
    use crate::engine::Model;
    let start = sched.now();
    let groups = world.access.len();
    let mut cur: Vec<Fate> = (0..groups)
        .map(|g| follow_now(&drv.net, world, cfg, g))
        .collect();
    let before = cur.clone();
    let mut changes = Vec::new();
    drv.fib_log = Some(Vec::new());
    let c0 = drv.net.counters;
    let e0 = sched.executed();
    drv.stats.last_update = start;
    sched.schedule_at(start, crate::bgp::dynamic::Event::Change(Box::new(input)));
    while let Some((t, ev)) = sched.pop() {
        if sched.executed() - e0 > max_events {
            return Err(crate::bgp::dynamic::DynError::NoConvergence {
                reason: "event budget exhausted",
                now: t,
                processed: drv.net.counters.processed,
                pending: sched.pending(),
            });
        }
        drv.handle(sched, ev);
        let touched = drv.fib_log.as_mut().is_some_and(|l| {
            let any = !l.is_empty();
            l.clear();
            any
        });
        if touched {
            for (g, c) in cur.iter_mut().enumerate() {
                let f = follow_now(&drv.net, world, cfg, g);
                if f != *c {
                    *c = f;
                    changes.push((t, g, f));
                }
            }
        }
    }
    drv.fib_log = None;
    let c1 = drv.net.counters;
    Ok(Timeline {
        start,
        before,
        changes,
        convergence: crate::bgp::dynamic::Convergence {
            start,
            time: drv.stats.last_update.saturating_since(start),
            counters: crate::bgp::speaker::Counters {
                advertisements: c1.advertisements - c0.advertisements,
                withdrawals: c1.withdrawals - c0.withdrawals,
                processed: c1.processed - c0.processed,
                best_changes: c1.best_changes - c0.best_changes,
                scanned: c1.scanned - c0.scanned,
                exported: c1.exported - c0.exported,
            },
            events: sched.executed() - e0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::dynamic::{Delays, Driver};
    use crate::bgp::egress::egress;
    use crate::bgp::speaker::Input;
    use crate::engine::Scheduler;
    use crate::rng::Streams;
    use crate::scenario::raw::Announce;
    use crate::scenario::{load_file, validate};
    use crate::time::SimDuration;
    use crate::world::catchment::PrefixView;

    /// On the quickstart world: from a cold start, after withdrawing each
    /// PoP in turn (from the warm start) and after re-announcing it, every
    /// AS's route and every router's egress (neighbour, handover city)
    /// equal the static solver's with that PoP announcing nothing.
    #[test]
    fn pop_withdrawal_and_reannouncement_equal_static_on_quickstart() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg = validate(&load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = super::super::build(&cfg, &locate).unwrap();
        let check = |net: &Network, cfg: &RunConfig, what: &str| {
            let prefix = Prefix::anycast(&world, cfg);
            let routes = solve_prefix(&world, &prefix).unwrap();
            let view = PrefixView {
                geo: &world.geo,
                cdn: world.cdn,
                entry: &prefix.entry_cities,
            };
            for a in world.graph.indices() {
                let d = net.route(a).map(|r| (r.learned, r.path));
                let s = routes.route(a).map(|r| (r.learned, routes.path(a)));
                assert_eq!(d, s, "{what}: AS {}", world.graph.asn(a));
                for &c in world.geo.footprint(a) {
                    let s = egress(&world.graph, &routes, &view, &cfg.cities, a, c)
                        .map(|e| (e.neighbour, e.city));
                    let d = net.egress(&view, &cfg.cities, a, c).map(|e| (e.0, e.1));
                    assert_eq!(d, s, "{what}: router ({}, {c:?})", world.graph.asn(a));
                }
            }
        };
        let all = vec![true; cfg.pops.len()];
        let speaker = SpeakerConfig {
            tiebreak: crate::world::catchment::tiebreak(),
            ..SpeakerConfig::default()
        };
        let mut cold = Driver::new(
            Network::new(&world.graph, speaker),
            Delays::default(),
            &Streams::new(1),
        );
        let mut sched = Scheduler::new();
        let set = |drv: &mut Driver, sched: &mut Scheduler<_>, live: &[bool]| {
            drv.converge(
                sched,
                Input::SetOrigin {
                    origin: world.cdn,
                    sessions: Some(anycast_sessions(&world, &cfg, live)),
                },
                100_000_000,
                SimDuration::from_secs(100_000),
            )
            .unwrap()
        };
        set(&mut cold, &mut sched, &all);
        check(&cold.net, &cfg, "cold start");
        for k in 0..cfg.pops.len() {
            let net = warm_anycast(&world, &cfg, SpeakerConfig::default()).unwrap();
            check(&net, &cfg, "warm start");
            let mut drv = Driver::new(net, Delays::default(), &Streams::new(k as u64));
            let mut sched = Scheduler::new();
            let mut live = all.clone();
            live[k] = false;
            let conv = set(&mut drv, &mut sched, &live);
            let mut cfg_k = cfg.clone();
            cfg_k.pops[k].announce = Announce::None;
            check(&drv.net, &cfg_k, &format!("PoP {k} withdrawn"));
            assert!(conv.counters.withdrawals > 0);
            let t = sched.now() + SimDuration::from_secs(3600);
            sched.schedule_at(t, crate::bgp::dynamic::Event::Wake);
            drv.run(
                &mut sched,
                crate::engine::Budget::until(crate::time::SimTime::MAX),
            )
            .unwrap();
            set(&mut drv, &mut sched, &all);
            check(&drv.net, &cfg, &format!("PoP {k} re-announced"));
        }
    }

    /// The busiest PoP of the quickstart world withdraws under a warm
    /// start: each group's fate is followed through the routers' FIBs; at
    /// quiescence every group is where the static catchment puts it, the
    /// withdrawn PoP serves nobody, and 99% of the demand is stable no
    /// later than the last UPDATE.
    #[test]
    fn catchment_timeline_of_a_pop_withdrawal_ends_at_the_static_catchment() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg = validate(&load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = super::super::build(&cfg, &locate).unwrap();
        let before = crate::world::catchment::compute(&world, &cfg).unwrap();
        let w: Vec<f64> = cfg.groups.iter().map(|g| g.share).collect();
        let mut load = vec![0.0; cfg.pops.len()];
        for (g, p) in before.anycast.iter().enumerate() {
            if let Some(p) = p.pop {
                load[p] += w[g];
            }
        }
        let busiest = (0..load.len())
            .max_by(|&a, &b| load[a].total_cmp(&load[b]))
            .unwrap();
        let net = warm_anycast(&world, &cfg, SpeakerConfig::default()).unwrap();
        let mut drv = Driver::new(net, Delays::default(), &Streams::new(7));
        let mut sched = Scheduler::new();
        let mut live = vec![true; cfg.pops.len()];
        live[busiest] = false;
        let tl = timeline(
            &mut drv,
            &mut sched,
            &world,
            &cfg,
            Input::SetOrigin {
                origin: world.cdn,
                sessions: Some(anycast_sessions(&world, &cfg, &live)),
            },
            10_000_000,
        )
        .unwrap();
        let expect_before: Vec<Fate> = before
            .anycast
            .iter()
            .map(|p| p.pop.map_or(Fate::Blackhole, Fate::Pop))
            .collect();
        assert_eq!(tl.before, expect_before);
        let mut cfg_k = cfg.clone();
        cfg_k.pops[busiest].announce = Announce::None;
        let after = crate::world::catchment::compute(&world, &cfg_k).unwrap();
        let expect_after: Vec<Fate> = after
            .anycast
            .iter()
            .map(|p| p.pop.map_or(Fate::Blackhole, Fate::Pop))
            .collect();
        assert_eq!(tl.after(), expect_after);
        assert!(tl.after().iter().all(|f| *f != Fate::Pop(busiest)));
        assert!(tl.changes.windows(2).all(|x| x[0].0 <= x[1].0));
        let moved = expect_before
            .iter()
            .zip(&expect_after)
            .filter(|(a, b)| a != b)
            .count();
        assert!(moved > 0 && tl.changes.len() >= moved);
        let s99 = tl.stable_after(&w, 0.99);
        assert!(
            s99 <= tl.convergence.time,
            "{s99} vs {}",
            tl.convergence.time
        );
        eprintln!(
            "withdrew PoP {busiest} ({:.0}% of demand): {} groups moved, {} fate changes, converged in {}, 99% stable after {}, blackholed/looping {:?} share-s",
            100.0 * load[busiest],
            moved,
            tl.changes.len(),
            tl.convergence.time,
            s99,
            tl.lost_share_seconds(&w)
        );
    }

    /// announce-to: from the warm start, PoP 0 of the quickstart world
    /// announces to its transit providers only, then its peers only, then
    /// a list (one peer, one transit), then nobody, then everyone again; after each change's quiescence every
    /// AS's route equals the static solver's with that `announce`, and the
    /// routes do change (the quickstart's fra has both kinds).
    #[test]
    fn announce_to_transit_peers_list_none_all_equal_static_on_quickstart() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg = validate(&load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = super::super::build(&cfg, &locate).unwrap();
        assert!(!world.pops[0].transit.is_empty() && !world.pops[0].peers.is_empty());
        let net = warm_anycast(&world, &cfg, SpeakerConfig::default()).unwrap();
        let mut drv = Driver::new(net, Delays::default(), &Streams::new(3));
        let mut sched = Scheduler::new();
        let live = vec![true; cfg.pops.len()];
        let mut changed = 0;
        let asn = |a: crate::topology::AsIdx| world.graph.asn(a).0;
        let (t0, p0) = (world.pops[0].transit[0], world.pops[0].peers[0]);
        for to in [
            Announce::Transit,
            Announce::Peers,
            Announce::Only(vec![asn(p0), asn(t0)]),
            Announce::None,
            Announce::All,
        ] {
            let mut c = cfg.clone();
            c.pops[0].announce = to.clone();
            if let Announce::Only(_) = to {
                // A list announces to exactly the listed neighbours.
                let mut heard: Vec<_> = anycast_sessions(&world, &c, &live)
                    .into_iter()
                    .filter(|s| s.city == Some(world.pops[0].city))
                    .map(|s| s.neighbour)
                    .collect();
                heard.sort_unstable();
                let mut want = vec![t0, p0];
                want.sort_unstable();
                assert_eq!(heard, want);
            }
            let t = sched.now() + SimDuration::from_secs(600);
            sched.schedule_at(t, crate::bgp::dynamic::Event::Wake);
            drv.run(
                &mut sched,
                crate::engine::Budget::until(crate::time::SimTime::MAX),
            )
            .unwrap();
            let conv = drv
                .converge(
                    &mut sched,
                    Input::SetOrigin {
                        origin: world.cdn,
                        sessions: Some(anycast_sessions(&world, &c, &live)),
                    },
                    100_000_000,
                    SimDuration::from_secs(100_000),
                )
                .unwrap();
            changed += (conv.counters.best_changes > 0) as u32;
            let routes = solve_prefix(&world, &Prefix::anycast(&world, &c)).unwrap();
            for a in world.graph.indices() {
                let d = drv.net.route(a).map(|r| (r.learned, r.path));
                let s = routes.route(a).map(|r| (r.learned, routes.path(a)));
                assert_eq!(d, s, "announce {to:?}: AS {}", world.graph.asn(a));
            }
        }
        assert!(changed >= 4, "only {changed} of 5 changes moved a route");
    }
}
