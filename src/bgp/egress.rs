//! Per-router egress (hot-potato) and data-plane paths.
//!
//! With full-mesh iBGP every router of an AS sees the same eBGP routes, so
//! the AS-level solver's class and path length hold for all of them; only
//! the next step of the decision process, hot-potato, differs per router: a
//! router in city `c` picks, among the neighbours whose route ties with the
//! AS's best on local-pref and AS-path length, the interconnection city
//! nearest to `c` (lowest internal distance), then the tie-break key, then
//! the lower city id.
//!
//! Following egress choices from a client's (AS, city) gives the data-plane
//! path: at each AS, the segment from the entry city to the exit
//! (interconnection) city; the next AS is entered at that city. The path
//! ends at an origin AS, which answers at the city where traffic enters it.
//!
//! Simplifications: the AS-level routes (what each AS announces and so the
//! AS paths others see) come from the AS-level tie-break; per-router choices
//! change only where traffic goes, never the announcements. The internal
//! distance is the great-circle distance between the two cities (the
//! latency model's stretch applies on top).

use super::decision::{Candidate, Step, compare};
use super::routes::Routes;
use crate::geo::{Cities, CityId, LatencyModel};
use crate::topology::{AsGraph, AsIdx, Geography};
use std::cmp::Ordering;

/// Where two linked ASes hand traffic over, as one routing computation
/// sees it. [`Geography`] gives every link's interconnection cities; a
/// prefix view can narrow the links to an origin to the cities where that
/// prefix is announced (see `world::prefix`).
pub trait Interconnects {
    /// Interconnection cities of linked ASes `a` and `b` (empty if none).
    fn cities(&self, a: AsIdx, b: AsIdx) -> &[CityId];
}

impl Interconnects for Geography {
    fn cities(&self, a: AsIdx, b: AsIdx) -> &[CityId] {
        self.interconnections(a, b)
    }
}

/// The egress a router picks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Egress {
    /// The neighbour AS traffic is handed to.
    pub neighbour: AsIdx,
    /// The interconnection city where it is handed over.
    pub city: CityId,
    /// Great-circle distance from the router's city to `city` \[km\].
    pub internal_km: f64,
    /// True when the router's choice differs from the AS-level next hop.
    pub differs_from_as_level: bool,
}

/// The equal-best neighbours of `at` (tied with its best route on
/// local-pref and AS-path length, not looping), with their tie-break keys.
pub fn equal_best(graph: &AsGraph, routes: &Routes, at: AsIdx) -> Vec<(AsIdx, u64)> {
    let Some(best) = routes.route(at) else {
        return Vec::new();
    };
    let Some(best_nb) = best.next_hop else {
        return Vec::new();
    };
    let mut best_c: Option<Candidate> = None;
    let mut offers = Vec::new();
    for (nb, rel) in graph.neighbours(at) {
        let Some(c) = routes.offer(graph, nb, at, rel) else {
            continue;
        };
        if nb == best_nb {
            best_c = Some(c);
        }
        offers.push((nb, c));
    }
    let Some(b) = best_c else {
        return Vec::new();
    };
    offers
        .into_iter()
        .filter(|(_, c)| matches!(compare(&b, c), (_, None) | (_, Some(Step::TieBreak))))
        // Loop check only on the few tied offers (it rebuilds a path).
        .filter(|(nb, _)| !routes.path(*nb).contains(&at))
        .map(|(nb, c)| (nb, c.key))
        .collect()
}

/// The egress of the router of `at` in `city` (None at an origin or without
/// a route).
pub fn egress(
    graph: &AsGraph,
    routes: &Routes,
    geo: &(impl Interconnects + ?Sized),
    cities: &Cities,
    at: AsIdx,
    city: CityId,
) -> Option<Egress> {
    let as_level = routes.route(at)?.next_hop?;
    egress_among(
        &equal_best(graph, routes, at),
        as_level,
        geo,
        cities,
        at,
        city,
    )
}

/// [`egress`] given `at`'s equal-best neighbours and AS-level next hop.
fn egress_among(
    tied: &[(AsIdx, u64)],
    as_level: AsIdx,
    geo: &(impl Interconnects + ?Sized),
    cities: &Cities,
    at: AsIdx,
    city: CityId,
) -> Option<Egress> {
    let here = cities.get(city).loc;
    let mut best: Option<(f64, u64, CityId, AsIdx)> = None;
    for &(nb, key) in tied {
        for &ic in geo.cities(at, nb) {
            let km = here.distance_km(cities.get(ic).loc);
            let cand = (km, key, ic, nb);
            let better = match &best {
                None => true,
                Some(b) => match cand.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal) {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => (cand.1, cand.2) < (b.1, b.2),
                },
            };
            if better {
                best = Some(cand);
            }
        }
    }
    let (internal_km, _, city, neighbour) = best?;
    Some(Egress {
        neighbour,
        city,
        internal_km,
        differs_from_as_level: neighbour != as_level,
    })
}

