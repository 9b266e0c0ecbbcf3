//! Geography of ASes: where each AS has routers (its *footprint*) and
//! where each pair of linked ASes meets (the link's *interconnection
//! cities*).
//!
//! Cities are [`CityId`]s of a [`Cities`] table (normally the embedded
//! one). A [`Geography`] is built from one of three sources:
//!
//! 1. a **geography file** ([`Geography::parse`], format below);
//! 2. the **synthetic generator** ([`crate::topology::generate`]);
//! 3. the **placement heuristic** ([`Geography::place`]) for inputs that give
//!    only relationships, such as CAIDA files. ASes a geography file leaves
//!    out are placed by the same heuristic.
//!
//! ## Interconnection rule
//!
//! Unless a file or the generator names a link's cities explicitly, two
//! linked ASes interconnect in **every city where both are present**. If
//! their footprints do not meet, they interconnect at the **nearest pair**
//! of footprint cities `(x in A, y in B)`: the circuit is assumed to run
//! from one to the other and the interconnection is placed at the
//! provider's end for a provider-customer link (customers buy backhaul to
//! their provider), and at the more populous end for peers and siblings
//! (ties: lower city id).
//!
//! ## Geography file format (`*.geo`)
//!
//! Line-oriented, UTF-8, `#` starts a comment line, blank lines ignored:
//!
//! ```text
//! # footprint: as|ASN|CITY;CITY;...
//! as|3356|JFK;LAX;London,GB
//! # interconnection cities of one link (optional): link|ASN|ASN|CITY;...
//! link|3356|174|FRA;LHR
//! ```
//!
//! A `CITY` is an IATA code (`FRA`, three upper-case letters) or
//! `Name,CC` with an ISO country code (`Frankfurt,DE`); bare names and row
//! numbers are rejected so a file keeps its meaning when the city table
//! grows. Each AS has at most one `as` line and must exist in the topology;
//! a `link` line must name two ASes that are linked there. Errors name
//! `file:line` and what would be valid.
//!
//! ## Placement heuristic (relationship-only inputs)
//!
//! Simplification: footprint breadth follows customer-cone size only.
//! With `cone` the AS's customer-cone size (ASes, itself included) the
//! footprint has `k = ceil(cone^0.4)` cities (1 for a stub, ~7 for a cone
//! of 100, ~16 for 1,000, ~70 for 40,000), capped by the table size. ASes
//! are placed providers first (topological order of the p2c graph; ASes in
//! p2c cycles last, by ASN):
//! - **Tier-1** (a declared clique member, or an AS without providers
//!   whose cone holds at least 1% of all ASes): one city per continent
//!   (drawn by population inside it), then more cities drawn by population
//!   worldwide, until `max(k, PLACEMENT_TIER1_MIN)` cities.
//! - **Others**: a *home* city near a provider — pick one provider
//!   uniformly, one of its footprint cities by population, then a city
//!   within [`PLACEMENT_NEAR_KM`] of it by population (an AS without
//!   providers draws its home by population worldwide). The other `k-1`
//!   cities are drawn without replacement with weight
//!   `population * exp(-distance_from_home / (PLACEMENT_SPREAD_KM * k))`,
//!   so larger networks spread wider.
//!
//! Each AS draws from its own stream `topology/placement/AS<asn>` of
//! [`Streams`], so an AS's placement depends on the seed, its providers'
//! footprints and the city table only.

use super::graph::{AsGraph, AsIdx, Asn, Rel};
use super::stats::customer_cone_sizes;
use crate::error::{Error, InputError};
use crate::geo::{Cities, CityId};
use crate::rng::{StreamRng, Streams};
use rand::RngExt;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

/// Radius [km] around a provider city inside which a customer's home is drawn.
pub const PLACEMENT_NEAR_KM: f64 = 500.0;
/// Distance scale [km] per footprint city for the spread of larger networks.
pub const PLACEMENT_SPREAD_KM: f64 = 300.0;
/// Minimum footprint of a Tier-1 [cities] (capped by the table size).
pub const PLACEMENT_TIER1_MIN: usize = 20;
/// Exponent of the footprint breadth: `k = ceil(cone^PLACEMENT_CONE_EXP)`.
pub const PLACEMENT_CONE_EXP: f64 = 0.4;

