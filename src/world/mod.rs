//! The AS-level world of a scenario: the topology with the CDN's AS attached
//! at its PoPs, the geography, and the access AS of every client group.
//!
//! # How the CDN connects
//!
//! The CDN is one AS (`cdn.asn`) with a router in every PoP city. At each
//! PoP it has *sessions* with neighbour ASes:
//! - transit providers: listed per PoP, or by default the
//!   `cdn.transit_per_pop` ASes present in the PoP's city that have the
//!   largest customer cones (ASes with customers only). When fewer are
//!   present, the nearest such ASes are used and get a router in the PoP
//!   city (transit providers extend to their customers' sites);
//! - peers: listed per PoP, or by default (`cdn.peering = "ixp"`) every AS
//!   present in the PoP's city that is not a Tier-1 (clique) AS and is not a
//!   transit provider of the CDN: open peering at the local exchange.
//!
//! A business relationship is per AS pair, as in the AS-relationship data:
//! an AS that is a transit provider at any PoP is the CDN's provider
//! everywhere it meets it. The link's interconnection cities are the PoP
//! cities where the two have a session.
//!
//! A PoP may instead be *hosted* in another AS (`cdn.pops[].host`, like an
//! embedded cache): its servers sit in the host's network in the PoP's
//! city, and its only session is with the host there. The host is a
//! transit provider of the CDN (so it may not be a peer at another PoP);
//! the anycast prefix is sent to it with NO_EXPORT at that session, so the
//! host's routers use it but do not pass it on. When the host has no
//! router in the PoP's city it gets one.
//!
//! # Clients
//!
//! A client group sits in a city and reaches the Internet through an access
//! AS: the one it names, or by default a stub AS (no customers, with a
//! route to the CDN announcing to all its neighbours) present in the
//! city, drawn with the stream
//! `world/access/<group>`; when no stub is there, any AS present; when none is, the AS with a router nearest to the
//! city. The group's traffic enters that AS at its router nearest to the
//! group's city (`access_km` away).

pub mod catchment;
pub mod churn;
pub mod dynamic;
pub mod prefix;

use crate::error::{Error, InputError};
use crate::geo::CityId;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::raw::{Announce, Peering};
use crate::topology::{AsGraph, AsGraphBuilder, AsIdx, Asn, Geography, LinkRel, caida};
use rand::RngExt;
use rustc_hash::FxHashMap;

/// Seed of the heuristic placement of ASes that the geography file leaves
/// out: fixed, so replications over the scenario seed share one world.
pub const WORLD_PLACEMENT_SEED: u64 = 1;

/// The CDN's sessions at one PoP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopSessions {
    pub city: CityId,
    pub transit: Vec<AsIdx>,
    pub peers: Vec<AsIdx>,
    /// The AS hosting this PoP (then `transit == [host]`, `peers` empty,
    /// and the anycast session carries NO_EXPORT).
    pub host: Option<AsIdx>,
}

impl PopSessions {
    /// The neighbours hearing this PoP's anycast announcement under
    /// `announce`: its transit providers, then its peers, as selected.
    pub fn announced<'a>(
        &'a self,
        announce: &'a Announce,
        graph: &'a AsGraph,
    ) -> impl Iterator<Item = AsIdx> + 'a {
        let transit = self.transit.iter().map(|&a| (a, true));
        let peers = self.peers.iter().map(|&a| (a, false));
        transit
            .chain(peers)
            .filter(move |&(a, t)| announce.selects(graph.asn(a).0, t))
            .map(|(a, _)| a)
    }

    /// Checks that every ASN an `announce` list names is one of this PoP's
    /// neighbours (the message says which are).
    pub fn check_announce(&self, announce: &Announce, graph: &AsGraph) -> Result<(), String> {
        let Announce::Only(list) = announce else {
            return Ok(());
        };
        let nbs: Vec<u32> = self
            .transit
            .iter()
            .chain(&self.peers)
            .map(|&a| graph.asn(a).0)
            .collect();
        match list.iter().find(|asn| !nbs.contains(asn)) {
            None => Ok(()),
            Some(asn) => {
                const SHOWN: usize = 12;
                let mut shown: Vec<String> =
                    nbs.iter().take(SHOWN).map(|a| a.to_string()).collect();
                if nbs.len() > SHOWN {
                    shown.push(format!("... ({} in all)", nbs.len()));
                }
                Err(format!(
                    "AS{asn} is not a neighbour of this PoP; its transit providers and peers are [{}]",
                    shown.join(", ")
                ))
            }
        }
    }
}

