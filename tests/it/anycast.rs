//! Anycast catchments over hand-made worlds: prepending, selective
//! announcement, withdrawal, hot-potato, hosted PoPs, the `--explain`
//! golden output, and properties on generated worlds.
//!
//! Each hand-made world is written as a CAIDA as-rel text and a geography
//! text into a temporary folder, with a scenario beside it, and goes
//! through `scenario::load_str` + `validate` + `sim::plan` as a run does.

use cdnsim::scenario::{RunConfig, load_str, validate};
use cdnsim::sim::plan::{GroupRoute, Routed, plan};
use cdnsim::topology::Asn;
use cdnsim::world::catchment;
use std::path::Path;

/// The CDN's AS number in these scenarios.
const CDN: u32 = 64500;

/// Writes `rel` and `geo` beside a scenario with `cdn` (the `[cdn]` keys
/// after `steering`) and `groups`, and loads it.
fn config(dir: &Path, rel: &str, geo: &str, cdn: &str, groups: &str) -> RunConfig {
    std::fs::write(dir.join("w.as-rel.txt"), rel).unwrap();
    std::fs::write(dir.join("w.geo"), geo).unwrap();
    let text = format!(
        r#"name = "t"
seed = 1
duration = "1m"

[world]
topology = "w.as-rel.txt"
geography = "w.geo"

[cdn]
steering = "anycast"
asn = {CDN}
{cdn}

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "Ashburn"

[clients]
rate = "10/s"
groups = [
{groups}
]

[[workload.catalogs]]
name = "web"
objects = 100
zipf_alpha = 0.9
share = "100%"
size = {{ dist = "fixed", size = "1kB" }}
"#
    );
    let file = dir.join("s.toml").display().to_string();
    let loaded = load_str(&file, text, false, &[]).expect("scenario parses");
    validate(&loaded).expect("scenario validates")
}

fn run(cfg: &RunConfig) -> (Vec<GroupRoute>, Routed) {
    let locate = |p: &str, m: String| cdnsim::InputError::new("s.toml", p, m);
    let (routes, routed) = plan(cfg, &locate).expect("plan");
    (routes, routed.expect("a world"))
}