/// Footprints and interconnection cities of every AS and link of one graph.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Geography {
    fp_offsets: Vec<u32>,
    fp_cities: Vec<CityId>,
    /// (lower index, higher index) -> range in `link_cities`.
    links: FxHashMap<(AsIdx, AsIdx), (u32, u32)>,
    link_cities: Vec<CityId>,
}

/// Precomputed city-to-city great-circle distances [km].
pub struct DistanceMatrix {
    n: usize,
    d: Vec<f32>,
}

/// [`DistanceMatrix::km`] without the matrix: the same f32-rounded value.
fn pair_km(cities: &Cities, a: CityId, b: CityId) -> f64 {
    if a == b {
        return 0.0;
    }
    cities.get(a).loc.distance_km(cities.get(b).loc) as f32 as f64
}

impl DistanceMatrix {
    pub fn new(cities: &Cities) -> Self {
        let n = cities.len();
        let locs: Vec<_> = cities.iter().map(|(_, c)| c.loc).collect();
        let cos: Vec<f64> = locs.iter().map(|l| l.cos_lat()).collect();
        let mut d = vec![0f32; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let x = locs[i].distance_km_cos(locs[j], cos[i], cos[j]) as f32;
                d[i * n + j] = x;
                d[j * n + i] = x;
            }
        }
        DistanceMatrix { n, d }
    }
    #[inline]
    pub fn km(&self, a: CityId, b: CityId) -> f64 {
        self.d[a.0 as usize * self.n + b.0 as usize] as f64
    }
}

/// Where a geography came from, for `topology info`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoReport {
    /// ASes whose footprint the file gave.
    pub from_file: usize,
    /// ASes placed by the heuristic.
    pub placed: usize,
    /// Links whose cities the file gave.
    pub explicit_links: usize,
}

impl Geography {
    /// The cities where AS `a` has routers (sorted by city id, never empty).
    #[inline]
    pub fn footprint(&self, a: AsIdx) -> &[CityId] {
        &self.fp_cities[self.fp_offsets[a.ix()] as usize..self.fp_offsets[a.ix() + 1] as usize]
    }

    /// The cities where linked ASes `a` and `b` interconnect (sorted by
    /// city id, never empty for a link); empty if they are not linked.
    /// Symmetric in `a`, `b`.
    #[inline]
    pub fn interconnections(&self, a: AsIdx, b: AsIdx) -> &[CityId] {
        match self.links.get(&(a.min(b), a.max(b))) {
            Some(&(s, e)) => &self.link_cities[s as usize..e as usize],
            None => &[],
        }
    }

