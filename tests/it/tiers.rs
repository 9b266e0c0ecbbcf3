//! Cache tiers in runs: Che's approximation, request coalescing, the shield.
//!
//! Scenarios are built in the test as text and run through the library
//! (`scenario::load_str` + `validate` + `sim::plan` + `sim::run`), as
//! `cdnsim run` does.

use cdnsim::engine::Control;
use cdnsim::scenario::{load_str, validate};
use cdnsim::sim::{self, RunMetrics};

fn run_text(text: &str, sets: &[&str]) -> RunMetrics {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let loaded = load_str("test.toml", text.to_string(), false, &sets).unwrap();
    let cfg = validate(&loaded).unwrap();
    let (routes, _) = sim::plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).unwrap();
    sim::run(&cfg, &routes, |_| Control::Continue)
        .unwrap()
        .unwrap()
}

/// `pops` = (name, city) and one client group per PoP, in the PoP's city.
fn scenario(pops: &[(&str, &str)], origin: &str, rest: &str) -> String {
    let pop_list: Vec<String> = pops
        .iter()
        .map(|(n, c)| format!("{{ name = \"{n}\", city = \"{c}\" }}"))
        .collect();
    let groups: Vec<String> = pops
        .iter()
        .map(|(_, c)| format!("{{ city = \"{c}\" }}"))
        .collect();
    format!(
        r#"
name = "t"
seed = 3
duration = "50ms"

[output]
interval = "10ms"

[latency]
jitter_mean = "0ms"

[cdn]
steering = "nearest"
pops = [{}]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "{origin}"

[clients]
rate = "10k/s"
groups = [{}]

{rest}
"#,
        pop_list.join(", "),
        groups.join(", ")
    )
}

/// One object of 10 kB.
const ONE_OBJECT: &str = r#"
[[workload.catalogs]]
name = "one"
objects = 1
zipf_alpha = 0
size = { dist = "fixed", size = "10kB" }
"#;

/// N requests for one object at one PoP within 50 ms, the origin in Sydney
/// (over 100 ms away from Frankfurt): every request arrives before the first
/// response, so all are misses.
///
/// ```text
///   N clients --> [fra edge] ---- ~300 ms RTT ----> (origin SYD)
/// ```
///
/// With coalescing, the first miss fetches and the N - 1 others wait for
/// it: one origin request. Without, N origin requests.
#[test]
fn coalescing_turns_n_simultaneous_misses_into_one_origin_fetch() {
    let text = scenario(&[("fra", "FRA")], "SYD", ONE_OBJECT);
    let on = run_text(&text, &[]);
    let n = on.edge.requests;
    assert!(n > 100, "{n} requests");
    assert_eq!(on.edge.hits, 0, "every request arrived before the fill");
    assert_eq!(on.origin_requests, 1);
    assert_eq!(on.coalesced, n - 1);
    assert_eq!(on.tiers[0].fetches, 1);
    // Everyone waited for the same fetch: TTFBs lie within the 50 ms
    // arrival window of each other (access delay and the client RTT vary).
    let off = run_text(&text, &["cdn.tiers.coalescing=false"]);
    assert_eq!(off.edge.requests, n, "same arrivals");
    assert_eq!(off.origin_requests, n);
    assert_eq!(off.coalesced, 0);
}

