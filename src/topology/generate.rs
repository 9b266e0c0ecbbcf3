//! The synthetic Internet generator: a seeded, geography-aware AS topology.
//!
//! A world of `n` ASes has four kinds of AS, generated in this order
//! (which is also ASN and index order, so every provider has a lower index
//! than its customers and the p2c graph has **no cycles by construction**):
//!
//! | kind | count | ASNs | footprint | providers |
//! |---|---|---|---|---|
//! | Tier-1 | `clamp(round(2 log10 n), 3, 12)` | 100.. | global: one city per continent, then population-weighted, ~60% of the table (at most 80 cities) | none; full peering mesh (the clique) |
//! | regional transit | `max(2, 2.5% n)` | 1000.. | 3-12 cities of one continent (+1 abroad with p=0.3) | 1-3 Tier-1s; with p=0.25 also an earlier transit of the same continent |
//! | national ISP (access) | `max(3, 12% n)` | 10000.. | 1-6 cities of one country | 1-3 transits present in its cities (else of its continent, else Tier-1s); with p=0.2 also a Tier-1; with p=0.1 an earlier ISP of its country |
//! | stub | the rest | 100000.. | one city | 1-3 (p = .65/.28/.07) among the ISPs (weight 4) and transits (weight 1) present in its city, else the nearest ones |
//!
//! Continents, countries and cities are drawn by population. **Peering**:
//! the Tier-1 clique is a full mesh; transits of one continent whose
//! footprints share a city peer privately with p=0.3; and the most
//! populous cities host an **IXP** (one per 100 ASes, at most 30% of the
//! cities and at most 150, at least 1), where transits (p=0.8), ISPs
//! (p=0.6) and stubs (p=0.15) present in that city become members, as do
//! ISPs of the same country (p=0.4, at most ~20 expected) and transits of
//! the same continent (p=0.3, at most ~10 expected) from elsewhere (the IXP
//! city joins their footprint); each member
//! opens sessions to 40 / 12 / 6 members drawn uniformly (pairs already
//! linked are skipped). An IXP peering
//! link's interconnection city is the IXP's city (written as a `link` line
//! in the geography file); all other links follow the geography's default
//! rule (shared cities, else the nearest pair).
//!
//! Every non-Tier-1 AS has a provider of a lower tier and the Tier-1s form
//! a clique, so the world is **connected**. All randomness comes from
//! [`Streams`] labels `topology/generate/*`.
//!
//! Simplifications: no siblings, no partial transit or paid peering, no
//! hosting/content-specific kinds (a content network is a stub that peers
//! at IXPs), and AS size is not tied to country wealth beyond population.

use super::geography::{Geography, referable, weighted_sample};
use super::graph::{AsGraph, AsGraphBuilder, AsIdx, Asn, LinkRel};
use crate::error::InputError;
use crate::geo::{Cities, CityId};
use crate::rng::{StreamRng, Streams};
use rand::RngExt;
use rustc_hash::{FxHashMap, FxHashSet};

/// Smallest world the generator builds [ASes].
pub const MIN_ASES: usize = 10;
/// Largest world the generator builds [ASes].
pub const MAX_ASES: usize = 200_000;

/// The role of a generated AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AsKind {
    Tier1,
    Transit,
    /// A national ISP with access networks in its cities.
    Access,
    Stub,
}

impl AsKind {
    /// First ASN of each kind.
    pub fn asn_base(self) -> u32 {
        match self {
            AsKind::Tier1 => 100,
            AsKind::Transit => 1_000,
            AsKind::Access => 10_000,
            AsKind::Stub => 100_000,
        }
    }
    /// The kind a generated ASN belongs to.
    pub fn of_asn(asn: Asn) -> AsKind {
        match asn.0 {
            a if a >= 100_000 => AsKind::Stub,
            a if a >= 10_000 => AsKind::Access,
            a if a >= 1_000 => AsKind::Transit,
            _ => AsKind::Tier1,
        }
    }
}