    /// Number of ASes covered.
    pub fn len(&self) -> usize {
        self.fp_offsets.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap memory held [bytes] (hash map estimated at 24 bytes a slot).
    pub fn heap_bytes(&self) -> usize {
        self.fp_offsets.capacity() * 4
            + self.fp_cities.capacity() * 4
            + self.links.capacity() * 24
            + self.link_cities.capacity() * 4
    }

    /// Builds a geography from footprints (one non-empty list per AS, in
    /// index order) and explicit interconnection cities for some links
    /// (keyed by either orientation); other links follow the module's
    /// interconnection rule.
    pub fn from_parts(
        graph: &AsGraph,
        cities: &Cities,
        footprints: Vec<Vec<CityId>>,
        explicit: &FxHashMap<(AsIdx, AsIdx), Vec<CityId>>,
    ) -> Geography {
        Self::from_parts_dm(graph, cities, footprints, explicit, None)
    }

    /// [`Geography::from_parts`] with the city distance matrix if the
    /// caller has built it already (placement does).
    fn from_parts_dm(
        graph: &AsGraph,
        cities: &Cities,
        mut footprints: Vec<Vec<CityId>>,
        explicit: &FxHashMap<(AsIdx, AsIdx), Vec<CityId>>,
        mut dm: Option<DistanceMatrix>,
    ) -> Geography {
        assert_eq!(footprints.len(), graph.len(), "one footprint per AS");
        // Links without given or shared cities need footprint-to-footprint
        // distances: computed pair by pair until that work would pass the
        // matrix's own (n^2 / 2 pairs; the matrix was three quarters of a
        // small world's setup), then from the matrix. The same f32
        // distances either way.
        let mut direct_budget = cities.len() * cities.len() / 2;
        let mut fp_offsets = Vec::with_capacity(graph.len() + 1);
        let mut fp_cities = Vec::new();
        fp_offsets.push(0u32);
        for f in &mut footprints {
            f.sort_unstable();
            f.dedup();
            fp_cities.extend_from_slice(f);
            fp_offsets.push(fp_cities.len() as u32);
        }
        let mut links = FxHashMap::default();
        links.reserve(graph.p2c_links() + graph.p2p_links() + graph.sibling_links());
        let mut link_cities = Vec::new();
        for (a, b, _) in graph.links() {
            let start = link_cities.len() as u32;
            let given = explicit.get(&(a, b)).or_else(|| explicit.get(&(b, a)));
            if let Some(given) = given.filter(|g| !g.is_empty()) {
                let mut v = given.clone();
                v.sort_unstable();
                v.dedup();
                link_cities.extend(v);
            } else {
                let (fa, fb) = (&footprints[a.ix()], &footprints[b.ix()]);
                let before = link_cities.len();
                // Both sorted: merge-intersect.
                let (mut i, mut j) = (0, 0);
                while i < fa.len() && j < fb.len() {
                    match fa[i].cmp(&fb[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            link_cities.push(fa[i]);
                            i += 1;
                            j += 1;
                        }
                    }
                }
                if link_cities.len() == before {
                    let pairs = fa.len() * fb.len();
                    let city = if dm.is_none() && pairs <= direct_budget {
                        direct_budget -= pairs;
                        nearest_pair_city(graph, cities, |x, y| pair_km(cities, x, y), a, b, fa, fb)
                    } else {
                        let dm = dm.get_or_insert_with(|| DistanceMatrix::new(cities));
                        nearest_pair_city(graph, cities, |x, y| dm.km(x, y), a, b, fa, fb)
                    };
                    link_cities.push(city);
                }
            }
            links.insert((a.min(b), a.max(b)), (start, link_cities.len() as u32));
        }
        Geography {
            fp_offsets,
            fp_cities,
            links,
            link_cities,
        }
    }

    /// Places every AS by the documented heuristic.
    pub fn place(graph: &AsGraph, cities: &Cities, streams: &Streams) -> Geography {
        let (fps, dm) = place_footprints_dm(graph, cities, streams, vec![None; graph.len()]);
        Geography::from_parts_dm(graph, cities, fps, &FxHashMap::default(), dm)
    }

    /// Reads a geography file; ASes it leaves out are placed by the heuristic.
    pub fn load(
        path: &Path,
        graph: &AsGraph,
        cities: &Cities,
        streams: &Streams,
    ) -> Result<(Geography, GeoReport), Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::topology::caida::unreadable(path, &e))?;
        Ok(Geography::parse(
            &text,
            &path.display().to_string(),
            graph,
            cities,
            streams,
        )?)
    }

    /// Parses a geography file's text; `file` names it in errors.
    pub fn parse(
        text: &str,
        file: &str,
        graph: &AsGraph,
        cities: &Cities,
        streams: &Streams,
    ) -> Result<(Geography, GeoReport), InputError> {
        let err = |line: usize, msg: String| InputError::at_line(file, Some(line), "", msg);
        let mut fixed: Vec<Option<Vec<CityId>>> = vec![None; graph.len()];
        let mut fixed_line: FxHashMap<AsIdx, usize> = FxHashMap::default();
        let mut explicit: FxHashMap<(AsIdx, AsIdx), Vec<CityId>> = FxHashMap::default();
        let mut link_line: FxHashMap<(AsIdx, AsIdx), usize> = FxHashMap::default();
        let mut report = GeoReport::default();
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            let asn = |s: &str| -> Result<AsIdx, InputError> {
                let a: u32 = s.parse().map_err(|_| {
                    err(
                        lineno,
                        format!("\"{s}\" is not an AS number (expected an integer 0..4294967295)"),
                    )
                })?;
                graph.idx(Asn(a)).ok_or_else(|| {
                    err(
                        lineno,
                        format!("AS{a} is not in the topology this geography is read with"),
                    )
                })
            };
            let city_list = |s: &str| -> Result<Vec<CityId>, InputError> {
                let mut out = Vec::new();
                for tok in s.split(';').map(str::trim).filter(|t| !t.is_empty()) {
                    out.push(resolve_city(cities, tok).map_err(|m| err(lineno, m))?);
                }
                if out.is_empty() {
                    return Err(err(
                        lineno,
                        "empty city list (expected CITY;CITY;... with IATA codes or Name,CC)"
                            .into(),
                    ));
                }
                Ok(out)
            };
            match fields.as_slice() {
                ["as", a, list] => {
                    let a = asn(a)?;
                    if let Some(prev) = fixed_line.get(&a) {
                        return Err(err(
                            lineno,
                            format!(
                                "{} already has a footprint on line {prev} (one `as` line per AS)",
                                graph.asn(a)
                            ),
                        ));
                    }
                    fixed[a.ix()] = Some(city_list(list)?);
                    fixed_line.insert(a, lineno);
                }
                ["link", a, b, list] => {
                    let (a, b) = (asn(a)?, asn(b)?);
                    if graph.rel(a, b).is_none() {
                        return Err(err(
                            lineno,
                            format!(
                                "{} and {} are not linked in the topology (a `link` line must name a link)",
                                graph.asn(a),
                                graph.asn(b)
                            ),
                        ));
                    }
                    let key = (a.min(b), a.max(b));
                    if let Some(prev) = link_line.get(&key) {
                        return Err(err(
                            lineno,
                            format!(
                                "link {}-{} already given on line {prev}",
                                graph.asn(a),
                                graph.asn(b)
                            ),
                        ));
                    }
                    explicit.insert(key, city_list(list)?);
                    link_line.insert(key, lineno);
                }
                _ => {
                    return Err(err(
                        lineno,
                        format!(
                            "expected `as|ASN|CITY;CITY;...` or `link|ASN|ASN|CITY;...`, got \"{line}\""
                        ),
                    ));
                }
            }
        }
        report.from_file = fixed_line.len();
        report.placed = graph.len() - report.from_file;
        report.explicit_links = explicit.len();
        let (fps, dm) = place_footprints_dm(graph, cities, streams, fixed);
        Ok((
            Geography::from_parts_dm(graph, cities, fps, &explicit, dm),
            report,
        ))
    }

    /// Writes the geography file: a header comment, one `as` line per AS
    /// (ASN order), and `link` lines for the links in `explicit_links`.
    pub fn write(
        &self,
        graph: &AsGraph,
        cities: &Cities,
        header: &str,
        explicit_links: &[(AsIdx, AsIdx)],
        mut w: impl Write,
    ) -> std::io::Result<()> {
        for l in header.lines() {
            writeln!(w, "# {l}")?;
        }
        writeln!(
            w,
            "# as|ASN|CITY;CITY;...   link|ASN|ASN|CITY;...   (see docs/topology.md)"
        )?;
        let list = |v: &[CityId]| {
            v.iter()
                .map(|&c| city_token(cities, c))
                .collect::<Vec<_>>()
                .join(";")
        };
        for a in graph.indices() {
            writeln!(w, "as|{}|{}", graph.asn(a).0, list(self.footprint(a)))?;
        }
        let mut ls: Vec<(Asn, Asn, AsIdx, AsIdx)> = explicit_links
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (a.min(b), a.max(b));
                (graph.asn(a), graph.asn(b), a, b)
            })
            .collect();
        ls.sort_unstable();
        ls.dedup();
        for (x, y, a, b) in ls {
            writeln!(
                w,
                "link|{}|{}|{}",
                x.0,
                y.0,
                list(self.interconnections(a, b))
            )?;
        }
        Ok(())
    }
}

