//! DNS steering on the shipped 3,000-AS world (scenarios/anycast-vs-dns.toml,
//! shortened): ECS against resolver-based geo, load-aware against
//! capacity, and the several-modes run folder.

use super::{cdnsim, root, stderr, tmp};
use cdnsim::dns::Steerer;
use cdnsim::scenario::raw::Steering;
use cdnsim::scenario::{RunConfig, load_file, validate};
use cdnsim::sim::{self, RunMetrics};

fn config(sets: &[&str]) -> RunConfig {
    let mut all = vec![
        "duration=150s".to_string(),
        "warmup=30s".to_string(),
        "clients.rate=400/s".to_string(),
    ];
    all.extend(sets.iter().map(|s| s.to_string()));
    let loaded = load_file(&root().join("scenarios/anycast-vs-dns.toml"), &all).unwrap();
    validate(&loaded).unwrap()
}

/// Runs `cfg` in `mode` (world, resolvers and plan built for it).
fn run(cfg: &RunConfig, mode: Steering) -> (RunMetrics, Steerer) {
    let mut c = cfg.clone();
    c.steering = Steering::Anycast;
    let (routes, routed) = sim::plan(&c, &|p, m| panic!("{p}: {m}")).unwrap();
    let who = sim::steering::resolution(&c, &routes, routed.as_ref(), &|p, m| panic!("{p}: {m}"))
        .unwrap();
    c.steering = mode;
    let st = sim::steering::steerer(&c, &routes, routed.as_ref(), who.as_ref());
    sim::run_steered(&c, &routes, st, |_| cdnsim::engine::Control::Continue)
        .unwrap()
        .unwrap()
}

/// Request-weighted mean client-PoP distance of public-resolver clients.
fn public_km(st: &Steerer) -> f64 {
    let (mut km, mut n) = (0.0, 0u64);
    for (g, s) in st.groups().iter().zip(&st.stats().per_group) {
        if st.resolvers()[g.resolver].public {
            km += s.km;
            n += s.requests;
        }
    }
    assert!(n > 0, "no public-resolver requests");
    km / n as f64
}

/// 30 PoPs in large cities of every continent, and clients in cities of
/// at least 5 million: a dense deployment next to its clients, as the
/// CDN of Chen et al. 2015, while the public resolver has 8 sites.
const DENSE_POPS: &str = "cdn.pops=[\
{name=\"p0\",city=\"Paris\"},{name=\"p1\",city=\"Madrid\"},{name=\"p2\",city=\"Istanbul\"},\
{name=\"p3\",city=\"Moscow\"},{name=\"p4\",city=\"New York City\"},{name=\"p5\",city=\"Mexico City\"},\
{name=\"p6\",city=\"Sao Paulo\"},{name=\"p7\",city=\"Buenos Aires\"},{name=\"p8\",city=\"Bogota\"},\
{name=\"p9\",city=\"Lagos\"},{name=\"p10\",city=\"Cairo\"},{name=\"p11\",city=\"Johannesburg\"},\
{name=\"p12\",city=\"Mumbai\"},{name=\"p13\",city=\"Delhi\"},{name=\"p14\",city=\"Singapore\"},\
{name=\"p15\",city=\"Hong Kong\"},{name=\"p16\",city=\"Tokyo\"},{name=\"p17\",city=\"Sydney\"},\
{name=\"p18\",city=\"Beijing\"},{name=\"p19\",city=\"Shanghai\"},{name=\"p20\",city=\"Jakarta\"},\
{name=\"p21\",city=\"Manila\"},{name=\"p22\",city=\"Karachi\"},{name=\"p23\",city=\"Dhaka\"},\
{name=\"p24\",city=\"Seoul\"},{name=\"p25\",city=\"Chicago\"},{name=\"p26\",city=\"Los Angeles\"},\
{name=\"p27\",city=\"London\"},{name=\"p28\",city=\"Frankfurt\"},{name=\"p29\",city=\"Ashburn\"}]";

