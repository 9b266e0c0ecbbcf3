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
use crate::bgp::egress::{DataPath, EgressMemo, Interconnects};
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
    /// Per group: the PoP with the lowest RTT over its unicast prefix and
    /// that RTT (ties: the lower PoP; None: no unicast route at all).
    pub best_unicast: Vec<Option<(usize, SimDuration)>>,
    /// Per group, per PoP: RTT over that PoP's unicast prefix (None: no
    /// route). Kept only when the run needs it ([`needs_unicast_table`]);
    /// empty otherwise (16 B x groups x PoPs: 4.8 GB at 1 M groups and 300
    /// PoPs).
    pub unicast_rtt: Vec<Vec<Option<SimDuration>>>,
}

/// Whether a run reads every group's RTT to every PoP (DNS steering, routing
/// events and churn); anycast and nearest runs need only the best unicast
/// PoP per group.
pub fn needs_unicast_table(cfg: &RunConfig) -> bool {
    cfg.dns.is_some() || !cfg.events.is_empty() || cfg.bgp.churn.is_some()
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
    paths_on(world, &world.graph, cfg, prefix)
}

/// Every group's path to `prefix` over `graph`: the world's graph or one
/// with the same ASes and some links removed (`world::churn`).
pub fn paths_on(
    world: &World,
    graph: &crate::topology::AsGraph,
    cfg: &RunConfig,
    prefix: &Prefix,
) -> Result<Vec<PathTo>, Error> {
    let opts = SolveOptions {
        tiebreak: tiebreak(),
        ..SolveOptions::default()
    };
    let routes = solve(graph, &prefix.announcement, &opts)?;
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
    // Groups share routers: each router's egress is decided once.
    let mut memo = EgressMemo::new(graph, &routes, &view, &cfg.cities);
    Ok(world
        .access
        .iter()
        .map(|a| {
            let data = memo.follow(&cfg.latency, a.asn, a.router_city);
            let access_ms = cfg.latency.one_way_direct_ms(a.access_km);
            match data {
                Some(d) if d.origin == world.cdn => PathTo {
                    pop: pop_at.get(&d.site).copied(),
                    rtt: SimDuration::from_millis_f64(2.0 * (access_ms + d.one_way_ms)),
                    as_path: d.hops.iter().map(|h| graph.asn(h.asn)).collect(),
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
    compute_keeping(world, cfg, needs_unicast_table(cfg))
}

/// [`compute`], keeping the groups x PoPs unicast table or not.
pub fn compute_keeping(world: &World, cfg: &RunConfig, keep: bool) -> Result<Catchments, Error> {
    let anycast = paths(world, cfg, &Prefix::anycast(world, cfg))?;
    // Per PoP, folded into each group's best (and its row when kept) as
    // each prefix is solved, so no groups x PoPs table exists otherwise.
    let (groups, pops) = (world.access.len(), cfg.pops.len());
    let mut best: Vec<Option<(usize, SimDuration)>> = vec![None; groups];
    let mut unicast_rtt = if keep {
        vec![vec![None; pops]; groups]
    } else {
        Vec::new()
    };
    // `p` names the prefix and the column of each group's row.
    #[allow(clippy::needless_range_loop)]
    for p in 0..pops {
        let paths = paths(world, cfg, &Prefix::unicast(world, p))?;
        for (g, path) in paths.into_iter().enumerate() {
            let rtt = (path.pop == Some(p)).then_some(path.rtt);
            if keep {
                unicast_rtt[g][p] = rtt;
            }
            if let Some(d) = rtt
                && best[g].is_none_or(|(_, b)| d < b)
            {
                best[g] = Some((p, d));
            }
        }
    }
    Ok(Catchments {
        anycast,
        best_unicast: best,
        unicast_rtt,
    })
}

/// No city / no route, in [`RouterCatchments::site`].
pub const NO_SITE: u32 = u32::MAX;

/// The catchment of every router (AS, city) for one prefix.
///
/// Routers are numbered per AS in footprint order: AS `a`'s routers are
/// `offsets[a]..offsets[a + 1]`, one per city of `Geography::footprint(a)`.
/// A link whose interconnection city lies outside one side's footprint (the
/// nearest-pair rule) is entered there: such routers are numbered after the
/// footprint ones, listed in `extra`.
#[derive(Clone, Debug, PartialEq)]
pub struct RouterCatchments {
    pub offsets: Vec<u32>,
    pub extra: Vec<(AsIdx, CityId)>,
    /// Per router: the city where the origin answers ([`NO_SITE`]: no route,
    /// or no interconnection toward the equal-best neighbours).
    pub site: Vec<u32>,
    /// Per router: one-way latency to the site, summed over the segments as
    /// [`follow`] sums them \[ms\] (0 without a route).
    pub one_way_ms: Vec<f32>,
}

impl RouterCatchments {
    /// Number of routers.
    pub fn len(&self) -> usize {
        self.site.len()
    }
    pub fn is_empty(&self) -> bool {
        self.site.is_empty()
    }
    /// The router of `a` in `city` (a footprint city, or an extra router).
    pub fn router(&self, geo: &Geography, a: AsIdx, city: CityId) -> Option<usize> {
        match geo.footprint(a).binary_search(&city) {
            Ok(k) => Some(self.offsets[a.ix()] as usize + k),
            Err(_) => self
                .extra
                .iter()
                .position(|&x| x == (a, city))
                .map(|k| *self.offsets.last().expect("n + 1 offsets") as usize + k),
        }
    }
    /// The answering city and one-way latency of router `r`, if it has a route.
    pub fn get(&self, r: usize) -> Option<(CityId, f64)> {
        (self.site[r] != NO_SITE).then(|| (CityId(self.site[r]), self.one_way_ms[r] as f64))
    }
    /// Heap bytes of the result.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4
            + self.extra.capacity() * std::mem::size_of::<(AsIdx, CityId)>()
            + self.site.capacity() * 4
            + self.one_way_ms.capacity() * 4
    }
}

/// The catchment of every router for one prefix, in O(E + routers ×
/// candidates): each AS's equal-best neighbours and their interconnection
/// cities (the candidates) are found once per AS, each router picks its
/// egress among them by hot-potato exactly as [`crate::bgp::egress::egress`]
/// does, and path latencies are memoised along the egress pointers (a
/// router's latency is its segment plus the next router's). The result for
/// a router equals [`follow`] from that router.
pub fn all_routers(
    graph: &crate::topology::AsGraph,
    routes: &Routes,
    view: &(impl Interconnects + ?Sized),
    geo: &Geography,
    cities: &crate::geo::Cities,
    model: &crate::geo::LatencyModel,
) -> RouterCatchments {
    const NONE: u32 = u32::MAX;
    /// `next` of an origin router.
    const ORIGIN: u32 = u32::MAX - 1;
    let n = graph.len();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u32);
    for a in graph.indices() {
        offsets.push(offsets[a.ix()] + geo.footprint(a).len() as u32);
    }
    let base = offsets[n] as usize;
    // Candidates per AS: (neighbour, tie-break key, interconnection city).
    let mut cand_off = Vec::with_capacity(n + 1);
    cand_off.push(0u32);
    let mut cands: Vec<(AsIdx, u64, CityId)> = Vec::new();
    let (mut offers, mut tied) = (Vec::new(), Vec::new());
    let any_class = routes.sessions().has_local_pref_overrides();
    for a in graph.indices() {
        if routes.route(a).is_some_and(|r| r.next_hop.is_some()) {
            let start = cands.len();
            equal_best_into(graph, routes, a, any_class, &mut offers, &mut tied);
            for &(nb, key) in &tied {
                cands.extend(view.cities(a, nb).iter().map(|&ic| (nb, key, ic)));
            }
            // One candidate per city: at one city the lowest key wins (the
            // first in neighbour order among equal keys, as `egress`).
            let c = &mut cands[start..];
            c.sort_by_key(|&(_, key, ic)| (ic, key));
            let mut k = start;
            for j in start..cands.len() {
                if j == start || cands[j].2 != cands[k - 1].2 {
                    cands[k] = cands[j];
                    k += 1;
                }
            }
            cands.truncate(k);
        }
        cand_off.push(cands.len() as u32);
    }
    // Per city: latitude in radians and its cosine, so a candidate costs
    // two sines; the arcsine is taken only for candidates that may win.
    let trig: Vec<(f64, f64, f64)> = cities
        .iter()
        .map(|(_, c)| {
            let p = c.loc.lat.to_radians();
            (p, p.cos(), c.loc.lon)
        })
        .collect();
    // The haversine `a` term, computed as `LatLon::distance_km` does.
    let hav = |x: CityId, y: CityId| -> f64 {
        let ((p1, c1, l1), (p2, c2, l2)) = (trig[x.0 as usize], trig[y.0 as usize]);
        let dp = p2 - p1;
        let dl = (l2 - l1).to_radians();
        (dp / 2.0).sin().powi(2) + c1 * c2 * (dl / 2.0).sin().powi(2)
    };
    let km_of = |a: f64| 2.0 * crate::geo::EARTH_RADIUS_KM * a.sqrt().min(1.0).asin();
    // Per router: next router (or ORIGIN / NONE) and segment latency.
    let mut next: Vec<u32> = Vec::with_capacity(base);
    let mut seg: Vec<f64> = Vec::with_capacity(base);
    let mut extra: Vec<(AsIdx, CityId)> = Vec::new();
    let mut extra_ix: FxHashMap<(AsIdx, CityId), u32> = FxHashMap::default();
    let origin_ms = model.one_way_ms(0.0, 1);
    let mut decide = |a: AsIdx, city: CityId, extra: &mut Vec<(AsIdx, CityId)>| -> (u32, f64) {
        let Some(route) = routes.route(a) else {
            return (NONE, 0.0);
        };
        if route.next_hop.is_none() {
            return (ORIGIN, origin_ms);
        }
        let mine = &cands[cand_off[a.ix()] as usize..cand_off[a.ix() + 1] as usize];
        let mut best: Option<(f64, f64, u64, CityId, AsIdx)> = None;
        // Exiting in the router's own city: distance 0 is the minimum, so
        // only candidates at the same coordinates compete (no trigonometry).
        if mine.binary_search_by_key(&city, |c| c.2).is_ok() {
            let (_, _, lon) = trig[city.0 as usize];
            let lat = trig[city.0 as usize].0;
            for &(nb, key, ic) in mine {
                let t = trig[ic.0 as usize];
                if t.0 == lat && t.2 == lon && best.is_none_or(|b| (key, ic) < (b.2, b.3)) {
                    best = Some((0.0, 0.0, key, ic, nb));
                }
            }
        }
        let rest = if best.is_some() { &mine[..0] } else { mine };
        for &(nb, key, ic) in rest {
            let h = hav(city, ic);
            // A larger `a` by this margin is a strictly larger distance.
            if best.is_some_and(|b| h > b.0 * (1.0 + 1e-12)) {
                continue;
            }
            let km = km_of(h);
            let better = match &best {
                None => true,
                Some(b) => match km.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Greater => false,
                    std::cmp::Ordering::Equal => (key, ic) < (b.2, b.3),
                },
            };
            if better {
                best = Some((h, km, key, ic, nb));
            }
        }
        let Some((_, km, _, ic, nb)) = best else {
            return (NONE, 0.0);
        };
        let to = match geo.footprint(nb).binary_search(&ic) {
            Ok(k) => offsets[nb.ix()] + k as u32,
            Err(_) => *extra_ix.entry((nb, ic)).or_insert_with(|| {
                extra.push((nb, ic));
                (base + extra.len() - 1) as u32
            }),
        };
        (to, model.one_way_ms(km, 1))
    };
    for a in graph.indices() {
        for &city in geo.footprint(a) {
            let (to, ms) = decide(a, city, &mut extra);
            next.push(to);
            seg.push(ms);
        }
    }
    // Extra routers, as they are discovered (each may add more).
    let mut k = 0;
    while k < extra.len() {
        let (a, city) = extra[k];
        let (to, ms) = decide(a, city, &mut extra);
        next.push(to);
        seg.push(ms);
        k += 1;
    }
    // Latencies by memoised walks along `next`.
    let total = next.len();
    let mut site = vec![NO_SITE; total];
    let mut ms = vec![0f64; total];
    // 0 = not done, 1 = on the current walk, 2 = done.
    let mut state = vec![0u8; total];
    let mut stack: Vec<usize> = Vec::new();
    let city_of = |r: usize| -> CityId {
        if r < base {
            let a = offsets.partition_point(|&o| o as usize <= r) - 1;
            geo.footprint(AsIdx(a as u32))[r - offsets[a] as usize]
        } else {
            extra[r - base].1
        }
    };
    for start in 0..total {
        let mut cur = start;
        // Walk until a resolved or terminal router.
        let (acc_site, mut acc_ms) = loop {
            match state[cur] {
                2 => break (site[cur], ms[cur]),
                1 => break (NO_SITE, 0.0), // a loop: cannot happen with equal-best egress
                _ => {}
            }
            match next[cur] {
                NONE => {
                    state[cur] = 2;
                    break (NO_SITE, 0.0);
                }
                ORIGIN => {
                    state[cur] = 2;
                    site[cur] = city_of(cur).0;
                    ms[cur] = seg[cur];
                    break (site[cur], ms[cur]);
                }
                nx => {
                    state[cur] = 1;
                    stack.push(cur);
                    cur = nx as usize;
                }
            }
        };
        while let Some(r) = stack.pop() {
            if acc_site == NO_SITE {
                acc_ms = 0.0;
            } else {
                acc_ms += seg[r];
            }
            site[r] = acc_site;
            ms[r] = acc_ms;
            state[r] = 2;
        }
    }
    RouterCatchments {
        offsets,
        extra,
        site,
        one_way_ms: ms.into_iter().map(|x| x as f32).collect(),
    }
}

/// Interconnection cities of every link, as a per-AS table sorted by
/// neighbour (binary search instead of hashing an AS pair): built once
/// per world and shared by all prefixes.
pub struct LinkTable {
    /// Per AS: range in `nbs`.
    offsets: Vec<u32>,
    /// (neighbour, end of its cities in `cities`), sorted by neighbour per AS.
    nbs: Vec<(AsIdx, u32)>,
    cities: Vec<CityId>,
}

impl LinkTable {
    pub fn new(graph: &crate::topology::AsGraph, geo: &Geography) -> LinkTable {
        let mut offsets = Vec::with_capacity(graph.len() + 1);
        offsets.push(0u32);
        let mut nbs = Vec::new();
        let mut cities = Vec::new();
        let mut tmp: Vec<AsIdx> = Vec::new();
        for a in graph.indices() {
            tmp.clear();
            tmp.extend(graph.neighbours(a).map(|(nb, _)| nb));
            tmp.sort_unstable();
            tmp.dedup();
            for &nb in &tmp {
                cities.extend_from_slice(geo.interconnections(a, nb));
                nbs.push((nb, cities.len() as u32));
            }
            offsets.push(nbs.len() as u32);
        }
        LinkTable {
            offsets,
            nbs,
            cities,
        }
    }
    /// Heap bytes of the table.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.nbs.capacity() * 8 + self.cities.capacity() * 4
    }
}

/// A prefix's view (as [`PrefixView`]) over a [`LinkTable`].
pub struct TableView<'a> {
    pub table: &'a LinkTable,
    pub cdn: AsIdx,
    pub entry: &'a FxHashMap<AsIdx, Vec<CityId>>,
}