/// K edges each see a burst of misses for one object; one shield in
/// Ashburn, origin in Sydney.
///
/// ```text
///   clients -> [fra] \
///   clients -> [lhr]  \
///   clients -> [iad] ---> [shield IAD] ---> (origin SYD)
///   clients -> [ord]  /
///   clients -> [lax] /
/// ```
///
/// Each edge coalesces its own burst into one fetch (K = 5 upper-tier
/// requests); the shield coalesces those into one origin request. Without
/// the shield, each edge goes to the origin: K origin requests.
#[test]
fn one_shield_collapses_k_edges_misses_into_one_origin_request() {
    let pops = [
        ("fra", "FRA"),
        ("lhr", "LHR"),
        ("iad", "IAD"),
        ("ord", "ORD"),
        ("lax", "LAX"),
    ];
    let tiers = format!(
        "{ONE_OBJECT}\n[cdn.tiers]\nmode = \"shield\"\nupper = [{{ name = \"shield\", city = \"IAD\" }}]\n"
    );
    let text = scenario(&pops, "SYD", &tiers);
    let m = run_text(&text, &[]);
    let k = pops.len() as u64;
    assert!(m.edge.requests > 100);
    assert_eq!(m.edge.hits, 0);
    for (i, t) in m.tiers[..pops.len()].iter().enumerate() {
        assert!(t.cache.requests > 0, "edge {i} saw requests");
        assert_eq!(t.fetches, 1, "edge {i} sent one fetch");
    }
    assert_eq!(m.upper.requests, k);
    assert_eq!(m.tiers[pops.len()].coalesced, k - 1);
    assert_eq!(m.origin_requests, 1);
    // Edge requests beyond each edge's first, plus K - 1 at the shield.
    assert_eq!(m.coalesced, (m.edge.requests - k) + (k - 1));

    let none = run_text(&text, &["cdn.tiers.mode=none"]);
    assert_eq!(none.origin_requests, k);
    assert_eq!(none.upper.requests, 0);
    // Coalescing off everywhere: every request reaches the origin.
    let off = run_text(&text, &["cdn.tiers.coalescing=false"]);
    assert_eq!(off.origin_requests, off.edge.requests);
}

/// Three levels: five edges, two regional tiers (each edge to its nearest),
/// one shield above them, the origin in Sydney.
///
/// ```text
///   [fra] [lhr] [cdg] --> [regional FRA] -\
///                                          ---> [shield IAD] ---> (origin SYD)
///   [iad] [ord]       --> [regional ORD] -/
/// ```
///
/// A burst for one object: each edge coalesces into one fetch (5 requests
/// at level 1), each regional coalesces its edges' fetches into one (2
/// requests at level 2), the shield sends one origin request. The fill
/// comes back through every level, so each cache holds the object after.
#[test]
fn three_levels_coalesce_at_every_level_and_fill_on_the_way_back() {
    let pops = [
        ("fra", "FRA"),
        ("lhr", "LHR"),
        ("cdg", "CDG"),
        ("iad", "IAD"),
        ("ord", "ORD"),
    ];
    let tiers = format!(
        "{ONE_OBJECT}\n[cdn.tiers]\nmode = \"regional\"\nupper = [{{ name = \"r-fra\", city = \"FRA\" }}, {{ name = \"r-ord\", city = \"ORD\" }}]\n\n[[cdn.tiers.levels]]\nmode = \"shield\"\ncapacity = \"2GB\"\nsites = [{{ name = \"shield\", city = \"IAD\" }}]\n"
    );
    let text = scenario(&pops, "SYD", &tiers);
    let cfg = {
        let loaded = load_str("test.toml", text.clone(), false, &[]).unwrap();
        validate(&loaded).unwrap()
    };
    let hier = cdnsim::sim::tiers::Hierarchy::new(&cfg);
    let e = pops.len();
    assert_eq!(hier.nodes.len(), e + 3);
    assert_eq!(hier.nodes[e + 2].level, 2);
    assert_eq!(hier.nodes[e + 2].capacity_bytes, 2_000_000_000);
    let m = run_text(&text, &[]);
    for t in &m.tiers[..e] {
        assert_eq!(t.fetches, 1, "each edge sends one fetch");
    }
    let (r_fra, r_ord, shield) = (&m.tiers[e], &m.tiers[e + 1], &m.tiers[e + 2]);
    assert_eq!(r_fra.cache.requests, 3, "fra, lhr, cdg");
    assert_eq!(r_ord.cache.requests, 2, "iad, ord");
    assert_eq!((r_fra.fetches, r_ord.fetches), (1, 1));
    assert_eq!((r_fra.coalesced, r_ord.coalesced), (2, 1));
    assert_eq!(shield.cache.requests, 2);
    assert_eq!(shield.coalesced, 1);
    assert_eq!(shield.fetches, 1);
    assert_eq!(m.origin_requests, 1);
    assert_eq!(m.upper.requests, 5 + 2);
    // Every cache holds the object after the fill (peak = its 10 kB).
    for (i, t) in m.tiers.iter().enumerate() {
        assert_eq!(t.peak_bytes, 10_000, "node {i} was filled");
    }
    // The same without the shield level: two origin requests.
    let two = run_text(&text, &["cdn.tiers.levels=[]"]);
    assert_eq!(two.origin_requests, 2);
    assert_eq!(two.tiers.len(), e + 2);
}

