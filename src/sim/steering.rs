//! Builds the DNS steering of a run ([`crate::dns::Steerer`]) from the
//! validated configuration, the static plan and the world:
//!
//! - **who resolves**: groups are put on public resolvers in a seeded
//!   random order until `dns.public_share` of the demand is; the others
//!   use their ISP's resolver. An ISP resolver is run by the group's
//!   access AS at a distance drawn (per access AS and group city, stream
//!   `dns/isp/<asn>/<city>`) from the lognormal fitted to Chen et al.
//!   2015, placed at the city of the table whose distance from the group's
//!   city is nearest that draw; groups of the same AS and city share it
//!   (and its cache). Client-resolver RTT is point to point.
//! - **public resolvers** are an anycast service of their own: a second AS
//!   (`dns.public_asn`) attached at `dns.public_sites` with the same
//!   machinery as the CDN (transit by customer cone, open peering); a
//!   group's site is its BGP catchment, its RTT the path RTT;
//! - **the authoritative** is reached from a resolver at its nearest site
//!   (`dns.authoritative`), point to point.

use super::{GroupRoute, plan::Routed};
use crate::dns::{self, GroupView, Params, ResolverView, Steerer, authoritative::Policy};
use crate::error::{Error, InputError};
use crate::geo::{CityId, LatLon};
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::raw::{Announce, Steering};
use crate::scenario::validate::PopConfig;
use crate::time::{SimDuration, SimTime};
use rand::seq::SliceRandom;
use rand_distr::{Distribution, LogNormal};
use std::collections::BTreeMap;

/// Who resolves for each group (computed once, shared by every mode).
#[derive(Clone, Debug)]
pub struct Resolution {
    pub resolvers: Vec<ResolverView>,
    /// Per group: resolver index and client-resolver RTT.
    pub of_group: Vec<(usize, SimDuration)>,
    /// Warnings for the run's notes.
    pub warnings: Vec<String>,
}

fn noise(cfg: &RunConfig) -> dns::steer::Noise {
    dns::steer::Noise {
        rng: Streams::new(cfg.seed).stream("dns/beacons"),
        access: cfg.latency.access_distribution(),
        jitter: cfg.latency.jitter_distribution(),
    }
}

/// The steering of a run in mode `cfg.steering`: the static plan when the
/// scenario models no DNS, else resolvers and the authoritative.
pub fn steerer(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    routed: Option<&Routed>,
    who: Option<&Resolution>,
) -> Steerer {
    let loc = |c: CityId| cfg.cities.get(c).loc;
    let pop_locs: Vec<LatLon> = cfg.pops.iter().map(|p| loc(p.city)).collect();
    let (Some(d), Some(who)) = (&cfg.dns, who) else {
        let fixed: Vec<(usize, SimDuration)> = routes.iter().map(|r| (r.pop, r.rtt)).collect();
        return Steerer::fixed(&fixed, pop_locs, noise(cfg));
    };
    // Where the authoritative locates each ECS subnet: its first group.
    let mut subnet_loc: BTreeMap<(u8, u32), LatLon> = BTreeMap::new();
    let groups = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let here = loc(r.city);
            let (res, to_resolver) = who.of_group[i];
            let ecs = who.resolvers[res].ecs;
            let ecs_loc = *subnet_loc
                .entry((ecs, dns::ecs_scope(i as u32, ecs)))
                .or_insert(here);
            let unicast = (0..cfg.pops.len())
                .map(|p| {
                    routed
                        .and_then(|x| x.catchments.unicast_rtt[i][p])
                        .unwrap_or_else(|| cfg.latency.rtt_direct(here, pop_locs[p]))
                })
                .collect();
            let anycast = match routed {
                Some(x) => {
                    let a = &x.catchments.anycast[i];
                    a.pop.map(|p| (p, a.rtt))
                }
                None => Some((r.pop, r.rtt)),
            };
            GroupView {
                loc: here,
                subnet: i as u32,
                resolver: res,
                to_resolver,
                anycast,
                unicast,
                nearest: (
                    r.nearest_pop,
                    cfg.latency.rtt_direct(here, pop_locs[r.nearest_pop]),
                ),
                ecs_loc,
            }
        })
        .collect();
    let p = Params {
        policy: Policy {
            mode: cfg.steering,
            pops: pop_locs,
            ttl: d.ttl,
            window: d.window,
            min_samples: d.hybrid_min_samples,
            capacity: cfg
                .pops
                .iter()
                .map(|p| p.capacity.unwrap_or(f64::INFINITY))
                .collect(),
            threshold: d.load_threshold,
        },
        dns: cfg.steering != Steering::Nearest && cfg.steering != Steering::Explicit,
        beacon_share: d.beacon_share,
        explicit_candidates: d.explicit_candidates as usize,
        warmup: SimTime::ZERO + cfg.warmup,
    };
    Steerer::new(p, groups, who.resolvers.clone(), noise(cfg))
}