/// Where a client group enters the AS graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Access {
    pub asn: AsIdx,
    /// The access AS's router the group's traffic enters at.
    pub router_city: CityId,
    /// Great-circle distance from the group's city to that router [km].
    pub access_km: f64,
}

/// The built world.
pub struct World {
    pub graph: AsGraph,
    pub geo: Geography,
    pub cdn: AsIdx,
    pub pops: Vec<PopSessions>,
    pub access: Vec<Access>,
    /// Load and placement warnings, for the run's notes.
    pub warnings: Vec<String>,
}

/// Builds the world of an `anycast` (or any BGP-routed) scenario.
pub fn build(cfg: &RunConfig, locate: &dyn Fn(&str, String) -> InputError) -> Result<World, Error> {
    let wcfg = cfg
        .world
        .as_ref()
        .ok_or_else(|| locate("world", "an AS-level world is required".into()))?;
    let (g0, report) = caida::load(&wcfg.topology)?;
    // A provider-customer cycle makes "customer route" and customer cones
    // (which choose transit providers) meaningless, and real inferred
    // topologies have none: refuse rather than route on it quietly.
    // `topology info` still loads such a file and lists the cycles.
    if let Some(c) = report.p2c_cycles.first() {
        let names: Vec<String> = c.iter().take(6).map(|a| a.0.to_string()).collect();
        return Err(InputError::new(
            wcfg.topology.display().to_string(),
            "",
            format!(
                "{} provider-customer cycle(s), e.g. {{{}{}}}: a provider-to-customer relation must be acyclic for valley-free routing (run `cdnsim topology info` on it to list them)",
                report.p2c_cycles.len(),
                names.join(" "),
                if c.len() > 6 { " ..." } else { "" }
            ),
        )
        .into());
    }
    let mut warnings = report.warnings();
    let streams = Streams::new(WORLD_PLACEMENT_SEED);
    let geo0 = match &wcfg.geography {
        Some(p) => Geography::load(p, &g0, &cfg.cities, &streams)?.0,
        None => Geography::place(&g0, &cfg.cities, &streams),
    };
    let cdn_asn = Asn(cfg.cdn_asn);
    if g0.idx(cdn_asn).is_some() {
        return Err(locate(
            "cdn.asn",
            format!("{cdn_asn} is already in the topology; choose an unused AS number (attaching PoPs to an existing AS is not supported yet)"),
        )
        .into());
    }

    // Who is present in each city (ASes in index order).
    let mut present: FxHashMap<CityId, Vec<AsIdx>> = FxHashMap::default();
    for a in g0.indices() {
        for &c in geo0.footprint(a) {
            present.entry(c).or_default().push(a);
        }
    }
    let cones = crate::topology::stats::customer_cone_sizes(&g0);
    let clique: Vec<AsIdx> = g0.clique.iter().filter_map(|&a| g0.idx(a)).collect();
    let lookup = |path: String, asn: u32| -> Result<AsIdx, Error> {
        g0.idx(Asn(asn)).ok_or_else(|| {
            locate(
                &path,
                format!("AS{asn} is not in the topology {}", wcfg.topology.display()),
            )
            .into()
        })
    };

    // Transit providers per PoP, and footprint extensions they need.
    let mut extra_city: Vec<(AsIdx, CityId)> = Vec::new();
    let mut transit: Vec<Vec<AsIdx>> = Vec::new();
    for (i, p) in cfg.pops.iter().enumerate() {
        if let Some(h) = p.host {
            let a = lookup(format!("cdn.pops[{i}].host"), h)?;
            if !geo0.footprint(a).contains(&p.city) {
                extra_city.push((a, p.city));
            }
            transit.push(vec![a]);
            continue;
        }
        let chosen = match &p.transit {
            Some(list) => list
                .iter()
                .map(|&a| lookup(format!("cdn.pops[{i}].transit"), a))
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                let k = cfg.transit_per_pop as usize;
                let here = present.get(&p.city).map(Vec::as_slice).unwrap_or(&[]);
                let mut local: Vec<AsIdx> = here
                    .iter()
                    .copied()
                    .filter(|&a| !g0.customers(a).is_empty())
                    .collect();
                local.sort_by_key(|&a| (std::cmp::Reverse(cones[a.ix()]), g0.asn(a)));
                local.truncate(k);
                if local.len() < k {
                    let loc = cfg.cities.get(p.city).loc;
                    let mut far: Vec<(f64, AsIdx)> = g0
                        .indices()
                        .filter(|&a| !g0.customers(a).is_empty() && !local.contains(&a))
                        .map(|a| {
                            let d = geo0
                                .footprint(a)
                                .iter()
                                .map(|&c| loc.distance_km(cfg.cities.get(c).loc))
                                .fold(f64::INFINITY, f64::min);
                            (d, a)
                        })
                        .collect();
                    far.sort_by(|x, y| x.0.total_cmp(&y.0).then(g0.asn(x.1).cmp(&g0.asn(y.1))));
                    for (_, a) in far.into_iter().take(k - local.len()) {
                        extra_city.push((a, p.city));
                        local.push(a);
                    }
                }
                local
            }
        };
        transit.push(chosen);
    }
    let providers: Vec<AsIdx> = {
        let mut v: Vec<AsIdx> = transit.iter().flatten().copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut peers: Vec<Vec<AsIdx>> = Vec::new();
    for (i, p) in cfg.pops.iter().enumerate() {
        let chosen = match &p.peers {
            Some(list) => {
                let v = list
                    .iter()
                    .map(|&a| lookup(format!("cdn.pops[{i}].peers"), a))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(a) = v.iter().find(|a| providers.binary_search(a).is_ok()) {
                    let why = match cfg.pops.iter().position(|q| q.host == Some(g0.asn(*a).0)) {
                        Some(j) => format!(
                            "hosts PoP {:?} (cdn.pops[{j}].host), which makes it a transit provider of the CDN",
                            cfg.pops[j].name
                        ),
                        None => "is a transit provider of the CDN at another PoP".into(),
                    };
                    return Err(locate(
                        &format!("cdn.pops[{i}].peers"),
                        format!(
                            "{} {why}; a relationship is per AS pair, so it cannot also be a peer",
                            g0.asn(*a)
                        ),
                    )
                    .into());
                }
                v
            }
            None if p.host.is_some() => Vec::new(),
            None if cfg.peering == Peering::Ixp => present
                .get(&p.city)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|a| !clique.contains(a) && providers.binary_search(a).is_err())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        peers.push(chosen);
    }

    // The new graph: the topology plus the CDN's links.
    let mut b = AsGraphBuilder::new();
    for (x, y, rel) in g0.links() {
        b.add_link(g0.asn(x), g0.asn(y), rel);
    }
    for a in g0.indices() {
        b.add_as(g0.asn(a));
    }
    b.add_as(cdn_asn);
    let mut link_cities: FxHashMap<AsIdx, Vec<CityId>> = FxHashMap::default();
    for (i, p) in cfg.pops.iter().enumerate() {
        for &a in transit[i].iter().chain(&peers[i]) {
            link_cities.entry(a).or_default().push(p.city);
        }
    }
    let mut neighbours: Vec<AsIdx> = link_cities.keys().copied().collect();
    neighbours.sort_unstable();
    for &a in &neighbours {
        let rel = if providers.binary_search(&a).is_ok() {
            LinkRel::ProviderToCustomer
        } else {
            LinkRel::Peer
        };
        match rel {
            LinkRel::ProviderToCustomer => b.add_link(g0.asn(a), cdn_asn, rel),
            _ => b.add_link(cdn_asn, g0.asn(a), rel),
        }
    }
    b.set_clique(g0.clique.clone());
    let (graph, _) = b.build();
    let remap = |a: AsIdx| {
        graph
            .idx(g0.asn(a))
            .expect("every old AS is in the new graph")
    };
    let cdn = graph.idx(cdn_asn).expect("added");

    let mut footprints: Vec<Vec<CityId>> = vec![Vec::new(); graph.len()];
    for a in g0.indices() {
        footprints[remap(a).ix()] = geo0.footprint(a).to_vec();
    }
    for &(a, c) in &extra_city {
        footprints[remap(a).ix()].push(c);
    }
    footprints[cdn.ix()] = cfg.pops.iter().map(|p| p.city).collect();
    let mut explicit: FxHashMap<(AsIdx, AsIdx), Vec<CityId>> = FxHashMap::default();
    for (x, y, _) in g0.links() {
        explicit.insert((remap(x), remap(y)), geo0.interconnections(x, y).to_vec());
    }
    for (&a, cities) in &link_cities {
        explicit.insert((cdn, remap(a)), cities.clone());
    }
    let geo = Geography::from_parts(&graph, &cfg.cities, footprints, &explicit);

    let pops = cfg
        .pops
        .iter()
        .enumerate()
        .map(|(i, p)| PopSessions {
            city: p.city,
            transit: transit[i].iter().map(|&a| remap(a)).collect(),
            peers: peers[i].iter().map(|&a| remap(a)).collect(),
            host: p.host.map(|_| remap(transit[i][0])),
        })
        .collect::<Vec<_>>();
    for (i, p) in pops.iter().enumerate() {
        p.check_announce(&cfg.pops[i].announce, &graph)
            .map_err(|m| locate(&format!("cdn.pops[{i}].announce"), m))?;
        if p.transit.is_empty() && p.peers.is_empty() {
            warnings.push(format!(
                "PoP {} has no neighbours: it cannot announce anything",
                cfg.pops[i].name
            ));
        }
    }

    // Client access. A drawn access AS must have a route to the CDN when
    // it announces to every neighbour: some CAIDA stubs (isolated, peers
    // only, or behind a disconnected provider) have none, and clients
    // there would never reach any CDN.
    let routed = if cfg.groups.iter().any(|g| g.asn.is_none()) {
        let ann = crate::bgp::Announcement::from_origins([cdn_asn]);
        crate::bgp::solve(&graph, &ann, &crate::bgp::SolveOptions::default()).ok()
    } else {
        None
    };
    let reaches_cdn = |a: AsIdx| routed.as_ref().is_none_or(|r| r.route(a).is_some());
    let mut access = Vec::with_capacity(cfg.groups.len());
    let group_streams = Streams::new(cfg.seed);
    for (i, g) in cfg.groups.iter().enumerate() {
        let loc = cfg.cities.get(g.city).loc;
        let asn = match g.asn {
            Some(a) => graph.idx(Asn(a)).filter(|&x| x != cdn).ok_or_else(|| {
                locate(
                    &format!("clients.groups[{i}].asn"),
                    format!("AS{a} is not in the topology {}", wcfg.topology.display()),
                )
            })?,
            None => {
                let here: Vec<AsIdx> = present
                    .get(&g.city)
                    .map(|v| v.iter().map(|&a| remap(a)).collect())
                    .unwrap_or_default();
                let stubs: Vec<AsIdx> = here
                    .iter()
                    .copied()
                    .filter(|&a| graph.customers(a).is_empty() && reaches_cdn(a))
                    .collect();
                let pool = if !stubs.is_empty() { stubs } else { here };
                if pool.is_empty() {
                    graph
                        .indices()
                        .filter(|&a| a != cdn)
                        .map(|a| {
                            (
                                geo.footprint(a)
                                    .iter()
                                    .map(|&c| loc.distance_km(cfg.cities.get(c).loc))
                                    .fold(f64::INFINITY, f64::min),
                                a,
                            )
                        })
                        .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
                        .map(|(_, a)| a)
                        .ok_or_else(|| {
                            Error::Runtime("the topology has no AS for clients".into())
                        })?
                } else {
                    let mut rng = group_streams.stream(&format!("world/access/{i}"));
                    pool[rng.random_range(0..pool.len())]
                }
            }
        };
        let (router_city, access_km) = geo
            .footprint(asn)
            .iter()
            .map(|&c| (c, loc.distance_km(cfg.cities.get(c).loc)))
            .min_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)))
            .expect("footprints are never empty");
        access.push(Access {
            asn,
            router_city,
            access_km,
        });
    }

    Ok(World {
        graph,
        geo,
        cdn,
        pops,
        access,
        warnings,
    })
}