#[test]
fn ecs_shrinks_public_resolver_clients_mapping_distance() {
    // 30% of the demand on public resolvers, so many groups use one.
    let common = [
        "dns.public_share=30%",
        "clients.population.min_population=5000000",
        DENSE_POPS,
    ];
    let with = config(&[&common[..], &["dns.public_ecs=24"]].concat());
    let without = config(&[&common[..], &["dns.public_ecs=0"]].concat());
    let (_, a) = run(&with, Steering::Geo);
    let (_, b) = run(&without, Steering::Geo);
    let (ecs, resolver) = (public_km(&a), public_km(&b));
    eprintln!(
        "public-resolver clients, mean km to PoP: ECS {ecs:.0}, resolver-based {resolver:.0}"
    );
    assert!(
        resolver > 4.0 * ecs,
        "ECS {ecs:.0} km vs resolver-based {resolver:.0} km"
    );
}

#[test]
fn load_aware_keeps_every_pop_under_capacity_when_total_suffices() {
    // 8 PoPs x 80/s = 640/s of capacity for 400/s of demand.
    let cfg = config(&["dns.pop_capacity=80/s"]);
    let peak = |st: &Steerer| -> Vec<f64> {
        st.stats()
            .per_pop_second
            .iter()
            .map(|v| cdnsim::output::steering::peak_rate(v))
            .collect()
    };
    let (_, geo) = run(&cfg, Steering::Geo);
    let (_, load) = run(&cfg, Steering::LoadAware);
    let (g, l) = (peak(&geo), peak(&load));
    eprintln!("peak 10 s rate per PoP: geo {g:?}, load-aware {l:?}");
    assert!(g.iter().any(|&x| x > 80.0), "geo overloads none: {g:?}");
    assert!(l.iter().all(|&x| x <= 80.0), "load-aware: {l:?}");
}

/// Every file under `dir`, relative path -> bytes, sorted.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn run_modes(out: &std::path::Path) -> std::process::Output {
    cdnsim(&[
        "run",
        "scenarios/anycast-vs-dns.toml",
        "--set",
        "duration=40s",
        "--set",
        "warmup=10s",
        "--set",
        "clients.rate=300/s",
        "--set",
        "clients.population.groups=60",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn several_modes_write_the_side_by_side_comparison_deterministically() {
    let base = tmp("dns-modes");
    let (out, again) = (base.join("a"), base.join("b"));
    let o = run_modes(&out);
    assert!(o.status.success(), "{}", stderr(&o));
    let o2 = run_modes(&again);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let (fa, fb) = (files(&out), files(&again));
    assert!(fa.len() > 7 * 10, "{} files", fa.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two runs of the same seed");
    }
    assert_eq!(fa.len(), fb.len());
    let text = String::from_utf8_lossy(&o.stdout);
    for m in [
        "nearest",
        "anycast",
        "geo",
        "latency-map",
        "load-aware",
        "hybrid",
        "explicit",
    ] {
        assert!(text.contains(m), "{m} missing from\n{text}");
        assert!(
            out.join(m).join("summary.json").is_file(),
            "{m}/summary.json"
        );
        assert!(
            out.join(m).join("steering.csv").is_file(),
            "{m}/steering.csv"
        );
    }
    for f in [
        "summary.json",
        "modes.csv",
        "regions.csv",
        "clients.csv",
        "compare.csv",
        "index.html",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let modes = std::fs::read_to_string(out.join("modes.csv")).unwrap();
    assert_eq!(modes.lines().count(), 8, "{modes}");
    // The oracle never waits for DNS; anycast (with [dns]) does, on misses.
    let row = |m: &str| {
        modes
            .lines()
            .find(|l| l.starts_with(&format!("{m},")))
            .unwrap()
            .to_string()
    };
    let head: Vec<&str> = modes.lines().next().unwrap().split(',').collect();
    let col = |m: &str, c: &str| -> f64 {
        let i = head.iter().position(|h| *h == c).unwrap();
        row(m).split(',').nth(i).unwrap().parse().unwrap()
    };
    assert_eq!(col("nearest", "dns_queries_per_s"), 0.0);
    assert!(col("anycast", "dns_queries_per_s") > 0.0);
    // ECS fragments public resolvers' caches (one answer per /24 for geo,
    // one scope-/0 answer for anycast): geo asks the authoritative more.
    assert!(col("geo", "dns_queries_per_s") > col("anycast", "dns_queries_per_s"));
    // A mode folder's config.toml runs that mode alone.
    let geo = std::fs::read_to_string(out.join("geo/config.toml")).unwrap();
    assert!(
        geo.contains("steering = \"geo\"") && !geo.contains("compare"),
        "{geo}"
    );
    std::fs::remove_dir_all(base).unwrap();
}