impl Interconnects for TableView<'_> {
    fn cities(&self, a: AsIdx, b: AsIdx) -> &[CityId] {
        if a == self.cdn {
            return self.entry.get(&b).map_or(&[], Vec::as_slice);
        } else if b == self.cdn {
            return self.entry.get(&a).map_or(&[], Vec::as_slice);
        }
        let t = self.table;
        let (lo, hi) = (t.offsets[a.ix()] as usize, t.offsets[a.ix() + 1] as usize);
        match t.nbs[lo..hi].binary_search_by_key(&b, |x| x.0) {
            Ok(k) => {
                let start = if lo + k == 0 {
                    0
                } else {
                    t.nbs[lo + k - 1].1 as usize
                };
                &t.cities[start..t.nbs[lo + k].1 as usize]
            }
            Err(_) => &[],
        }
    }
}

/// [`crate::bgp::egress::equal_best`] into reused buffers, with the loop
/// check walking next hops instead of rebuilding paths.
fn equal_best_into(
    graph: &crate::topology::AsGraph,
    routes: &Routes,
    at: AsIdx,
    any_class: bool,
    offers: &mut Vec<(AsIdx, crate::bgp::Candidate)>,
    out: &mut Vec<(AsIdx, u64)>,
) {
    use crate::bgp::{Step, compare};
    out.clear();
    offers.clear();
    let Some(best) = routes.route(at).filter(|r| r.next_hop.is_some()) else {
        return;
    };
    let best_nb = best.next_hop.expect("filtered");
    // Without local-pref overrides (`any_class` false) an offer's
    // local-pref is its class's, so only neighbours of the best route's
    // class can tie with it.
    let mut best_c = None;
    for (nb, rel) in graph.neighbours(at) {
        if !any_class && crate::bgp::Learned::from_rel(rel) != best.learned {
            continue;
        }
        let Some(c) = routes.offer(graph, nb, at, rel) else {
            continue;
        };
        if nb == best_nb {
            best_c = Some(c);
        }
        offers.push((nb, c));
    }
    let Some(b) = best_c else { return };
    // Bounded by the path length, as `Routes::path` is.
    let loops = |nb: AsIdx| {
        let mut cur = Some(nb);
        let mut steps = routes.route(nb).map_or(0, |r| r.path_len);
        while let Some(c) = cur.filter(|_| steps > 0) {
            if c == at {
                return true;
            }
            cur = routes.route(c).and_then(|r| r.next_hop);
            steps -= 1;
        }
        false
    };
    out.extend(
        offers
            .iter()
            .filter(|(_, c)| matches!(compare(&b, c), (_, None) | (_, Some(Step::TieBreak))))
            .filter(|(nb, _)| !loops(*nb))
            .map(|(nb, c)| (*nb, c.key)),
    );
}