/// Che's approximation (Che, Tung, Wang 2002; Fricker, Robert, Roberts
/// 2012) for LRU under the independent reference model: with popularities
/// `p_i` and a cache of `C` equal-size objects, the characteristic time `T`
/// solves `sum_i (1 - exp(-p_i T)) = C` and the hit ratio is
/// `sum_i p_i (1 - exp(-p_i T))`. `T` is found here by bisection.
///
/// The run: one PoP, one client group, Zipf(0.8) over 20,000 objects of
/// 1,000 bytes, an LRU edge of 2,000 objects (2 MB), the origin in the same
/// city (fills arrive within milliseconds, at 100 requests/s: hardly any
/// request sees an object in flight), coalescing off, 250,000 measured
/// requests after 50,000 of warmup. The simulated edge hit ratio must be
/// within 2% (relative) of Che's prediction.
#[test]
fn che_approximation_predicts_the_lru_hit_ratio() {
    let (n, alpha, c) = (20_000u64, 0.8f64, 2_000f64);
    let text = format!(
        r#"
name = "che"
seed = 11
duration = "3000s"
warmup = "500s"

[latency]
jitter_mean = "0ms"

[cdn]
steering = "nearest"
pops = [{{ name = "fra", city = "FRA" }}]

[cdn.edge]
capacity = "2000000B"
policy = "lru"
processing = "0ms"

[cdn.tiers]
coalescing = false

[origin]
city = "FRA"
processing = "0ms"

[clients]
rate = "100/s"
groups = [{{ city = "FRA" }}]

[[workload.catalogs]]
name = "irm"
objects = {n}
zipf_alpha = {alpha}
size = {{ dist = "fixed", size = "1000B" }}
"#
    );
    let m = run_text(&text, &[]);
    let h_sim = m.edge.hit_ratio();

    let w: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-alpha)).collect();
    let total: f64 = w.iter().sum();
    let p: Vec<f64> = w.iter().map(|x| x / total).collect();
    let occupancy = |t: f64| p.iter().map(|&q| 1.0 - (-q * t).exp()).sum::<f64>();
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while occupancy(hi) < c {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if occupancy(mid) < c {
            lo = mid
        } else {
            hi = mid
        }
    }
    let t = 0.5 * (lo + hi);
    let h_che: f64 = p.iter().map(|&q| q * (1.0 - (-q * t).exp())).sum();
    assert!(m.edge.requests > 240_000, "{}", m.edge.requests);
    println!("LRU hit ratio: simulated {h_sim:.4}, Che {h_che:.4} (T = {t:.0} requests)");
    let rel = (h_sim - h_che).abs() / h_che;
    assert!(
        rel < 0.02,
        "simulated {h_sim:.4} vs Che {h_che:.4} (T = {t:.0} requests): {:.2}% apart",
        rel * 100.0
    );
}