/// [`egress`] memoised for one set of routes: each AS's equal-best
/// neighbours are found once and each router's (AS, city) egress is
/// decided once, however many clients' paths cross it. Gives exactly what
/// [`egress`] gives.
pub struct EgressMemo<'a, G: Interconnects + ?Sized> {
    graph: &'a AsGraph,
    routes: &'a Routes,
    geo: &'a G,
    cities: &'a Cities,
    tied: Vec<Option<Vec<(AsIdx, u64)>>>,
    hop: rustc_hash::FxHashMap<(AsIdx, CityId), Option<Egress>>,
}

impl<'a, G: Interconnects + ?Sized> EgressMemo<'a, G> {
    pub fn new(graph: &'a AsGraph, routes: &'a Routes, geo: &'a G, cities: &'a Cities) -> Self {
        EgressMemo {
            graph,
            routes,
            geo,
            cities,
            tied: vec![None; graph.len()],
            hop: rustc_hash::FxHashMap::default(),
        }
    }

    /// The egress of the router of `at` in `city`, as [`egress`].
    pub fn egress(&mut self, at: AsIdx, city: CityId) -> Option<Egress> {
        if let Some(e) = self.hop.get(&(at, city)) {
            return *e;
        }
        let e = (|| {
            let as_level = self.routes.route(at)?.next_hop?;
            let tied =
                self.tied[at.ix()].get_or_insert_with(|| equal_best(self.graph, self.routes, at));
            egress_among(tied, as_level, self.geo, self.cities, at, city)
        })();
        self.hop.insert((at, city), e);
        e
    }

    /// The data-plane path from (`from`, `city`), as [`follow`].
    pub fn follow(&mut self, model: &LatencyModel, from: AsIdx, city: CityId) -> Option<DataPath> {
        let routes = self.routes;
        follow_by(routes, model, from, city, |at, entry| {
            self.egress(at, entry)
        })
    }
}

/// One AS crossed by a data-plane path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hop {
    pub asn: AsIdx,
    /// City where traffic enters this AS (the client's city for the first).
    pub entry: CityId,
    /// City where it leaves (= `entry` at the origin).
    pub exit: CityId,
    /// Entry to exit, great circle \[km\].
    pub km: f64,
    /// One-way latency of this segment, `LatencyModel::one_way_ms(km, 1)` \[ms\].
    pub ms: f64,
}

/// A client's data-plane path to the answering origin.
#[derive(Clone, Debug, PartialEq)]
pub struct DataPath {
    pub hops: Vec<Hop>,
    /// The origin AS that answers.
    pub origin: AsIdx,
    /// The city where the origin answers (where traffic enters it).
    pub site: CityId,
    /// Sum of segment distances \[km\].
    pub km: f64,
    /// Sum of segment latencies, one way \[ms\].
    pub one_way_ms: f64,
}

/// Follows per-router egress choices from the client's router (`from`,
/// `city`) to an origin. None if the client's AS has no route or a router
/// has no interconnection toward its equal-best neighbours.
pub fn follow(
    graph: &AsGraph,
    routes: &Routes,
    geo: &(impl Interconnects + ?Sized),
    cities: &Cities,
    model: &LatencyModel,
    from: AsIdx,
    city: CityId,
) -> Option<DataPath> {
    follow_by(routes, model, from, city, |at, entry| {
        egress(graph, routes, geo, cities, at, entry)
    })
}