/// Every prefix of the CDN (the anycast prefix first, then each PoP's
/// unicast prefix) solved with per-router catchments, in parallel over
/// prefixes on the current rayon pool.
pub fn all_prefixes(world: &World, cfg: &RunConfig) -> Result<Vec<RouterCatchments>, Error> {
    use rayon::prelude::*;
    let table = LinkTable::new(&world.graph, &world.geo);
    (0..=cfg.pops.len())
        .into_par_iter()
        .map(|k| {
            let prefix = match k {
                0 => Prefix::anycast(world, cfg),
                p => Prefix::unicast(world, p - 1),
            };
            let routes = solve_prefix(world, &prefix)?;
            let view = TableView {
                table: &table,
                cdn: world.cdn,
                entry: &prefix.entry_cities,
            };
            Ok(all_routers(
                &world.graph,
                &routes,
                &view,
                &world.geo,
                &cfg.cities,
                &cfg.latency,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::egress::follow;
    use crate::scenario::{load_file, validate};

    /// On the quickstart world, every router's catchment from
    /// [`all_routers`] equals [`follow`] from that router, for the anycast
    /// prefix and two unicast prefixes, the memoised [`EgressMemo::follow`]
    /// gives exactly [`follow`]'s path, and the groups' RTTs equal
    /// [`compute`]'s.
    #[test]
    fn all_routers_equals_follow_on_quickstart() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let cfg = validate(&load_file(&path, &[]).unwrap()).unwrap();
        let locate = |p: &str, m: String| crate::InputError::new("q", p, m);
        let world = super::super::build(&cfg, &locate).unwrap();
        let all = all_prefixes(&world, &cfg).unwrap();
        assert_eq!(all.len(), cfg.pops.len() + 1);
        let prefixes = [
            (0, Prefix::anycast(&world, &cfg)),
            (1, Prefix::unicast(&world, 0)),
            (6, Prefix::unicast(&world, 5)),
        ];
        for (k, prefix) in prefixes {
            let rc = &all[k];
            let routes = solve_prefix(&world, &prefix).unwrap();
            let view = PrefixView {
                geo: &world.geo,
                cdn: world.cdn,
                entry: &prefix.entry_cities,
            };
            let mut reached = 0;
            let mut memo = EgressMemo::new(&world.graph, &routes, &view, &cfg.cities);
            for a in world.graph.indices() {
                for &c in world.geo.footprint(a) {
                    let r = rc.router(&world.geo, a, c).unwrap();
                    let f = follow(
                        &world.graph,
                        &routes,
                        &view,
                        &cfg.cities,
                        &cfg.latency,
                        a,
                        c,
                    );
                    assert_eq!(f, memo.follow(&cfg.latency, a, c), "{a:?} {c:?}");
                    // Again, now from the memo's decided routers.
                    assert_eq!(f, memo.follow(&cfg.latency, a, c), "{a:?} {c:?}");
                    match (f, rc.get(r)) {
                        (Some(d), Some((site, ms))) => {
                            assert_eq!(d.site, site, "{a:?} {c:?}");
                            assert!((d.one_way_ms - ms).abs() < 1e-3, "{} vs {ms}", d.one_way_ms);
                            reached += 1;
                        }
                        (None, None) => {}
                        (f, g) => panic!("{a:?} {c:?}: follow {f:?}, all_routers {g:?}"),
                    }
                }
            }
            assert!(reached > world.graph.len(), "most routers reach the prefix");
        }
        let c = compute(&world, &cfg).unwrap();
        for (g, a) in world.access.iter().enumerate() {
            let r = all[0].router(&world.geo, a.asn, a.router_city).unwrap();
            let (_, ms) = all[0].get(r).unwrap();
            let rtt = 2.0 * (cfg.latency.one_way_direct_ms(a.access_km) + ms);
            assert!((c.anycast[g].rtt.as_millis_f64() - rtt).abs() < 1e-2);
        }
    }
}
