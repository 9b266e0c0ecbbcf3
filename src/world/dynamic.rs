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