/// The stable name of a city: its IATA code when that looks it up again,
/// else `Name,CC`.
pub fn city_token(cities: &Cities, id: CityId) -> String {
    let c = cities.get(id);
    if let Some(code) = &c.iata
        && code.len() == 3
        && code.chars().all(|ch| ch.is_ascii_uppercase())
        && cities.lookup(code) == Some(id)
    {
        return code.clone();
    }
    let named = format!("{},{}", c.name, c.country);
    match c.geonameid {
        // Two cities of one name in one country: only the id is unambiguous.
        Some(g) if cities.lookup(&named) != Some(id) => format!("geonames:{g}"),
        _ => named,
    }
}

/// Whether each city of the table has a stable name that looks it up
/// again ([`city_token`]). A city sharing name and country with a more
/// populous one and without an IATA code of its own has none (6 of the
/// 1,171 cities of the 2026-11 table, e.g. the smaller Suzhou,CN); the
/// generator and the placement heuristic do not use such cities, so every
/// geography they make can be written to a file and read back.
pub fn referable(cities: &Cities) -> Vec<bool> {
    cities
        .iter()
        .map(|(id, _)| resolve_city(cities, &city_token(cities, id)) == Ok(id))
        .collect()
}

/// Resolves an IATA code, `Name,CC` or `geonames:ID`; the error says what
/// is valid.
pub fn resolve_city(cities: &Cities, tok: &str) -> Result<CityId, String> {
    let is_iata = tok.len() == 3 && tok.chars().all(|c| c.is_ascii_uppercase());
    let is_id = tok.starts_with("geonames:");
    if !is_iata && !is_id && !tok.contains(',') {
        return Err(format!(
            "city \"{tok}\" must be an IATA code (e.g. FRA), Name,CC (e.g. Frankfurt,DE) or geonames:ID; bare names are ambiguous"
        ));
    }
    cities.lookup(tok).ok_or_else(|| {
        let name = tok.split(',').next().unwrap_or(tok);
        let sugg = cities.suggest(name);
        if sugg.is_empty() {
            format!("unknown city \"{tok}\" (not in the city table)")
        } else {
            format!("unknown city \"{tok}\" (did you mean {}?)", sugg.join(", "))
        }
    })
}

