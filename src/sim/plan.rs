//! Steering plans: which PoP each client group uses and the path RTT to it.
//!
//! - `nearest`: the geographically nearest PoP over a point-to-point path
//!   (an oracle baseline, no routing);
//! - `anycast`: the PoP whose catchment the group falls in, by BGP over the
//!   scenario's world ([`crate::world::catchment`]).
//!
//! With a world, every plan also carries the best unicast PoP (lowest RTT
//! over the PoPs' unicast prefixes), so "anycast minus best unicast" can be
//! reported whatever the steering.

use crate::error::{Error, InputError};
use crate::geo::CityId;
use crate::scenario::RunConfig;
use crate::scenario::raw::Steering;
use crate::time::SimDuration;
use crate::topology::Asn;
use crate::world::{self, World, catchment::Catchments};

/// Static routing facts per client group.
#[derive(Clone, Debug)]
pub struct GroupRoute {
    pub city: CityId,
    /// The PoP steering sends the group to.
    pub pop: usize,
    /// Great-circle distance from the group's city to that PoP [km].
    pub distance_km: f64,
    /// Path RTT to that PoP (before per-request access delay and jitter).
    pub rtt: SimDuration,
    /// The group's access AS (with a world).
    pub access_asn: Option<Asn>,
    /// AS path to the PoP (with a world and anycast steering).
    pub as_path: Vec<Asn>,
    /// The geographically nearest PoP and its distance [km].
    pub nearest_pop: usize,
    pub nearest_km: f64,
    /// The PoP with the lowest unicast RTT and that RTT (with a world).
    pub best_unicast: Option<(usize, SimDuration)>,
}

/// The CSV cells of a route that other rows share (clients.csv,
/// catchments.csv): empty strings where not applicable.
pub struct RouteCells<'a> {
    /// AS path, space-separated ASNs.
    pub as_path: String,
    pub best_unicast_pop: &'a str,
    pub best_unicast_rtt_ms: String,
    /// Path RTT minus the best unicast RTT [ms].
    pub minus_best_unicast_ms: String,
}

impl GroupRoute {
    pub fn cells<'a>(&self, cfg: &'a RunConfig) -> RouteCells<'a> {
        let ms = |d: SimDuration| crate::output::round(d.as_millis_f64(), 3);
        RouteCells {
            as_path: self
                .as_path
                .iter()
                .map(|a| a.0.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            best_unicast_pop: self
                .best_unicast
                .map_or("", |(p, _)| cfg.pops[p].name.as_str()),
            best_unicast_rtt_ms: self
                .best_unicast
                .map_or(String::new(), |(_, d)| ms(d).to_string()),
            minus_best_unicast_ms: self.best_unicast.map_or(String::new(), |(_, d)| {
                crate::output::round(self.rtt.as_millis_f64() - d.as_millis_f64(), 3).to_string()
            }),
        }
    }
}

fn nearest(cfg: &RunConfig, city: CityId) -> (usize, f64) {
    let here = cfg.cities.get(city).loc;
    cfg.pops
        .iter()
        .enumerate()
        .map(|(i, p)| (i, here.distance_km(cfg.cities.get(p.city).loc)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .expect("validated: at least one PoP")
}

/// The world and its catchments, when the scenario has a world.
pub struct Routed {
    pub world: World,
    pub catchments: Catchments,
}

/// Builds the world (if any) and the steering plan of every group.
pub fn plan(
    cfg: &RunConfig,
    locate: &dyn Fn(&str, String) -> InputError,
) -> Result<(Vec<GroupRoute>, Option<Routed>), Error> {
    let routed = match &cfg.world {
        Some(_) => {
            let w = world::build(cfg, locate)?;
            let c = world::catchment::compute(&w, cfg)?;
            Some(Routed {
                world: w,
                catchments: c,
            })
        }
        None => None,
    };
    let mut out = Vec::with_capacity(cfg.groups.len());
    // Groups share cities (a million /24s in ~1,200 cities): one search
    // over the PoPs per city.
    let mut near: rustc_hash::FxHashMap<CityId, (usize, f64)> = Default::default();
    for (i, g) in cfg.groups.iter().enumerate() {
        let (nearest_pop, nearest_km) = *near.entry(g.city).or_insert_with(|| nearest(cfg, g.city));
        let here = cfg.cities.get(g.city).loc;
        let best_unicast = routed.as_ref().and_then(|r| r.catchments.best_unicast[i]);
        let access_asn = routed
            .as_ref()
            .map(|r| r.world.graph.asn(r.world.access[i].asn));
        let route = match cfg.steering {
            Steering::Nearest => GroupRoute {
                city: g.city,
                pop: nearest_pop,
                distance_km: nearest_km,
                rtt: cfg
                    .latency
                    .rtt_direct(here, cfg.cities.get(cfg.pops[nearest_pop].city).loc),
                access_asn,
                as_path: Vec::new(),
                nearest_pop,
                nearest_km,
                best_unicast,
            },
            // DNS modes: the anycast route is the group's default here;
            // what DNS steering does per request is in dns::Steerer.
            Steering::Anycast
            | Steering::Geo
            | Steering::LatencyMap
            | Steering::LoadAware
            | Steering::Hybrid
            | Steering::Explicit => {
                let r = routed.as_ref().expect("validated: anycast has a world");
                let path = &r.catchments.anycast[i];
                let pop = path.pop.ok_or_else(|| {
                    locate(
                        &format!("clients.groups[{i}]"),
                        format!(
                            "the group in {} (access {}) has no route to the CDN's anycast prefix; check the PoPs' announce settings and neighbours",
                            cfg.cities.get(g.city).name,
                            access_asn.map_or("?".into(), |a| a.to_string())
                        ),
                    )
                })?;
                GroupRoute {
                    city: g.city,
                    pop,
                    distance_km: here.distance_km(cfg.cities.get(cfg.pops[pop].city).loc),
                    rtt: path.rtt,
                    access_asn,
                    as_path: path.as_path.clone(),
                    nearest_pop,
                    nearest_km,
                    best_unicast,
                }
            }
        };
        out.push(route);
    }
    Ok((out, routed))
}