/// Consistent hashing sends each object to one upper tier, whichever edge
/// asks: with coalescing off, the upper tiers' requests for one object all
/// land on one of them.
#[test]
fn consistent_hash_sends_an_object_to_one_upper_tier_from_every_edge() {
    let pops = [("fra", "FRA"), ("iad", "IAD"), ("sin", "SIN")];
    let tiers = format!(
        "{ONE_OBJECT}\n[cdn.tiers]\nmode = \"consistent-hash\"\nupper = [{{ name = \"a\", city = \"FRA\" }}, {{ name = \"b\", city = \"IAD\" }}, {{ name = \"c\", city = \"SIN\" }}]\n"
    );
    let m = run_text(&scenario(&pops, "SYD", &tiers), &[]);
    let upper = &m.tiers[pops.len()..];
    let used: Vec<usize> = (0..3).filter(|&i| upper[i].cache.requests > 0).collect();
    assert_eq!(
        used.len(),
        1,
        "{:?}",
        upper.iter().map(|t| t.cache.requests).collect::<Vec<_>>()
    );
    assert_eq!(upper[used[0]].cache.requests, 3, "one fetch per edge");
    assert_eq!(m.origin_requests, 1);
}

/// One object with the given `Cache-Control` (and an ETag unless
/// `etag = false`), one PoP in Frankfurt, the origin in Sydney (fetch RTT
/// about 0.3 s), 200 requests/s for `duration`, no warmup.
fn fresh_scenario(cc: &str, etag: bool, duration: &str, extra: &str) -> String {
    let catalog = format!(
        r#"
[[workload.catalogs]]
name = "one"
objects = 1
zipf_alpha = 0
size = {{ dist = "fixed", size = "10kB" }}
headers = [{{ share = "100%", cache_control = "{cc}", etag = {etag} }}]
{extra}
"#
    );
    scenario(&[("fra", "FRA")], "SYD", &catalog)
        .replace("duration = \"50ms\"", &format!("duration = \"{duration}\""))
        .replace("rate = \"10k/s\"", "rate = \"200/s\"")
}

/// max-age=1, stale-while-revalidate=60, ETag, the object never changes.
///
/// ```text
///  t=0     first request misses; the fill arrives at ~0.3 s with an age of
///          ~0.3 s (the response delay, RFC 9111 §4.2.3): fresh until ~1.0 s
///  ~1.0 s  stale: served stale, and the first stale request starts ONE
///          background conditional request
///  ~1.3 s  304: fresh again until ~2.0 s (the run ends at 1.8 s)
/// ```
#[test]
fn stale_while_revalidate_serves_stale_and_revalidates_once() {
    let text = fresh_scenario("max-age=1, stale-while-revalidate=60", true, "1800ms", "");
    let m = run_text(&text, &[]);
    assert_eq!(m.background_revalidations, 1);
    assert_eq!(m.origin_requests, 2, "the first fill and one revalidation");
    assert_eq!(m.revalidations, 1);
    assert_eq!(m.not_modified, 1, "unchanged object: 304");
    assert!(m.stale_served > 20, "{} stale serves", m.stale_served);
    assert_eq!(m.errors, 0);
    // Without stale-while-revalidate the stale requests wait for the
    // revalidation instead (coalesced onto it): nobody is served stale.
    let m = run_text(&fresh_scenario("max-age=1", true, "1800ms", ""), &[]);
    assert_eq!(m.stale_served, 0);
    assert_eq!(m.origin_requests, 2);
    assert_eq!(m.not_modified, 1);
    assert!(
        m.coalesced > 20 + 50,
        "initial burst + requests waiting for the 304"
    );
    // Freshness not enforced: the first fill serves the whole run.
    let m = run_text(
        &fresh_scenario("max-age=1", true, "1800ms", ""),
        &["cdn.freshness=not-enforced"],
    );
    assert_eq!(m.origin_requests, 1);
}