fn plan_err(cfg: &RunConfig) -> String {
    let locate = |p: &str, m: String| cdnsim::InputError::new("s.toml", p, m);
    match plan(cfg, &locate) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn pop_names(cfg: &RunConfig, routes: &[GroupRoute]) -> Vec<String> {
    routes
        .iter()
        .map(|r| cfg.pops[r.pop].name.clone())
        .collect()
}

/// Prepending: the client AS 100 in Paris is a customer of AS10 (meets
/// the CDN in Frankfurt) and AS11 (meets it in London). Both provider
/// routes are 3 long, so the tie-break picks one; prepending twice at
/// the chosen PoP moves the group to the other.
///
/// ```text
///              AS1
///             /   \
///          AS10   AS11
///    (FRA) / \     / \ (LHR)
///     CDN@fra  AS100  CDN@lhr
///              (CDG)
/// ```
#[test]
fn prepending_at_one_pop_moves_a_group_to_another() {
    let dir = super::tmp("anycast-prepend");
    let rel = "1|10|-1\n1|11|-1\n10|100|-1\n11|100|-1\n";
    let geo = "as|1|FRA;LHR;CDG\nas|10|FRA;CDG\nas|11|LHR;CDG\nas|100|CDG\n";
    let groups = r#"{ city = "Paris", asn = 100 }"#;
    let pops = |pf: u32, pl: u32| {
        format!(
            r#"peering = "none"
pops = [
  {{ name = "fra", city = "FRA", transit = [10], prepend = {pf} }},
  {{ name = "lhr", city = "LHR", transit = [11], prepend = {pl} }},
]"#
        )
    };
    let cfg = config(&dir, rel, geo, &pops(0, 0), groups);
    let (r0, _) = run(&cfg);
    let first = r0[0].pop;
    let (pf, pl) = if first == 0 { (2, 0) } else { (0, 2) };
    let cfg = config(&dir, rel, geo, &pops(pf, pl), groups);
    let (r1, _) = run(&cfg);
    assert_ne!(r1[0].pop, first, "prepending did not move the group");
    assert_eq!(r1[0].as_path.len(), 3, "the unprepended route wins");
    // Prepending the other PoP instead keeps the group where it was.
    let cfg = config(&dir, rel, geo, &pops(pl, pf), groups);
    assert_eq!(run(&cfg).0[0].pop, first);
}

/// Topology of the announce tests. AS20 peers with the CDN in Frankfurt;
/// AS30 (Frankfurt) reaches it only through transit.
///
/// ```text
///               AS1
///              /   \
///           AS10    AS11
///          / |  \      \
///      AS20 AS30 CDN@fra CDN@lhr
///        :               (LHR)
///        :.. peer of the CDN at fra (FRA)
/// ```
const ANNOUNCE_REL: &str = "1|10|-1\n1|11|-1\n10|20|-1\n10|30|-1\n";
const ANNOUNCE_GEO: &str = "as|1|FRA;LHR\nas|10|FRA\nas|11|LHR\nas|20|FRA\nas|30|FRA\n";
const ANNOUNCE_GROUPS: &str = r#"{ city = "Frankfurt", asn = 20 },
{ city = "Frankfurt", asn = 30 },"#;

fn announce_cfg(dir: &Path, fra_announce: &str) -> RunConfig {
    let cdn = format!(
        r#"peering = "none"
pops = [
  {{ name = "fra", city = "FRA", transit = [10], peers = [20], announce = "{fra_announce}" }},
  {{ name = "lhr", city = "LHR", transit = [11] }},
]"#
    );
    config(dir, ANNOUNCE_REL, ANNOUNCE_GEO, &cdn, ANNOUNCE_GROUPS)
}

#[test]
fn announce_peers_keeps_transit_only_clients_away() {
    let dir = super::tmp("anycast-peers");
    let cfg = announce_cfg(&dir, "all");
    let (r, _) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["fra", "fra"]);
    let cfg = announce_cfg(&dir, "peers");
    let (r, _) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["fra", "lhr"]);
    // The peer client goes straight to the CDN, the other up through AS1.
    assert_eq!(r[0].as_path, [Asn(20), Asn(CDN)]);
    assert_eq!(r[1].as_path, [Asn(30), Asn(10), Asn(1), Asn(11), Asn(CDN)]);
}

#[test]
fn announce_none_leaves_every_catchment_but_keeps_unicast() {
    let dir = super::tmp("anycast-none");
    let cfg = announce_cfg(&dir, "none");
    let (r, routed) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["lhr", "lhr"]);
    for (g, route) in r.iter().enumerate() {
        // fra's unicast prefix is still announced to AS10 and AS20.
        let (p, fra) = routed.catchments.best_unicast[g].expect("unicast route to fra");
        assert_eq!(p, 0);
        assert_eq!(route.best_unicast.map(|b| b.0), Some(0));
        assert!(fra < route.rtt, "Frankfurt unicast beats London anycast");
    }
}

/// Hot-potato: the access AS 50 has routers in Frankfurt and New York and
/// one provider, AS1, which meets the CDN in both cities. Each group
/// leaves AS50 and AS1 at its own city.
///
/// ```text
///        CDN@fra ---- AS1 ---- CDN@jfk
///           (FRA)      |       (JFK)
///                    AS50 (FRA, JFK)
/// ```
#[test]
fn hot_potato_sends_two_cities_of_one_as_to_different_pops() {
    let dir = super::tmp("anycast-hot-potato");
    let cdn = r#"peering = "none"
pops = [
  { name = "fra", city = "FRA", transit = [1] },
  { name = "jfk", city = "JFK", transit = [1] },
]"#;
    let groups = r#"{ city = "Frankfurt", asn = 50 },
{ city = "New York City", asn = 50 },"#;
    let cfg = config(
        &dir,
        "1|50|-1\n",
        "as|1|FRA;JFK\nas|50|FRA;JFK\n",
        cdn,
        groups,
    );
    let (r, _) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["fra", "jfk"]);
    assert_eq!(r[0].as_path, r[1].as_path, "one AS path, two exits");
    assert!(
        r[0].rtt
            < cfg.latency.rtt_direct(
                cfg.cities.get(cfg.groups[0].city).loc,
                cfg.cities.get(cfg.pops[1].city).loc
            )
    );
}

