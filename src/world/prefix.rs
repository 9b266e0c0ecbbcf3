//! The CDN's prefixes: one anycast prefix announced at every PoP, and one
//! unicast prefix per PoP announced only there.
//!
//! Sessions are per (neighbour, PoP). At AS level a neighbour that hears a
//! prefix at several PoPs with different prepends learns the shortest: its
//! AS-level route uses the minimum prepend over its sessions, and only the
//! sessions achieving it are places where its routers hand traffic to the
//! CDN ([`Prefix::entry_cities`]). That is what full-mesh iBGP does: every
//! router of the neighbour sees all its eBGP routes, keeps the shortest,
//! then exits at the nearest of those.
//!
//! A session may carry NO_EXPORT (the anycast session with the host of a
//! hosted PoP). The neighbour's AS-level route is NO_EXPORT when every one
//! of its fewest-prepend sessions is; if it also hears the prefix without
//! NO_EXPORT elsewhere at the same length, it exports (simplification: one
//! route per AS). A hosted PoP's unicast prefix is announced without
//! NO_EXPORT (its addresses are reachable through the host, as an embedded
//! cache's are).

use super::World;
use crate::bgp::{AnnounceTo, Announcement, NeighbourOverride, OriginPolicy};
use crate::geo::CityId;
use crate::scenario::RunConfig;
use crate::topology::AsIdx;
use rustc_hash::FxHashMap;

/// One prefix of the CDN.
#[derive(Clone, Debug)]
pub struct Prefix {
    pub announcement: Announcement,
    /// Per CDN neighbour hearing the prefix: the cities of its sessions with
    /// the fewest prepends, sorted.
    pub entry_cities: FxHashMap<AsIdx, Vec<CityId>>,
}

impl Prefix {
    /// Builds a prefix from sessions (neighbour, city, prepend, no-export).
    fn from_sessions(world: &World, sessions: Vec<(AsIdx, CityId, u32, bool)>) -> Prefix {
        // Per neighbour: fewest prepends, whether every such session is
        // NO_EXPORT, and their cities.
        let mut best: FxHashMap<AsIdx, (u32, bool, Vec<CityId>)> = FxHashMap::default();
        for (nb, city, prepend, no_export) in sessions {
            let e = best.entry(nb).or_insert((prepend, true, Vec::new()));
            if prepend < e.0 {
                *e = (prepend, true, Vec::new());
            }
            if prepend == e.0 {
                e.1 &= no_export;
                e.2.push(city);
            }
        }
        let mut nbs: Vec<AsIdx> = best.keys().copied().collect();
        nbs.sort_unstable();
        let g = &world.graph;
        let policy = OriginPolicy {
            asn: g.asn(world.cdn),
            prepend: 0,
            // Every neighbour: `All`, the same set without a per-neighbour
            // membership test when compiling (the CDN may have ~50k sessions).
            announce_to: if nbs.len() == g.degree(world.cdn) {
                AnnounceTo::All
            } else {
                AnnounceTo::Only(nbs.iter().map(|&a| g.asn(a)).collect())
            },
            no_export: false,
            neighbours: nbs
                .iter()
                .filter(|a| best[a].0 > 0 || best[a].1)
                .map(|&a| NeighbourOverride {
                    neighbour: g.asn(a),
                    prepend: (best[&a].0 > 0).then(|| best[&a].0.min(u8::MAX as u32) as u8),
                    no_export: best[&a].1.then_some(true),
                    local_pref: None,
                })
                .collect(),
        };
        let entry_cities = best
            .into_iter()
            .map(|(a, (_, _, mut c))| {
                c.sort_unstable();
                c.dedup();
                (a, c)
            })
            .collect();
        Prefix {
            announcement: Announcement {
                origins: vec![policy],
                import_local_pref: Vec::new(),
            },
            entry_cities,
        }
    }

    /// The anycast prefix: every PoP announces to the neighbours its
    /// `announce` setting allows, with its prepends.
    pub fn anycast(world: &World, cfg: &RunConfig) -> Prefix {
        let mut sessions = Vec::new();
        for (p, s) in cfg.pops.iter().zip(&world.pops) {
            let no_export = s.host.is_some();
            let chosen = s.announced(&p.announce, &world.graph);
            sessions.extend(chosen.map(|nb| (nb, s.city, p.prepend, no_export)));
        }
        Prefix::from_sessions(world, sessions)
    }

    /// The unicast prefix of PoP `i`: announced at that PoP only, to all its
    /// neighbours, without prepending.
    pub fn unicast(world: &World, i: usize) -> Prefix {
        let s = &world.pops[i];
        let sessions = s
            .transit
            .iter()
            .chain(&s.peers)
            .map(|&nb| (nb, s.city, 0, false))
            .collect();
        Prefix::from_sessions(world, sessions)
    }
}