fn nearest_pair_city(
    graph: &AsGraph,
    cities: &Cities,
    km: impl Fn(CityId, CityId) -> f64,
    a: AsIdx,
    b: AsIdx,
    fa: &[CityId],
    fb: &[CityId],
) -> CityId {
    let mut best = (f64::INFINITY, fa[0], fb[0]);
    for &x in fa {
        for &y in fb {
            let d = km(x, y);
            if d < best.0 {
                best = (d, x, y);
            }
        }
    }
    let (_, x, y) = best;
    match graph.rel(a, b) {
        Some(Rel::Customer) => x, // b is a's customer: a provides; a's end
        Some(Rel::Provider) => y,
        _ => {
            let (px, py) = (cities.get(x).population, cities.get(y).population);
            if px > py || (px == py && x < y) { x } else { y }
        }
    }
}

/// Providers-first order of the p2c graph (Kahn); ASes in cycles last.
fn top_down_order(graph: &AsGraph) -> Vec<AsIdx> {
    let mut indeg: Vec<u32> = graph
        .indices()
        .map(|i| graph.providers(i).len() as u32)
        .collect();
    let mut q: VecDeque<AsIdx> = graph.indices().filter(|&i| indeg[i.ix()] == 0).collect();
    let mut order = Vec::with_capacity(graph.len());
    let mut done = vec![false; graph.len()];
    while let Some(x) = q.pop_front() {
        order.push(x);
        done[x.ix()] = true;
        for &c in graph.customers(x) {
            indeg[c.ix()] -= 1;
            if indeg[c.ix()] == 0 {
                q.push_back(c);
            }
        }
    }
    order.extend(graph.indices().filter(|&i| !done[i.ix()]));
    order
}