/// A PoP hosted in AS20 (an embedded cache in Frankfurt). AS20's clients
/// use it; AS21, a customer of AS20's provider in the same city, does not
/// (NO_EXPORT), and reaches London. The same PoP with AS20 as an ordinary
/// transit provider would catch AS21 too.
///
/// ```text
///               AS1
///              /   \
///           AS10    AS11 --- CDN@lhr (LHR)
///           /  \
///        AS20  AS21
///         |
///      [CDN@emb] (FRA, inside AS20)
/// ```
#[test]
fn hosted_pop_serves_only_its_host() {
    let dir = super::tmp("anycast-hosted");
    let rel = "1|10|-1\n1|11|-1\n10|20|-1\n10|21|-1\n";
    let geo = "as|1|FRA;LHR\nas|10|FRA\nas|11|LHR\nas|20|Berlin,DE\nas|21|FRA\n";
    let groups = r#"{ city = "Frankfurt", asn = 20 },
{ city = "Frankfurt", asn = 21 },
{ city = "Frankfurt", asn = 10 },"#;
    let cdn = |emb: &str| {
        format!(
            r#"peering = "none"
pops = [
  {{ name = "lhr", city = "LHR", transit = [11] }},
  {{ name = "emb", city = "FRA", {emb} }},
]"#
        )
    };
    let cfg = config(&dir, rel, geo, &cdn("host = 20"), groups);
    let (r, routed) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["emb", "lhr", "lhr"]);
    assert_eq!(r[0].as_path, [Asn(20), Asn(CDN)]);
    let w = &routed.world;
    let host = w.graph.idx(Asn(20)).unwrap();
    assert_eq!(w.pops[1].host, Some(host));
    // AS20 got a router in Frankfurt to host the PoP.
    assert!(w.geo.footprint(host).contains(&cfg.pops[1].city));
    // The host is the CDN's provider.
    assert_eq!(
        w.graph.rel(w.cdn, host),
        Some(cdnsim::topology::Rel::Provider)
    );
    // The hosted PoP's unicast prefix is reachable from everywhere.
    let table = catchment::compute_keeping(&routed.world, &cfg, true).unwrap();
    assert!(table.unicast_rtt[1][1].is_some());
    // Without DNS or events the run keeps only each group's best.
    assert!(routed.catchments.unicast_rtt.is_empty());
    assert_eq!(
        routed.catchments.best_unicast,
        table
            .unicast_rtt
            .iter()
            .map(|row| row
                .iter()
                .enumerate()
                .filter_map(|(p, x)| x.map(|d| (p, d)))
                .min_by_key(|&(p, d)| (d, p)))
            .collect::<Vec<_>>()
    );

    let cfg = config(&dir, rel, geo, &cdn("transit = [20]"), groups);
    let (r, _) = run(&cfg);
    assert_eq!(pop_names(&cfg, &r), ["emb", "emb", "emb"]);
}