/// [`follow`] with the egress of each router given by `egress_of`.
fn follow_by(
    routes: &Routes,
    model: &LatencyModel,
    from: AsIdx,
    city: CityId,
    mut egress_of: impl FnMut(AsIdx, CityId) -> Option<Egress>,
) -> Option<DataPath> {
    let mut hops = Vec::new();
    let (mut at, mut entry) = (from, city);
    // Each step goes to a neighbour whose path is strictly shorter.
    for _ in 0..=routes.route(from)?.path_len {
        let r = routes.route(at)?;
        if r.next_hop.is_none() {
            hops.push(Hop {
                asn: at,
                entry,
                exit: entry,
                km: 0.0,
                ms: model.one_way_ms(0.0, 1),
            });
            let km = hops.iter().map(|h| h.km).sum();
            let one_way_ms = hops.iter().map(|h| h.ms).sum();
            return Some(DataPath {
                hops,
                origin: at,
                site: entry,
                km,
                one_way_ms,
            });
        }
        let e = egress_of(at, entry)?;
        hops.push(Hop {
            asn: at,
            entry,
            exit: e.city,
            km: e.internal_km,
            ms: model.one_way_ms(e.internal_km, 1),
        });
        at = e.neighbour;
        entry = e.city;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::{Announcement, SolveOptions, solve};
    use crate::topology::{AsGraphBuilder, Asn, LinkRel};
    use rustc_hash::FxHashMap;

    /// Hot-potato: AS1 spans Frankfurt and Tokyo and peers with AS2 (in
    /// Frankfurt only) and AS3 (in Tokyo only); the anycast origins 20 and
    /// 30 are customers of 2 and 3. Both peer routes are 3 entries long.
    ///
    /// ```text
    ///          FRA          NRT
    ///   20 -- 2 ===== 1 ===== 3 -- 30
    ///   (cust)  peer    peer   (cust)
    /// ```
    /// The AS level picks AS2 (lower ASN); the Tokyo router exits in Tokyo
    /// to AS3 and reaches origin 30.
    #[test]
    fn hot_potato_picks_different_egresses_per_city() {
        let cities = Cities::embedded();
        let fra = cities.lookup("Frankfurt,DE").unwrap();
        let tyo = cities.lookup("Tokyo,JP").unwrap();
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::Peer);
        b.add_link(Asn(1), Asn(3), LinkRel::Peer);
        b.add_link(Asn(2), Asn(20), LinkRel::ProviderToCustomer);
        b.add_link(Asn(3), Asn(30), LinkRel::ProviderToCustomer);
        let (g, _) = b.build();
        let i = |a| g.idx(Asn(a)).unwrap();
        // Footprints in index order: 1, 2, 3, 20, 30.
        let fps = vec![vec![fra, tyo], vec![fra], vec![tyo], vec![fra], vec![tyo]];
        let geo = Geography::from_parts(&g, &cities, fps, &FxHashMap::default());
        let routes = solve(
            &g,
            &Announcement::from_origins([Asn(20), Asn(30)]),
            &SolveOptions::default(),
        )
        .unwrap();
        assert_eq!(routes.route(i(1)).unwrap().next_hop, Some(i(2)));
        let e_fra = egress(&g, &routes, &geo, &cities, i(1), fra).unwrap();
        let e_tyo = egress(&g, &routes, &geo, &cities, i(1), tyo).unwrap();
        assert_eq!(
            (e_fra.neighbour, e_fra.city, e_fra.differs_from_as_level),
            (i(2), fra, false)
        );
        assert_eq!(
            (e_tyo.neighbour, e_tyo.city, e_tyo.differs_from_as_level),
            (i(3), tyo, true)
        );
        let model = LatencyModel::default();
        let p = follow(&g, &routes, &geo, &cities, &model, i(1), tyo).unwrap();
        assert_eq!(p.origin, i(30));
        assert_eq!(
            p.hops.iter().map(|h| h.asn).collect::<Vec<_>>(),
            vec![i(1), i(3), i(30)]
        );
        assert_eq!(p.km, 0.0);
        assert!((p.one_way_ms - 3.0 * model.per_hop_ms).abs() < 1e-9);
        // The Frankfurt router of AS1 would reach 20 in Frankfurt.
        let p = follow(&g, &routes, &geo, &cities, &model, i(1), fra).unwrap();
        assert_eq!((p.origin, p.site), (i(20), fra));
    }

    /// A router far from every interconnection pays the internal distance:
    /// AS1 (Frankfurt + Tokyo) has one provider, AS2, met in Frankfurt only.
    #[test]
    fn internal_distance_is_paid_to_the_only_exit() {
        let cities = Cities::embedded();
        let fra = cities.lookup("Frankfurt,DE").unwrap();
        let tyo = cities.lookup("Tokyo,JP").unwrap();
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(2), Asn(1), LinkRel::ProviderToCustomer);
        let (g, _) = b.build();
        let fps = vec![vec![fra, tyo], vec![fra]];
        let geo = Geography::from_parts(&g, &cities, fps, &FxHashMap::default());
        let routes = solve(
            &g,
            &Announcement::from_origins([Asn(2)]),
            &SolveOptions::default(),
        )
        .unwrap();
        let model = LatencyModel::default();
        let p = follow(&g, &routes, &geo, &cities, &model, AsIdx(0), tyo).unwrap();
        let km = cities.get(tyo).loc.distance_km(cities.get(fra).loc);
        assert!((p.km - km).abs() < 1e-6 && km > 9000.0);
        assert!((p.one_way_ms - (model.one_way_ms(km, 1) + model.one_way_ms(0.0, 1))).abs() < 1e-9);
        assert_eq!(p.site, fra);
    }
}