/// Draws one item with probability proportional to its weight.
fn weighted_pick(rng: &mut StreamRng, items: &[(CityId, f64)]) -> Option<CityId> {
    let total: f64 = items.iter().map(|&(_, w)| w).sum();
    if items.is_empty() || total <= 0.0 {
        return items.first().map(|&(c, _)| c);
    }
    let mut x = rng.random::<f64>() * total;
    for &(c, w) in items {
        if x < w {
            return Some(c);
        }
        x -= w;
    }
    items.last().map(|&(c, _)| c)
}

/// Up to `k` items without replacement, probability ~ weight
/// (Efraimidis-Spirakis keys; zero weights last).
pub(crate) fn weighted_sample<T: Copy + Ord>(
    rng: &mut StreamRng,
    items: &[(T, f64)],
    k: usize,
) -> Vec<T> {
    let mut keyed: Vec<(f64, T)> = items
        .iter()
        .map(|&(c, w)| {
            let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            (
                if w > 0.0 {
                    u.ln() / w
                } else {
                    f64::NEG_INFINITY
                },
                c,
            )
        })
        .collect();
    keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().take(k).map(|(_, c)| c).collect()
}

/// The heuristic: footprints for every AS, keeping the `fixed` ones.
pub fn place_footprints(
    graph: &AsGraph,
    cities: &Cities,
    streams: &Streams,
    fixed: Vec<Option<Vec<CityId>>>,
) -> Vec<Vec<CityId>> {
    place_footprints_dm(graph, cities, streams, fixed).0
}

