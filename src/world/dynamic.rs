//! Event-driven BGP over the scenario's world: the CDN's anycast sessions
//! per (neighbour, PoP city) as [`OriginSession`]s, and a network warm-
//! started from the static solution (the steady state before an event).

use super::World;
use super::catchment::{solve_prefix, tiebreak};
use super::prefix::Prefix;
use crate::bgp::speaker::{Network, OriginSession, SpeakerConfig};
use crate::error::Error;
use crate::scenario::RunConfig;
use crate::scenario::raw::Announce;

/// The CDN's anycast sessions, one per (neighbour, PoP city), for the PoPs
/// with `live[i]` true, each with the PoP's prepend and NO_EXPORT toward a
/// host (as [`Prefix::anycast`] builds them for the static solver).
pub fn anycast_sessions(world: &World, cfg: &RunConfig, live: &[bool]) -> Vec<OriginSession> {
    let mut out = Vec::new();
    for (i, (p, s)) in cfg.pops.iter().zip(&world.pops).enumerate() {
        if !live.get(i).copied().unwrap_or(true) {
            continue;
        }
        let (t, q) = match p.announce {
            Announce::All => (true, true),
            Announce::Transit => (true, false),
            Announce::Peers => (false, true),
            Announce::None => (false, false),
        };
        let chosen = s
            .transit
            .iter()
            .filter(|_| t)
            .chain(s.peers.iter().filter(|_| q));
        for &nb in chosen {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::dynamic::{Delays, Driver};
    use crate::bgp::egress::egress;
    use crate::bgp::speaker::Input;
    use crate::engine::Scheduler;
    use crate::rng::Streams;
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
}