/// Validators decide between a 304 and a full response; the object change
/// model decides whether it changed.
#[test]
fn expired_objects_revalidate_conditionally_or_refetch() {
    // ETag, unchanged: one 304, its body not counted in origin bytes.
    let m = run_text(&fresh_scenario("max-age=1", true, "1800ms", ""), &[]);
    assert_eq!(
        (m.origin_requests, m.revalidations, m.not_modified),
        (2, 1, 1)
    );
    assert_eq!(m.origin_bytes, 10_000, "one body; the 304 has none");
    // No validators: a full fetch, no conditional request.
    let m = run_text(&fresh_scenario("max-age=1", false, "1800ms", ""), &[]);
    assert_eq!(
        (m.origin_requests, m.revalidations, m.not_modified),
        (2, 0, 0)
    );
    assert_eq!(m.origin_bytes, 20_000);
    // ETag, but the object changes every 100 ms: the conditional request
    // gets the new version in full.
    let m = run_text(
        &fresh_scenario("max-age=1", true, "1800ms", "change_every = \"100ms\""),
        &[],
    );
    assert_eq!(
        (m.origin_requests, m.revalidations, m.not_modified),
        (2, 1, 0)
    );
    assert_eq!(m.origin_bytes, 20_000);
}

/// max-age=1, stale-if-error=60; the origin is down from 0.9 s on. After
/// the copy expires (~1.0 s) every revalidation fails, and the stale copy
/// answers: no client sees an error. Without stale-if-error they do.
#[test]
fn stale_if_error_serves_through_an_origin_outage() {
    let outage = "\n[[origin.outages]]\nat = \"900ms\"\nduration = \"60s\"\n";
    let text = fresh_scenario("max-age=1, stale-if-error=60", true, "2500ms", "")
        .replace("\n[clients]", &format!("{outage}\n[clients]"));
    let m = run_text(&text, &[]);
    assert_eq!(m.errors, 0);
    assert!(
        m.origin_errors >= 2,
        "{} failed revalidations",
        m.origin_errors
    );
    assert!(m.stale_if_error_served > 100, "{}", m.stale_if_error_served);
    assert_eq!(m.ttfb.count(), m.edge.requests, "every request answered");

    let text = fresh_scenario("max-age=1", true, "2500ms", "")
        .replace("\n[clients]", &format!("{outage}\n[clients]"));
    let m = run_text(&text, &[]);
    assert_eq!(m.stale_if_error_served, 0);
    assert!(m.errors > 100, "{} errors", m.errors);
    assert_eq!(m.ttfb.count() + m.errors, m.edge.requests);
}

/// Five edges and a shield keep one hot object; at 1 s a hard purge
/// reaches every cache at once (`round = 0ms`). The origin is in Sydney,
/// so refetches take ~0.3 s and every request in that time misses.
///
/// ```text
///   5 x [edge] --> [shield IAD] --> (origin SYD)       purge at 1 s, all caches
/// ```
///
/// The herd at the origin after the purge: 1 request with shield and
/// coalescing; 5 (one per edge) without the shield; hundreds without
/// coalescing.
#[test]
fn purge_of_a_hot_object_herds_at_the_origin_unless_shield_and_coalescing() {
    let pops = [
        ("fra", "FRA"),
        ("lhr", "LHR"),
        ("iad", "IAD"),
        ("ord", "ORD"),
        ("lax", "LAX"),
    ];
    let body = format!(
        "{ONE_OBJECT}\n[cdn.tiers]\nmode = \"shield\"\nupper = [{{ name = \"shield\", city = \"IAD\" }}]\n\n[cdn.purge]\nround = \"0ms\"\nevents = [{{ at = \"1s\", catalog = \"one\", scope = \"url\" }}]\n"
    );
    let text = scenario(&pops, "SYD", &body)
        .replace("duration = \"50ms\"", "duration = \"2s\"")
        .replace("rate = \"10k/s\"", "rate = \"1k/s\"");
    let herd = |sets: &[&str]| {
        let mut with_none: Vec<&str> = sets.to_vec();
        with_none.push("cdn.purge.events=[]");
        let base = run_text(&text, &with_none);
        let m = run_text(&text, sets);
        assert_eq!(m.edge.requests, base.edge.requests, "same arrivals");
        (m.origin_requests - base.origin_requests, m)
    };
    let (extra, m) = herd(&[]);
    assert_eq!(extra, 1, "shield + coalescing: one origin request");
    assert_eq!(m.purged_objects, 6, "5 edges + the shield held it");
    assert!(m.purge_misses > 100, "{}", m.purge_misses);
    let (extra, _) = herd(&["cdn.tiers.mode=none"]);
    assert_eq!(extra, 5, "one per edge");
    let (extra, m) = herd(&["cdn.tiers.coalescing=false"]);
    assert!(
        extra > 200,
        "no coalescing: {extra} origin requests after the purge"
    );
    assert!(m.purge_misses >= extra);
}

