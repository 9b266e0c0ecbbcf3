//! Catchments: which PoP answers each client group, by which path, at what
//! RTT, beside the geographically nearest PoP and the best unicast PoP.
//!
//! The anycast prefix and each PoP's unicast prefix are solved with the
//! same machinery ([`crate::bgp::solve`], then per-router hot-potato egress
//! and data-plane following from the group's access router). A group's RTT
//! on a path is twice the one-way sum of: the access segment (group city to
//! its access router, as a point-to-point path) and one segment per AS
//! crossed (entry to exit city, one hop each).

use super::World;
use super::prefix::Prefix;
use crate::bgp::egress::{DataPath, Interconnects, follow};
use crate::bgp::{Routes, SolveOptions, TieBreak, solve};
use crate::error::Error;
use crate::geo::CityId;
use crate::scenario::RunConfig;
use crate::time::SimDuration;
use crate::topology::{AsIdx, Asn, Geography};
use rustc_hash::FxHashMap;

/// The geography as one prefix sees it: links to the CDN exist only in
/// the cities where that prefix is announced to the neighbour.
pub struct PrefixView<'a> {
    pub geo: &'a Geography,
    pub cdn: AsIdx,
    pub entry: &'a FxHashMap<AsIdx, Vec<CityId>>,
}

impl Interconnects for PrefixView<'_> {
    fn cities(&self, a: AsIdx, b: AsIdx) -> &[CityId] {
        let other = if a == self.cdn {
            b
        } else if b == self.cdn {
            a
        } else {
            return self.geo.interconnections(a, b);
        };
        self.entry.get(&other).map_or(&[], Vec::as_slice)
    }
}

/// One group's path to one prefix.
#[derive(Clone, Debug)]
pub struct PathTo {
    /// The PoP that answers (None: no route, or traffic did not reach a PoP).
    pub pop: Option<usize>,
    pub rtt: SimDuration,
    /// AS path from the access AS to the CDN.
    pub as_path: Vec<Asn>,
    pub data: Option<DataPath>,
}

/// Catchment of every client group.
#[derive(Clone, Debug)]
pub struct Catchments {
    /// Per group: its anycast path.
    pub anycast: Vec<PathTo>,
    /// Per group, per PoP: RTT over that PoP's unicast prefix (None: no route).
    pub unicast_rtt: Vec<Vec<Option<SimDuration>>>,
}

/// The tie-break used by scenario runs: router-id-like (not correlated with
/// ASNs), seeded by the world's placement seed so it is stable across
/// scenario seeds.
pub fn tiebreak() -> TieBreak {
    TieBreak::RouterId {
        seed: super::WORLD_PLACEMENT_SEED,
    }
}

/// Solves one prefix of the CDN over the world.
pub fn solve_prefix(world: &World, prefix: &Prefix) -> Result<Routes, Error> {
    let opts = SolveOptions {
        tiebreak: tiebreak(),
        ..SolveOptions::default()
    };
    Ok(solve(&world.graph, &prefix.announcement, &opts)?)
}

fn paths(world: &World, cfg: &RunConfig, prefix: &Prefix) -> Result<Vec<PathTo>, Error> {
    let routes = solve_prefix(world, prefix)?;
    let view = PrefixView {
        geo: &world.geo,
        cdn: world.cdn,
        entry: &prefix.entry_cities,
    };
    let pop_at: FxHashMap<CityId, usize> = cfg
        .pops
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.city, i))
        .collect();
    Ok(world
        .access
        .iter()
        .map(|a| {
            let data = follow(
                &world.graph,
                &routes,
                &view,
                &cfg.cities,
                &cfg.latency,
                a.asn,
                a.router_city,
            );
            let access_ms = cfg.latency.one_way_direct_ms(a.access_km);
            match data {
                Some(d) if d.origin == world.cdn => PathTo {
                    pop: pop_at.get(&d.site).copied(),
                    rtt: SimDuration::from_millis_f64(2.0 * (access_ms + d.one_way_ms)),
                    as_path: d.hops.iter().map(|h| world.graph.asn(h.asn)).collect(),
                    data: Some(d),
                },
                _ => PathTo {
                    pop: None,
                    rtt: SimDuration::ZERO,
                    as_path: Vec::new(),
                    data: None,
                },
            }
        })
        .collect())
}

/// Solves the anycast prefix and every PoP's unicast prefix.
pub fn compute(world: &World, cfg: &RunConfig) -> Result<Catchments, Error> {
    let anycast = paths(world, cfg, &Prefix::anycast(world, cfg))?;
    // Per PoP, then transposed to per group.
    let per_pop = (0..cfg.pops.len())
        .map(|p| {
            let paths = paths(world, cfg, &Prefix::unicast(world, p))?;
            Ok(paths
                .into_iter()
                .map(|path| (path.pop == Some(p)).then_some(path.rtt))
                .collect())
        })
        .collect::<Result<Vec<Vec<Option<SimDuration>>>, Error>>()?;
    let unicast_rtt = (0..world.access.len())
        .map(|g| per_pop.iter().map(|col| col[g]).collect())
        .collect();
    Ok(Catchments {
        anycast,
        unicast_rtt,
    })
}