/// Assigns resolvers to groups (None when the scenario models no DNS).
pub fn resolution(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    routed: Option<&Routed>,
    locate: &dyn Fn(&str, String) -> InputError,
) -> Result<Option<Resolution>, Error> {
    let Some(d) = &cfg.dns else {
        return Ok(None);
    };
    let streams = Streams::new(cfg.seed);
    let loc = |c: CityId| cfg.cities.get(c).loc;
    let mut warnings = Vec::new();
    // Public resolver users: a seeded order, filled up to the share.
    let mut order: Vec<usize> = (0..cfg.groups.len()).collect();
    order.shuffle(&mut streams.stream("dns/public"));
    let mut public = vec![false; cfg.groups.len()];
    let mut acc = 0.0;
    for &i in &order {
        let w = cfg.groups[i].share;
        if acc + w / 2.0 <= d.public_share {
            public[i] = true;
            acc += w;
        }
    }
    // The public resolver's anycast catchments, over its own world.
    let public_paths: Option<Vec<(Option<usize>, SimDuration)>> = match routed {
        Some(r) if public.iter().any(|&p| p) => {
            let mut c2 = cfg.clone();
            c2.cdn_asn = d.public_asn;
            c2.pops = d
                .public_sites
                .iter()
                .enumerate()
                .map(|(i, &city)| PopConfig {
                    name: format!("resolver-{i}"),
                    city,
                    transit: None,
                    peers: None,
                    prepend: 0,
                    announce: Announce::All,
                    host: None,
                    capacity: None,
                })
                .collect();
            for (i, g) in c2.groups.iter_mut().enumerate() {
                g.asn = Some(r.world.graph.asn(r.world.access[i].asn).0);
            }
            let relocate = |path: &str, msg: String| {
                let path = match path {
                    "cdn.asn" => "dns.public_asn".to_string(),
                    p if p.starts_with("cdn.pops") => "dns.public_sites".to_string(),
                    p => p.to_string(),
                };
                locate(&path, msg)
            };
            let w2 = crate::world::build(&c2, &relocate)?;
            let paths = crate::world::catchment::compute(&w2, &c2)?;
            Some(paths.anycast.iter().map(|p| (p.pop, p.rtt)).collect())
        }
        _ => None,
    };
    let (mu, sigma) = d.isp_distance;
    let dist = LogNormal::new(mu, sigma).map_err(|e| Error::Runtime(format!("dns: {e}")))?;
    let mut index: BTreeMap<(bool, u32, u32), usize> = BTreeMap::new();
    let mut resolvers: Vec<ResolverView> = Vec::new();
    let mut of_group = Vec::with_capacity(cfg.groups.len());
    let to_auth = |l: LatLon| {
        d.authoritative
            .iter()
            .map(|&a| cfg.latency.rtt_direct(l, loc(a)))
            .min()
            .expect("validated: at least one authoritative site")
    };
    for (i, r) in routes.iter().enumerate() {
        let here = loc(r.city);
        let asn = r.access_asn.map_or(0, |a| a.0);
        let (key, rloc, rtt, name) = if public[i] {
            let (site, rtt) = match public_paths.as_ref().map(|v| v[i]) {
                Some((Some(s), rtt)) => (s, rtt),
                other => {
                    if other.is_some() {
                        warnings.push(format!(
                            "group {i} has no route to the public resolver's anycast prefix; it uses the nearest site"
                        ));
                    }
                    let s = (0..d.public_sites.len())
                        .min_by(|&a, &b| {
                            here.distance_km(loc(d.public_sites[a]))
                                .total_cmp(&here.distance_km(loc(d.public_sites[b])))
                        })
                        .expect("validated: at least one site");
                    (s, cfg.latency.rtt_direct(here, loc(d.public_sites[s])))
                }
            };
            let c = d.public_sites[site];
            (
                (true, 0, site as u32),
                loc(c),
                rtt,
                format!("public/{}", cfg.cities.get(c).name),
            )
        } else {
            let mut rng = streams.stream(&format!("dns/isp/{asn}/{}", r.city.0));
            let want = dist.sample(&mut rng);
            let (c, _) = cfg
                .cities
                .iter()
                .map(|(c, x)| (c, (here.distance_km(x.loc) - want).abs()))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .expect("the city table is not empty");
            (
                (false, asn, c.0),
                loc(c),
                cfg.latency.rtt_direct(here, loc(c)),
                format!("AS{asn}/{}", cfg.cities.get(c).name),
            )
        };
        let n = resolvers.len();
        let ix = *index.entry(key).or_insert(n);
        if ix == n {
            resolvers.push(ResolverView {
                name,
                public: key.0,
                loc: rloc,
                ecs: if key.0 { d.public_ecs } else { d.isp_ecs },
                to_auth: to_auth(rloc),
            });
        }
        of_group.push((ix, rtt));
    }
    Ok(Some(Resolution {
        resolvers,
        of_group,
        warnings,
    }))
}