/// A soft purge marks the object stale: with stale-while-revalidate every
/// request is still answered from cache at once, and one conditional
/// request (a 304: the object did not change) reaches the origin.
#[test]
fn soft_purge_revalidates_instead_of_refetching() {
    let catalog = r#"
[[workload.catalogs]]
name = "one"
objects = 1
zipf_alpha = 0
size = { dist = "fixed", size = "10kB" }
headers = [{ share = "100%", cache_control = "max-age=3600, stale-while-revalidate=60", etag = true }]

[cdn.purge]
round = "0ms"
events = [{ at = "1s", catalog = "one", scope = "url", soft = true }]
"#;
    let text = scenario(&[("fra", "FRA")], "SYD", catalog)
        .replace("duration = \"50ms\"", "duration = \"2s\"")
        .replace("rate = \"10k/s\"", "rate = \"1k/s\"");
    let m = run_text(&text, &[]);
    assert_eq!(m.origin_requests, 2, "first fill + one revalidation");
    assert_eq!(m.not_modified, 1);
    assert_eq!(m.background_revalidations, 1);
    assert!(m.stale_served > 100, "{}", m.stale_served);
    // Hard: the copy is gone, requests wait for a full refetch.
    let m = run_text(&text, &["cdn.purge.events[0].soft=false"]);
    assert_eq!(
        (m.origin_requests, m.not_modified, m.stale_served),
        (2, 0, 0)
    );
    assert_eq!(m.origin_bytes, 20_000);
}

/// A fill window pushes all 1,000 objects of a uniform catalog into the
/// edge during the first second, the origin next door (placement within
/// about a millisecond). Without push, pull misses every object's first
/// request: about 1000 (1 - e^-2) = 865 of 2,000. With push, only requests
/// that come before their object's slot miss: about half of the ~100
/// requests of the first second.
#[test]
fn push_places_objects_ahead_of_demand_beside_pull() {
    let text = r#"
name = "push"
seed = 9
duration = "20s"

[latency]
jitter_mean = "0ms"

[cdn]
steering = "nearest"
pops = [{ name = "fra", city = "FRA" }]
push = [{ start = "0s", end = "1s", catalog = "site", objects = 1000, targets = "edges" }]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "FRA"

[clients]
rate = "100/s"
groups = [{ city = "FRA" }]

[[workload.catalogs]]
name = "site"
objects = 1000
zipf_alpha = 0
size = { dist = "fixed", size = "10kB" }
"#;
    let pushed = run_text(text, &[]);
    assert!(pushed.pushed_objects >= 950, "{}", pushed.pushed_objects);
    assert_eq!(pushed.push_origin_requests, 1000);
    assert_eq!(pushed.push_origin_bytes, 10_000_000);
    assert!(
        pushed.origin_requests < 100,
        "pull: {}",
        pushed.origin_requests
    );
    let pull = run_text(text, &["cdn.push=[]"]);
    assert!(
        (800..930).contains(&pull.origin_requests),
        "pull only: {}",
        pull.origin_requests
    );
    assert_eq!(pull.push_origin_requests, 0);
    // An object pulled before its slot is already there when its push
    // arrives (left as it is); every other object is placed, and never
    // pulled (1 GB holds them all): placed + pulled = 1000, plus the
    // objects whose pull was still in flight (origin processing is 20 ms)
    // when the push was placed: both counted.
    let both = pushed.pushed_objects + pushed.origin_requests;
    assert!((1000..=1005).contains(&both), "{both}");
    assert_eq!(
        pushed.edge.hits + pushed.origin_requests + pushed.coalesced,
        pushed.edge.requests
    );
}