#[test]
fn hosted_pop_input_errors() {
    let dir = super::tmp("anycast-hosted-errors");
    let rel = "1|10|-1\n1|11|-1\n10|20|-1\n";
    let geo = "as|1|FRA;LHR\nas|10|FRA\nas|11|LHR\nas|20|FRA\n";
    let groups = r#"{ city = "Frankfurt", asn = 20 },"#;
    let peer = r#"pops = [
  { name = "lhr", city = "LHR", transit = [11], peers = [20] },
  { name = "emb", city = "FRA", host = 20 },
]"#;
    let e = plan_err(&config(&dir, rel, geo, peer, groups));
    assert!(
        e.contains("cdn.pops[0].peers") && e.contains("hosts PoP \"emb\""),
        "{e}"
    );
    let missing = r#"pops = [{ name = "emb", city = "FRA", host = 999 }]"#;
    let e = plan_err(&config(&dir, rel, geo, missing, groups));
    assert!(e.contains("cdn.pops[0].host") && e.contains("AS999"), "{e}");

    let own = std::fs::read_to_string(super::root().join("scenarios/quickstart.toml")).unwrap();
    let loaded = load_str(
        "q.toml",
        own,
        false,
        &["cdn.asn=64500".into(), "cdn.pops[0].host=64500".into()],
    )
    .unwrap();
    let e = validate(&loaded).unwrap_err().to_string();
    assert!(
        e.contains("cdn.pops[0].host") && e.contains("CDN's own AS"),
        "{e}"
    );
}

/// Golden output of `cdnsim catchment scenarios/quickstart.toml --explain
/// Paris`: the path hop by hop and the losing alternatives.
#[test]
fn explain_paris_golden() {
    let o = super::cdnsim(&[
        "catchment",
        "scenarios/quickstart.toml",
        "--explain",
        "Paris",
    ]);
    assert!(o.status.success(), "{}", super::stderr(&o));
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout));
}

mod properties {
    use super::*;
    use cdnsim::geo::{Cities, CityId};
    use cdnsim::topology::geography::city_token;
    use cdnsim::topology::{AsIdx, Rel, caida, generate::generate};
    use cdnsim::world::{self, catchment};
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CASE: AtomicUsize = AtomicUsize::new(0);