/// A generated world.
#[derive(Clone, Debug)]
pub struct World {
    pub graph: AsGraph,
    pub geography: Geography,
    /// Kind of each AS, by index.
    pub kinds: Vec<AsKind>,
    /// IXP cities.
    pub ixps: Vec<CityId>,
    /// Peering links made at IXPs (lower index first), sorted.
    pub ixp_links: Vec<(AsIdx, AsIdx)>,
}

/// How many ASes of each kind a world of `n` has.
pub fn kind_counts(n: usize) -> [usize; 4] {
    let t1 = ((2.0 * (n as f64).log10()).round() as usize).clamp(3, 12);
    let transit = ((0.025 * n as f64).round() as usize).max(2);
    let access = ((0.12 * n as f64).round() as usize).max(3);
    [t1, transit, access, n.saturating_sub(t1 + transit + access)]
}

struct Ctx<'a> {
    cities: &'a Cities,
    all: Vec<(CityId, f64)>,
    /// Continent -> its cities with population weights.
    continents: Vec<(String, Vec<(CityId, f64)>)>,
    countries: Vec<(String, Vec<(CityId, f64)>)>,
}

fn pick_weighted<T: Copy>(rng: &mut StreamRng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut x = rng.random::<f64>() * total;
    for &(t, w) in items {
        if x < w {
            return t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Running sums of the weights.
fn cumulative<T>(items: &[(T, f64)]) -> Vec<f64> {
    let mut acc = 0.0;
    items
        .iter()
        .map(|x| {
            acc += x.1;
            acc
        })
        .collect()
}

/// Index drawn with probability proportional to its weight, by binary
/// search in the running sums.
fn pick_cum(rng: &mut StreamRng, cum: &[f64]) -> usize {
    let x = rng.random::<f64>() * cum[cum.len() - 1];
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

fn group_by(
    cities: &Cities,
    ok: &[bool],
    key: impl Fn(&crate::geo::City) -> &str,
) -> Vec<(String, Vec<(CityId, f64)>)> {
    let mut m: std::collections::BTreeMap<String, Vec<(CityId, f64)>> = Default::default();
    for (id, c) in cities.iter().filter(|(id, _)| ok[id.0 as usize]) {
        m.entry(key(c).to_string())
            .or_default()
            .push((id, c.population.max(1) as f64));
    }
    m.into_iter().collect()
}

/// Generates a world of `ases` ASes from `seed` over `cities`.
pub fn generate(ases: usize, seed: u64, cities: &Cities) -> Result<World, InputError> {
    if !(MIN_ASES..=MAX_ASES).contains(&ases) {
        return Err(InputError::new(
            "--ases",
            "",
            format!("{ases} ASes is out of range (expected {MIN_ASES}..={MAX_ASES})"),
        ));
    }
    let streams = Streams::new(seed);
    let ok = referable(cities);
    let ctx = Ctx {
        cities,
        all: cities
            .iter()
            .filter(|(id, _)| ok[id.0 as usize])
            .map(|(id, c)| (id, c.population.max(1) as f64))
            .collect(),
        continents: group_by(cities, &ok, |c| &c.continent),
        countries: group_by(cities, &ok, |c| &c.country),
    };
    let nc = cities.len();
    let [n_t1, n_tr, n_acc, n_stub] = kind_counts(ases);
    let mut kinds = Vec::with_capacity(ases);
    let mut fps: Vec<Vec<CityId>> = Vec::with_capacity(ases);
    let mut region: Vec<usize> = Vec::with_capacity(ases); // continent or country index
    let mut links: Vec<(u32, u32, LinkRel)> = Vec::new();
    let mut linked: FxHashSet<(u32, u32)> = FxHashSet::default();
    let mut link = |a: u32, b: u32, rel: LinkRel, links: &mut Vec<_>| -> bool {
        if a != b && linked.insert((a.min(b), a.max(b))) {
            links.push((a, b, rel));
            true
        } else {
            false
        }
    };

    // Tier-1s.
    let mut rng = streams.stream("topology/generate/tier1");
    for _ in 0..n_t1 {
        let k = ((nc as f64 * 0.6 * rng.random_range(0.75..1.25)).round() as usize)
            .clamp(ctx.continents.len().min(nc), 80.min(nc));
        let mut fp: Vec<CityId> = ctx
            .continents
            .iter()
            .map(|(_, cs)| pick_weighted(&mut rng, cs))
            .collect();
        let rest: Vec<(CityId, f64)> = ctx
            .all
            .iter()
            .filter(|(c, _)| !fp.contains(c))
            .copied()
            .collect();
        let more = k.saturating_sub(fp.len());
        fp.extend(weighted_sample(&mut rng, &rest, more));
        kinds.push(AsKind::Tier1);
        fps.push(fp);
        region.push(usize::MAX);
    }
    for a in 0..n_t1 as u32 {
        for b in a + 1..n_t1 as u32 {
            link(a, b, LinkRel::Peer, &mut links);
        }
    }

    // Regional transit.
    let cont_w: Vec<(usize, f64)> = ctx
        .continents
        .iter()
        .enumerate()
        .map(|(i, (_, cs))| (i, cs.iter().map(|x| x.1).sum()))
        .collect();
    let mut rng = streams.stream("topology/generate/transit");
    let tr0 = n_t1;
    for t in 0..n_tr {
        let me = (tr0 + t) as u32;
        let ci = pick_weighted(&mut rng, &cont_w);
        let cs = &ctx.continents[ci].1;
        let k = rng.random_range(3..=12usize).min(cs.len());
        let mut fp = weighted_sample(&mut rng, cs, k);
        if rng.random::<f64>() < 0.3 {
            let abroad: Vec<(CityId, f64)> = ctx
                .all
                .iter()
                .filter(|(c, _)| ctx.cities.get(*c).continent != ctx.continents[ci].0)
                .copied()
                .collect();
            if !abroad.is_empty() {
                fp.push(pick_weighted(&mut rng, &abroad));
            }
        }
        let m = 1 + usize::from(rng.random::<f64>() < 0.7) + usize::from(rng.random::<f64>() < 0.3);
        for p in rand::seq::index::sample(&mut rng, n_t1, m.min(n_t1)).into_iter() {
            link(p as u32, me, LinkRel::ProviderToCustomer, &mut links);
        }
        if rng.random::<f64>() < 0.25 {
            let same: Vec<u32> = (tr0..tr0 + t)
                .filter(|&o| region[o] == ci)
                .map(|o| o as u32)
                .collect();
            if !same.is_empty() {
                let p = same[rng.random_range(0..same.len())];
                link(p, me, LinkRel::ProviderToCustomer, &mut links);
            }
        }
        kinds.push(AsKind::Transit);
        fps.push(fp);
        region.push(ci);
    }
    // Private peering among transits of one continent sharing a city.
    let mut rng = streams.stream("topology/generate/transit-peering");
    for a in tr0..tr0 + n_tr {
        for b in a + 1..tr0 + n_tr {
            if region[a] == region[b]
                && fps[a].iter().any(|c| fps[b].contains(c))
                && rng.random::<f64>() < 0.3
            {
                link(a as u32, b as u32, LinkRel::Peer, &mut links);
            }
        }
    }

    // Who is where (transits now; ISPs are added as they are made).
    let mut transit_in: Vec<Vec<u32>> = vec![Vec::new(); nc];
    let mut access_in: Vec<Vec<u32>> = vec![Vec::new(); nc];
    let mut tier1_in: Vec<Vec<u32>> = vec![Vec::new(); nc];
    for (a, fp) in fps.iter().enumerate().take(n_t1) {
        for c in fp {
            tier1_in[c.0 as usize].push(a as u32);
        }
    }
    for (a, fp) in fps.iter().enumerate().skip(tr0) {
        for c in fp {
            transit_in[c.0 as usize].push(a as u32);
        }
    }

    // National ISPs.
    let country_w: Vec<(usize, f64)> = ctx
        .countries
        .iter()
        .enumerate()
        .map(|(i, (_, cs))| (i, cs.iter().map(|x| x.1).sum()))
        .collect();
    let cont_of_country: Vec<usize> = ctx
        .countries
        .iter()
        .map(|(_, cs)| {
            let cont = &ctx.cities.get(cs[0].0).continent;
            ctx.continents
                .iter()
                .position(|(n, _)| n == cont)
                .unwrap_or(0)
        })
        .collect();
    let mut rng = streams.stream("topology/generate/access");
    let acc0 = tr0 + n_tr;
    let mut access_of_country: Vec<Vec<u32>> = vec![Vec::new(); ctx.countries.len()];
    for t in 0..n_acc {
        let me = (acc0 + t) as u32;
        let co = pick_weighted(&mut rng, &country_w);
        let cs = &ctx.countries[co].1;
        let u: f64 = rng.random();
        let k = 1 + ((cs.len().min(6) - 1) as f64 * u * u).round() as usize;
        let fp = weighted_sample(&mut rng, cs, k);
        let mut cands: Vec<u32> = fp
            .iter()
            .flat_map(|c| transit_in[c.0 as usize].iter().copied())
            .collect();
        cands.sort_unstable();
        cands.dedup();
        if cands.is_empty() {
            cands = (tr0..acc0)
                .filter(|&o| region[o] == cont_of_country[co])
                .map(|o| o as u32)
                .collect();
        }
        if cands.is_empty() {
            cands = (0..n_t1 as u32).collect();
        }
        let u: f64 = rng.random();
        let m = if u < 0.5 {
            1
        } else if u < 0.85 {
            2
        } else {
            3
        };
        for i in rand::seq::index::sample(&mut rng, cands.len(), m.min(cands.len())).into_iter() {
            link(cands[i], me, LinkRel::ProviderToCustomer, &mut links);
        }
        if rng.random::<f64>() < 0.5 {
            link(
                rng.random_range(0..n_t1 as u32),
                me,
                LinkRel::ProviderToCustomer,
                &mut links,
            );
        }
        if rng.random::<f64>() < 0.1 && !access_of_country[co].is_empty() {
            let l = &access_of_country[co];
            link(
                l[rng.random_range(0..l.len())],
                me,
                LinkRel::ProviderToCustomer,
                &mut links,
            );
        }
        for c in &fp {
            access_in[c.0 as usize].push(me);
        }
        access_of_country[co].push(me);
        kinds.push(AsKind::Access);
        fps.push(fp);
        region.push(co);
    }

    // Stubs. Candidate providers per city (the same for every stub there),
    // with cumulative weights for O(log n) draws.
    let mut stub_cands: Vec<Option<(Vec<u32>, Vec<f64>)>> = vec![None; nc];
    let city_cum = cumulative(&ctx.all);
    let mut rng = streams.stream("topology/generate/stub");
    let st0 = acc0 + n_acc;
    for t in 0..n_stub {
        let me = (st0 + t) as u32;
        let city = ctx.all[pick_cum(&mut rng, &city_cum)].0;
        let (ids, cum) = stub_cands[city.0 as usize].get_or_insert_with(|| {
            let at = |c: CityId, with_t1: bool| -> Vec<(u32, f64)> {
                let c = c.0 as usize;
                let mut v: Vec<(u32, f64)> = access_in[c].iter().map(|&a| (a, 3.0)).collect();
                v.extend(transit_in[c].iter().map(|&a| (a, 3.0)));
                if with_t1 {
                    v.extend(tier1_in[c].iter().map(|&a| (a, 2.0)));
                }
                v
            };
            let mut v = at(city, true);
            if v.is_empty() {
                // The nearest city with an ISP or a transit.
                let here = ctx.cities.get(city).loc;
                let mut order: Vec<CityId> = ctx.all.iter().map(|x| x.0).collect();
                order.sort_by(|a, b| {
                    here.distance_km(ctx.cities.get(*a).loc)
                        .total_cmp(&here.distance_km(ctx.cities.get(*b).loc))
                        .then(a.cmp(b))
                });
                v = order
                    .iter()
                    .map(|&c| at(c, false))
                    .find(|v| !v.is_empty())
                    .unwrap_or_default();
            }
            if v.is_empty() {
                v = (0..n_t1 as u32).map(|a| (a, 1.0)).collect();
            }
            (v.iter().map(|x| x.0).collect(), cumulative(&v))
        });
        let u: f64 = rng.random();
        let m = if u < 0.55 {
            1
        } else if u < 0.88 {
            2
        } else {
            3
        };
        let mut chosen: Vec<u32> = Vec::with_capacity(m);
        for _ in 0..20 * m {
            if chosen.len() == m.min(ids.len()) {
                break;
            }
            let p = ids[pick_cum(&mut rng, cum)];
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        for p in chosen {
            link(p, me, LinkRel::ProviderToCustomer, &mut links);
        }
        kinds.push(AsKind::Stub);
        fps.push(vec![city]);
        region.push(usize::MAX);
    }

    // IXPs in the most populous cities.
    let n_ixp = (ases / 100).clamp(1, ((nc as f64 * 0.3).round() as usize).clamp(1, 150));
    let mut by_pop: Vec<(CityId, f64)> = ctx.all.clone();
    by_pop.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut ixps: Vec<CityId> = by_pop.iter().take(n_ixp).map(|x| x.0).collect();
    ixps.sort_unstable();
    let mut present: Vec<Vec<u32>> = vec![Vec::new(); nc];
    for (a, fp) in fps.iter().enumerate().skip(n_t1) {
        for c in fp {
            present[c.0 as usize].push(a as u32);
        }
    }
    let mut ixp_cities: FxHashMap<(u32, u32), Vec<CityId>> = FxHashMap::default();
    for &ixp in &ixps {
        let mut rng = streams.stream(&format!("topology/generate/ixp/{}", ixp.0));
        let here = ctx.cities.get(ixp);
        let mut members: Vec<u32> = present[ixp.0 as usize]
            .iter()
            .copied()
            .filter(|&a| {
                let p = match kinds[a as usize] {
                    AsKind::Transit => 0.8,
                    AsKind::Access => 0.6,
                    _ => 0.15,
                };
                rng.random::<f64>() < p
            })
            .collect();
        // Remote members: ISPs of the IXP's country and transits of its
        // continent that are not in the city bring a router there.
        let mut remote: Vec<u32> = Vec::new();
        if let Some(co) = ctx.countries.iter().position(|(cc, _)| *cc == here.country) {
            remote.extend(access_of_country[co].iter().copied());
        }
        if let Some(ci) = ctx
            .continents
            .iter()
            .position(|(n, _)| *n == here.continent)
        {
            remote.extend((tr0..acc0).filter(|&o| region[o] == ci).map(|o| o as u32));
        }
        remote.retain(|a| !fps[*a as usize].contains(&ixp));
        remote.sort_unstable();
        // At most ~20 remote ISPs and ~10 remote transits per IXP expected.
        let n_acc_remote = remote
            .iter()
            .filter(|&&a| kinds[a as usize] == AsKind::Access)
            .count();
        let p_acc = (20.0 / n_acc_remote.max(1) as f64).min(0.4);
        let p_tr = (10.0 / (remote.len() - n_acc_remote).max(1) as f64).min(0.3);
        for a in remote {
            let p = if kinds[a as usize] == AsKind::Access {
                p_acc
            } else {
                p_tr
            };
            if rng.random::<f64>() < p {
                fps[a as usize].push(ixp);
                members.push(a);
            }
        }
        members.sort_unstable();
        if members.len() < 2 {
            continue;
        }
        for &m in &members {
            let sessions = match kinds[m as usize] {
                AsKind::Transit => 40,
                AsKind::Access => 12,
                _ => 6,
            };
            for _ in 0..sessions.min(members.len() - 1) {
                let o = members[rng.random_range(0..members.len())];
                let key = (m.min(o), m.max(o));
                if o == m {
                    continue;
                }
                if link(m, o, LinkRel::Peer, &mut links) {
                    ixp_cities.insert(key, vec![ixp]);
                } else if let Some(v) = ixp_cities.get_mut(&key)
                    && !v.contains(&ixp)
                {
                    v.push(ixp);
                }
            }
        }
    }

    // Build.
    let asn_of = |i: u32| -> Asn {
        let i = i as usize;
        let (kind, base_idx) = if i < tr0 {
            (AsKind::Tier1, 0)
        } else if i < acc0 {
            (AsKind::Transit, tr0)
        } else if i < st0 {
            (AsKind::Access, acc0)
        } else {
            (AsKind::Stub, st0)
        };
        Asn(kind.asn_base() + (i - base_idx) as u32)
    };
    let mut b = AsGraphBuilder::new();
    for i in 0..ases as u32 {
        b.add_as(asn_of(i));
    }
    for &(x, y, r) in &links {
        b.add_link(asn_of(x), asn_of(y), r);
    }
    b.set_clique((0..n_t1 as u32).map(asn_of).collect());
    let (graph, report) = b.build();
    debug_assert!(report.duplicate_links.is_empty() && report.conflicting_links.is_empty());
    // Generation order is ASN order is index order.
    debug_assert!((0..ases as u32).all(|i| graph.asn(AsIdx(i)) == asn_of(i)));
    let explicit: FxHashMap<(AsIdx, AsIdx), Vec<CityId>> = ixp_cities
        .iter()
        .map(|(&(a, b), v)| ((AsIdx(a), AsIdx(b)), v.clone()))
        .collect();
    let mut ixp_links: Vec<(AsIdx, AsIdx)> = explicit.keys().copied().collect();
    ixp_links.sort_unstable();
    let geography = Geography::from_parts(&graph, cities, fps, &explicit);
    Ok(World {
        graph,
        geography,
        kinds,
        ixps,
        ixp_links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::stats::component_sizes;

    #[test]
    fn invariants_on_a_small_world() {
        let c = Cities::embedded();
        let w = generate(300, 7, &c).unwrap();
        let g = &w.graph;
        assert_eq!(g.len(), 300);
        assert!(g.p2c_cycles().is_empty());
        assert_eq!(component_sizes(g), vec![300]);
        for i in g.indices() {
            assert!(!w.geography.footprint(i).is_empty());
            assert_eq!(AsKind::of_asn(g.asn(i)), w.kinds[i.ix()]);
            if w.kinds[i.ix()] != AsKind::Tier1 {
                assert!(!g.providers(i).is_empty(), "{} has no provider", g.asn(i));
            }
            for &p in g.providers(i) {
                assert!(p < i, "provider of lower index");
            }
        }
        for (a, b, _) in g.links() {
            assert!(!w.geography.interconnections(a, b).is_empty());
        }
        assert_eq!(g.clique.len(), kind_counts(300)[0]);
        assert!(!w.ixp_links.is_empty());
        let again = generate(300, 7, &c).unwrap();
        assert_eq!(again.graph.links(), g.links());
        assert_eq!(again.geography, w.geography);
        let other = generate(300, 8, &c).unwrap();
        assert_ne!(other.graph.links(), g.links());
    }

    #[test]
    fn size_out_of_range_is_an_input_error() {
        let c = Cities::embedded();
        let e = generate(5, 1, &c).unwrap_err().to_string();
        assert!(e.contains("expected 10..=200000"), "{e}");
    }
}