/// [`place_footprints`], and the city distance matrix if it was built
/// (for [`Geography::from_parts_dm`]).
fn place_footprints_dm(
    graph: &AsGraph,
    cities: &Cities,
    streams: &Streams,
    fixed: Vec<Option<Vec<CityId>>>,
) -> (Vec<Vec<CityId>>, Option<DistanceMatrix>) {
    if fixed.iter().all(Option::is_some) {
        // Every footprint given: nothing to place, no distances needed.
        let fps = fixed
            .into_iter()
            .map(|f| {
                let mut f = f.expect("all given");
                f.sort_unstable();
                f.dedup();
                f
            })
            .collect();
        return (fps, None);
    }
    let n = graph.len();
    let nc = cities.len();
    let dm = DistanceMatrix::new(cities);
    let pop: Vec<f64> = cities
        .iter()
        .map(|(_, c)| (c.population.max(1)) as f64)
        .collect();
    let all: Vec<(CityId, f64)> = cities
        .iter()
        .map(|(id, _)| (id, pop[id.0 as usize]))
        .collect();
    let near: Vec<Vec<(CityId, f64)>> = (0..nc)
        .map(|i| {
            all.iter()
                .filter(|&&(c, _)| dm.km(CityId(i as u32), c) <= PLACEMENT_NEAR_KM)
                .copied()
                .collect()
        })
        .collect();
    let mut continents: Vec<&str> = cities.iter().map(|(_, c)| c.continent.as_str()).collect();
    continents.sort_unstable();
    continents.dedup();
    let cones = customer_cone_sizes(graph);
    let clique: Vec<AsIdx> = graph.clique.iter().filter_map(|&a| graph.idx(a)).collect();
    let big = (n / 100).max(2) as u32;
    let mut fps: Vec<Vec<CityId>> = fixed
        .iter()
        .map(|f| f.clone().unwrap_or_default())
        .collect();
    for a in top_down_order(graph) {
        if fixed[a.ix()].is_some() {
            continue;
        }
        let mut rng = streams.stream(&format!("topology/placement/AS{}", graph.asn(a).0));
        let cone = cones[a.ix()];
        let mut k = ((cone as f64).powf(PLACEMENT_CONE_EXP).ceil() as usize).clamp(1, nc);
        let tier1 = clique.contains(&a) || (graph.providers(a).is_empty() && cone >= big);
        let fp = if tier1 {
            k = k.max(PLACEMENT_TIER1_MIN).min(nc);
            let mut fp: Vec<CityId> = Vec::new();
            for cont in &continents {
                let inside: Vec<(CityId, f64)> = all
                    .iter()
                    .filter(|&&(c, _)| cities.get(c).continent == *cont)
                    .copied()
                    .collect();
                fp.extend(weighted_pick(&mut rng, &inside));
            }
            fp.truncate(k);
            let rest: Vec<(CityId, f64)> = all
                .iter()
                .filter(|(c, _)| !fp.contains(c))
                .copied()
                .collect();
            let more = k.saturating_sub(fp.len());
            fp.extend(weighted_sample(&mut rng, &rest, more));
            fp
        } else {
            let provs = graph.providers(a);
            let placed: Vec<AsIdx> = provs
                .iter()
                .copied()
                .filter(|p| !fps[p.ix()].is_empty())
                .collect();
            let home = if placed.is_empty() {
                weighted_pick(&mut rng, &all)
            } else {
                let p = placed[rng.random_range(0..placed.len())];
                let pf: Vec<(CityId, f64)> = fps[p.ix()]
                    .iter()
                    .map(|&c| (c, pop[c.0 as usize]))
                    .collect();
                let anchor = weighted_pick(&mut rng, &pf).expect("placed footprints are non-empty");
                weighted_pick(&mut rng, &near[anchor.0 as usize])
            }
            .expect("the city table is non-empty");
            let mut fp = vec![home];
            if k > 1 {
                let scale = PLACEMENT_SPREAD_KM * k as f64;
                let rest: Vec<(CityId, f64)> = all
                    .iter()
                    .filter(|&&(c, _)| c != home)
                    .map(|&(c, w)| (c, w * (-dm.km(home, c) / scale).exp()))
                    .collect();
                fp.extend(weighted_sample(&mut rng, &rest, k - 1));
            }
            fp
        };
        fps[a.ix()] = fp;
    }
    for f in &mut fps {
        f.sort_unstable();
        f.dedup();
    }
    (fps, Some(dm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{AsGraphBuilder, LinkRel};

    fn graph() -> AsGraph {
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::Peer);
        b.add_link(Asn(1), Asn(10), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(10), LinkRel::ProviderToCustomer);
        b.add_link(Asn(10), Asn(100), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(101), LinkRel::ProviderToCustomer);
        b.set_clique(vec![Asn(1), Asn(2)]);
        b.build().0
    }

    #[test]
    fn file_footprints_links_and_rule() {
        let g = graph();
        let c = Cities::embedded();
        let text = "# test\nas|1|FRA;JFK;Tokyo,JP\nas|2|FRA;LHR\nas|10|Paris,FR\nas|100|CDG\nas|101|SYD\nlink|2|1|LHR\n";
        let (geo, rep) = Geography::parse(text, "t.geo", &g, &c, &Streams::new(1)).unwrap();
        assert_eq!(
            rep,
            GeoReport {
                from_file: 5,
                placed: 0,
                explicit_links: 1
            }
        );
        let i = |a| g.idx(Asn(a)).unwrap();
        let id = |q| c.lookup(q).unwrap();
        assert_eq!(
            geo.interconnections(i(1), i(2)),
            &[id("LHR")],
            "explicit link cities"
        );
        let mut fra_jfk_tyo = vec![id("FRA"), id("JFK"), id("Tokyo,JP")];
        fra_jfk_tyo.sort();
        assert_eq!(geo.footprint(i(1)), fra_jfk_tyo.as_slice());
        // 10 (Paris) and 100 (Paris): shared city.
        assert_eq!(geo.interconnections(i(100), i(10)), &[id("CDG")]);
        // 1 provides 10: no shared city; nearest pair Frankfurt-Paris, at the provider's end.
        assert_eq!(geo.interconnections(i(10), i(1)), &[id("FRA")]);
        // 2 provides 101 (Sydney): nearest of FRA/LHR to SYD, provider's end.
        assert_eq!(geo.interconnections(i(2), i(101)).len(), 1);
        assert_eq!(geo.interconnections(i(100), i(101)), &[] as &[CityId]);
    }

    #[test]
    fn geography_errors_name_the_line() {
        let g = graph();
        let c = Cities::embedded();
        let s = Streams::new(1);
        let cases = [
            (
                "as|1|FRA\nas|1|LHR\n",
                "t:2: AS1 already has a footprint on line 1",
            ),
            ("as|7|FRA\n", "t:1: AS7 is not in the topology"),
            ("as|x|FRA\n", "t:1: \"x\" is not an AS number"),
            (
                "as|1|Frankfurt\n",
                "t:1: city \"Frankfurt\" must be an IATA code",
            ),
            (
                "\nas|1|Frankfort,DE\n",
                "t:2: unknown city \"Frankfort,DE\" (did you mean Frankfurt am Main?)",
            ),
            ("as|1| ; \n", "t:1: empty city list"),
            ("link|1|100|FRA\n", "t:1: AS1 and AS100 are not linked"),
            (
                "link|1|2|FRA\nlink|2|1|FRA\n",
                "t:2: link AS2-AS1 already given on line 1",
            ),
            ("as 1 FRA\n", "t:1: expected `as|ASN|CITY;CITY;...`"),
        ];
        for (text, want) in cases {
            let e = Geography::parse(text, "t", &g, &c, &s)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(want), "{text:?}: got {e}");
        }
    }

    #[test]
    fn heuristic_places_every_as_deterministically() {
        let g = graph();
        let c = Cities::embedded();
        let a = Geography::place(&g, &c, &Streams::new(5));
        let b = Geography::place(&g, &c, &Streams::new(5));
        assert_eq!(a, b);
        for i in g.indices() {
            assert!(!a.footprint(i).is_empty());
        }
        for (x, y, _) in g.links() {
            assert!(!a.interconnections(x, y).is_empty());
        }
        // Tier-1s get at least PLACEMENT_TIER1_MIN cities (capped by the table) and all continents.
        let t1 = a.footprint(g.idx(Asn(1)).unwrap());
        assert_eq!(t1.len(), PLACEMENT_TIER1_MIN.min(c.len()));
        // A stub sits in one city within PLACEMENT_NEAR_KM of its provider's footprint.
        let stub = a.footprint(g.idx(Asn(100)).unwrap());
        assert_eq!(stub.len(), 1);
        let dm = DistanceMatrix::new(&c);
        let prov = a.footprint(g.idx(Asn(10)).unwrap());
        assert!(prov.iter().any(|&p| dm.km(p, stub[0]) <= PLACEMENT_NEAR_KM));
    }

    /// The matrix (per-city cosines) holds exactly `distance_km` as f32,
    /// for every pair of the embedded table, and so does `pair_km`.
    #[test]
    fn distance_matrix_is_distance_km_to_the_bit() {
        let c = Cities::embedded();
        let dm = DistanceMatrix::new(&c);
        let ids: Vec<CityId> = c.iter().map(|(id, _)| id).collect();
        for (k, &a) in ids.iter().enumerate() {
            for &b in &ids[k..] {
                let want = if a == b {
                    0.0
                } else {
                    c.get(a).loc.distance_km(c.get(b).loc) as f32
                };
                assert_eq!(
                    dm.km(a, b).to_bits(),
                    (want as f64).to_bits(),
                    "{a:?} {b:?}"
                );
                assert_eq!(dm.km(b, a).to_bits(), (want as f64).to_bits());
                assert_eq!(pair_km(&c, a, b).to_bits(), (want as f64).to_bits());
            }
        }
    }

    #[test]
    fn write_then_parse_round_trips() {
        let g = graph();
        let c = Cities::embedded();
        let s = Streams::new(3);
        let geo = Geography::place(&g, &c, &s);
        let (i1, i2) = (g.idx(Asn(1)).unwrap(), g.idx(Asn(2)).unwrap());
        let mut out = Vec::new();
        geo.write(&g, &c, "hdr", &[(i2, i1)], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("# hdr\n"));
        let (back, rep) = Geography::parse(&text, "t", &g, &c, &Streams::new(99)).unwrap();
        assert_eq!(rep.placed, 0);
        assert_eq!(back, geo);
    }
}