/// `workload.trace` replays a CSV trace through the run: time in trace
/// units (here 1 ms), labels matched to client groups by city name, rows
/// after `duration` and zero-size rows dropped, one object per id.
///
/// ```text
///   time  object  size  region
///   0     a       1000  London      -> miss (London group, lhr)
///   10    b       2000  Paris       -> miss (Paris group, cdg)
///   500   a       1000  London      -> hit
///   600   a       1000  Paris       -> miss at cdg
///   700   c       0     London      -> dropped (zero size)
///   900   b       2000  Paris       -> hit
///   5000  a       1000  London      -> dropped (after duration = 2s)
/// ```
#[test]
fn trace_replay_drives_a_run_from_a_csv_trace() {
    let dir = super::tmp("trace-replay");
    let trace = dir.join("t.csv");
    std::fs::write(
        &trace,
        "time,object,size,region\n0,a,1000,London\n10,b,2000,Paris\n500,a,1000,London\n600,a,1000,Paris\n700,c,0,London\n900,b,2000,Paris\n5000,a,1000,London\n",
    )
    .unwrap();
    let text = format!(
        r#"
name = "replay"
seed = 1
duration = "2s"

[output]
interval = "1s"

[cdn]
steering = "nearest"
pops = [{{ name = "lhr", city = "London" }}, {{ name = "cdg", city = "Paris" }}]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "Ashburn"

[clients]
rate = "1/s"
groups = [{{ city = "London" }}, {{ city = "Paris" }}]

[workload]
trace = {{ file = "{}", time_unit = "1ms" }}

[[workload.catalogs]]
name = "unused"
objects = 10
zipf_alpha = 1
size = {{ dist = "fixed", size = "1kB" }}
"#,
        trace.display()
    );
    let m = run_text(&text, &[]);
    assert_eq!(m.edge.requests, 5);
    assert_eq!(m.edge.hits, 2);
    assert_eq!(m.origin_requests, 3);
    assert_eq!(m.origin_bytes, 1000 + 2000 + 1000);
    assert_eq!(m.per_group[0].requests, 2, "London");
    assert_eq!(m.per_group[1].requests, 3, "Paris");
    assert_eq!(
        (m.per_pop[0].edge.requests, m.per_pop[1].edge.requests),
        (2, 3)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Purges by real names: 1,000 objects, all pushed into one edge by 1 s;
/// a purge at 2 s removes exactly the stored objects whose path
/// (`/images/d<i mod 20>/o<i>`) starts with the prefix, or that carry the
/// surrogate key (2 keys per object out of 30). The oracle writes the
/// paths out itself and takes the keys from `workload::names`.
#[test]
fn purge_by_prefix_or_surrogate_key_removes_exactly_the_matching_objects() {
    let text = r#"
name = "purge-names"
seed = 9
duration = "3s"

[output]
interval = "1s"

[latency]
jitter_mean = "0ms"

[cdn]
steering = "nearest"
pops = [{ name = "fra", city = "FRA" }]
push = [{ start = "0s", end = "1s", catalog = "images", objects = 1000, targets = "edges" }]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "FRA"

[clients]
rate = "1/s"
groups = [{ city = "FRA" }]

[[workload.catalogs]]
name = "images"
objects = 1000
zipf_alpha = 0
size = { dist = "fixed", size = "10kB" }
dirs = 20
surrogate_keys = 30
keys_per_object = 2
"#;
    let purge = |extra: &str| {
        let set = format!("cdn.purge.events=[{{ at = \"2s\", catalog = \"images\", {extra} }}]");
        run_text(text, &[&set]).purged_objects
    };
    let by_path = |prefix: &str| {
        (0..1000u64)
            .filter(|i| format!("/images/d{}/o{i}", i % 20).starts_with(prefix))
            .count() as u64
    };
    for prefix in ["/images/d12/", "/images/d1", "/images/d3/o3", "/images/"] {
        let got = purge(&format!("scope = \"prefix\", prefix = \"{prefix}\""));
        assert_eq!(got, by_path(prefix), "{prefix}");
    }
    // The old form without a prefix: the whole catalog.
    assert_eq!(purge("scope = \"prefix\""), 1000);
    let names = cdnsim::workload::names::Names::new("images", 20, 30, 2, 9);
    for k in [0u32, 17] {
        let want = (0..1000u64)
            .filter(|&i| names.keys_of(i).any(|x| x == k))
            .count() as u64;
        let got = purge(&format!(
            "scope = \"surrogate-key\", surrogate_key = \"images-k{k}\""
        ));
        assert_eq!(got, want, "images-k{k}");
        assert!((40..=100).contains(&got), "{got}");
    }
    // The rank form of surrogate-key still works: 10 consecutive ranks.
    assert_eq!(
        purge("scope = \"surrogate-key\", first_rank = 5, objects = 10"),
        10
    );
}

/// A CSV trace's `catalog` column: requests of catalog "api" (no-store)
/// are never cached, those of "static" are; a catalog with `cacheable =
/// 50%` makes about half its distinct trace objects uncacheable (the
/// catalog's rule, by a hash of the trace id); an unknown name is refused
/// with the file and line.
#[test]
fn trace_catalog_column_picks_catalog_and_profile() {
    let dir = super::tmp("trace-catalogs");
    let trace = dir.join("t.csv");
    let mut rows = String::from("time,object,size,catalog\n");
    for i in 0..10u64 {
        // A second apart: each fill is back before the next request.
        rows.push_str(&format!(
            "{},s1,1000,static\n{},a1,1000,api\n",
            1000 * i,
            1000 * i + 1
        ));
    }
    for i in 0..2000u64 {
        rows.push_str(&format!("{},h{i},1000,half\n", 100 + i));
    }
    std::fs::write(&trace, &rows).unwrap();
    let text = format!(
        r#"
name = "replay"
seed = 1
duration = "10s"

[cdn]
steering = "nearest"
pops = [{{ name = "lhr", city = "London" }}]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "London"

[clients]
rate = "1/s"
groups = [{{ city = "London" }}]

[workload]
trace = {{ file = "{}", time_unit = "1ms" }}

[[workload.catalogs]]
name = "static"
objects = 10
zipf_alpha = 1
share = "40%"
size = {{ dist = "fixed", size = "1kB" }}

[[workload.catalogs]]
name = "api"
objects = 10
zipf_alpha = 1
share = "30%"
size = {{ dist = "fixed", size = "1kB" }}
headers = [{{ share = "100%", cache_control = "no-store" }}]

[[workload.catalogs]]
name = "half"
objects = 10
zipf_alpha = 1
share = "30%"
cacheable = "50%"
size = {{ dist = "fixed", size = "1kB" }}
"#,
        trace.display()
    );
    let m = run_text(&text, &[]);
    assert_eq!(m.edge.requests, 2020);
    // s1: one miss then 9 hits; a1: 10 passes; h*: all first requests.
    assert_eq!(m.edge.hits, 9);
    let half = m.uncacheable - 10;
    assert!((900..=1100).contains(&half), "{half} of 2000 uncacheable");

    std::fs::write(
        &trace,
        "time,object,size,catalog\n0,a,1,static\n1,b,1,video\n",
    )
    .unwrap();
    let loaded = load_str("test.toml", text.clone(), false, &[]).unwrap();
    let cfg = validate(&loaded).unwrap();
    let (routes, _) = sim::plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).unwrap();
    let e = sim::run(&cfg, &routes, |_| Control::Continue).unwrap_err();
    let want = format!(
        "{}:3: catalog: unknown catalog \"video\" (expected one of workload.catalogs' names: \"static\", \"api\", \"half\")",
        trace.display()
    );
    assert_eq!(e.to_string(), want);
    std::fs::remove_dir_all(dir).unwrap();
}