    /// A generated world of `ases` ASes with PoPs and client groups in
    /// cities picked among those where some AS is present; PoP `withdraw`
    /// (modulo the PoP count) gets `announce = "none"` when `withdrawn`.
    fn case(
        ases: usize,
        seed: u64,
        pops: &[usize],
        groups: &[usize],
        withdraw: Option<usize>,
    ) -> Option<RunConfig> {
        let cities = Cities::embedded();
        let w = generate(ases, seed, &cities).unwrap();
        let mut present: Vec<CityId> = w
            .graph
            .indices()
            .flat_map(|a| w.geography.footprint(a).to_vec())
            .collect();
        present.sort_unstable();
        present.dedup();
        let mut pop_cities: Vec<CityId> =
            pops.iter().map(|&i| present[i % present.len()]).collect();
        pop_cities.dedup();
        pop_cities.sort_unstable();
        pop_cities.dedup();
        if pop_cities.len() < 2 {
            return None;
        }
        let mut rel = Vec::new();
        caida::write_serial1(&w.graph, "# generated", &mut rel).unwrap();
        let mut geo = Vec::new();
        w.geography
            .write(&w.graph, &cities, "# generated", &w.ixp_links, &mut geo)
            .unwrap();
        let n = CASE.fetch_add(1, Ordering::Relaxed);
        let dir = super::super::tmp(&format!("anycast-prop-{n}"));
        let pop_lines: String = pop_cities
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let announce = if withdraw.map(|k| k % pop_cities.len()) == Some(i) {
                    r#", announce = "none""#
                } else {
                    ""
                };
                format!(
                    "  {{ name = \"p{i}\", city = \"{}\"{announce} }},\n",
                    city_token(&cities, c)
                )
            })
            .collect();
        let group_lines: String = groups
            .iter()
            .map(|&i| {
                format!(
                    "{{ city = \"{}\" }},\n",
                    city_token(&cities, present[i % present.len()])
                )
            })
            .collect();
        let cfg = config(
            &dir,
            std::str::from_utf8(&rel).unwrap(),
            std::str::from_utf8(&geo).unwrap(),
            &format!("pops = [\n{pop_lines}]"),
            &group_lines,
        );
        Some(cfg)
    }

    fn solve(cfg: &RunConfig) -> (world::World, catchment::Catchments) {
        let locate = |p: &str, m: String| cdnsim::InputError::new("s.toml", p, m);
        let w = world::build(cfg, &locate).unwrap();
        let c = catchment::compute(&w, cfg).unwrap();
        (w, c)
    }

    /// Valley-free: zero or more customer-to-provider steps, at most one
    /// peer (or sibling) step, then provider-to-customer steps.
    fn valley_free(w: &world::World, path: &[Asn]) -> bool {
        let mut down = false;
        for p in path.windows(2) {
            let (a, b) = (w.graph.idx(p[0]).unwrap(), w.graph.idx(p[1]).unwrap());
            match w.graph.rel(a, b) {
                Some(Rel::Provider) if !down => {}
                Some(Rel::Peer) | Some(Rel::Sibling) if !down => down = true,
                Some(Rel::Customer) => down = true,
                _ => return false,
            }
        }
        true
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn catchments_on_generated_worlds(
            ases in 40usize..160,
            seed in 0u64..10_000,
            pops in prop::collection::vec(0usize..10_000, 2..6),
            groups in prop::collection::vec(0usize..10_000, 4..10),
            withdraw in 0usize..6,
        ) {
            let Some(cfg) = case(ases, seed, &pops, &groups, None) else { return Ok(()) };
            let (w, c) = solve(&cfg);
            let cdn = Asn(CDN);
            for (g, p) in c.anycast.iter().enumerate() {
                let Some(pop) = p.pop else { continue };
                let d = p.data.as_ref().unwrap();
                prop_assert_eq!(p.as_path.last(), Some(&cdn));
                prop_assert_eq!(d.site, cfg.pops[pop].city);
                let mut seen = p.as_path.clone();
                seen.sort_unstable();
                seen.dedup();
                prop_assert_eq!(seen.len(), p.as_path.len(), "loop in {:?}", p.as_path);
                prop_assert!(valley_free(&w, &p.as_path), "valley in {:?}", p.as_path);
                let km = cfg.cities.get(cfg.groups[g].city).loc.distance_km(cfg.cities.get(cfg.pops[pop].city).loc);
                prop_assert!(p.rtt.as_millis_f64() >= 2.0 * km / 200.0 - 1e-6, "RTT {:?} below the bound for {km} km", p.rtt);
            }

            // Withdraw one PoP: a group changes PoP only if its old or new
            // AS path crosses an AS some router of which reached that PoP.
            let wcfg = case(ases, seed, &pops, &groups, Some(withdraw)).unwrap();
            let k = withdraw % cfg.pops.len();
            let (w2, c2) = solve(&wcfg);
            prop_assert_eq!(w2.graph.len(), w.graph.len());
            let before = &catchment::all_prefixes(&w, &cfg).unwrap()[0];
            let wcity = cfg.pops[k].city.0;
            let through: Vec<AsIdx> = w.graph.indices().filter(|&a| {
                (before.offsets[a.ix()]..before.offsets[a.ix() + 1]).any(|r| before.site[r as usize] == wcity)
            }).collect();
            for (g, (old, new)) in c.anycast.iter().zip(&c2.anycast).enumerate() {
                prop_assert!(new.pop != Some(k), "group {g} still reaches the withdrawn PoP");
                if old.pop == new.pop {
                    continue;
                }
                let crosses = old.as_path.iter().chain(&new.as_path).any(|&a| {
                    w.graph.idx(a).is_some_and(|i| through.binary_search(&i).is_ok())
                });
                prop_assert!(crosses, "group {g} moved {:?} -> {:?} over {:?} / {:?} without crossing an AS that reached p{k}",
                    old.pop, new.pop, old.as_path, new.as_path);
            }
        }
    }
}
