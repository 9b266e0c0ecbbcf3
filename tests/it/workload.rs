//! Workloads: popularity, arrivals, flash crowds, churn, header profiles
//! and determinism, checked against theory with fixed seeds.

use cdnsim::rng::Streams;
use cdnsim::scenario::{RunConfig, load_str, validate};
use cdnsim::time::{SimDuration, SimTime};
use cdnsim::workload::{
    ArrivalConfig, Arrivals, Catalog, CatalogConfig, DiurnalProfile, FlashCrowdConfig, GroupClock,
    RequestSource, SizeModel, Synthetic, Workload,
};

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// The quickstart scenario with extra TOML appended to its catalog (or
/// after it) and `--set` overrides.
fn scenario(extra: &str, sets: &[&str]) -> Result<RunConfig, cdnsim::InputError> {
    let base = super::quickstart_without_world();
    let text = format!("{base}\n{extra}\n");
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let loaded = load_str("s.toml", text, false, &sets)?;
    validate(&loaded)
}

#[test]
fn zipf_rank_frequencies_pass_a_chi_square_test() {
    let n = 100u64;
    let draws = 200_000u64;
    let w = Workload::new(
        &[CatalogConfig::basic("z", n, 0.9, SizeModel::Fixed(1))],
        Streams::new(11),
    );
    let mut rng = Streams::new(11).stream("test/zipf");
    let mut counts = vec![0u64; n as usize];
    for _ in 0..draws {
        counts[w.draw(&mut rng).1 as usize] += 1;
    }
    let c = &w.catalogs[0];
    let chi2: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, &o)| {
            let e = draws as f64 * c.popularity(i as u64 + 1);
            (o as f64 - e).powi(2) / e
        })
        .sum();
    // 99 degrees of freedom: the 0.1% critical value is 148.2.
    assert!(chi2 < 148.2, "chi-square {chi2:.1} (seed 11)");
}

#[test]
fn diurnal_arrivals_follow_the_profile_in_local_time() {
    // A ramp: no shift of the day maps it onto itself.
    let weights: Vec<f64> = (0..24).map(|h| 1.0 + h as f64).collect();
    let profile = DiurnalProfile::hourly(&weights).unwrap();
    let DiurnalProfile::Hourly(factors) = profile.clone() else {
        unreachable!()
    };
    let cfg = ArrivalConfig {
        diurnal: profile,
        start_utc: SimDuration::ZERO,
    };
    // Group 0 at 0°, group 1 at 90°E (local = UTC + 6h); equal shares.
    let groups = [
        GroupClock {
            share: 1.0,
            lon: 0.0,
        },
        GroupClock {
            share: 1.0,
            lon: 90.0,
        },
    ];
    let rate = 20.0;
    let mut a = Arrivals::new(rate, &groups, &cfg, Streams::new(5).stream("test/arrivals"));
    let mut per_hour = [[0u64; 24]; 2];
    let mut last = SimTime::ZERO;
    while let Some((t, g)) = a.next(secs(86_400)) {
        assert!(t >= last, "arrivals in time order");
        last = t;
        per_hour[g as usize][(t.as_secs_f64() / 3600.0) as usize] += 1;
    }
    for (g, offset) in [(0usize, 0usize), (1, 6)] {
        for h in 0..24 {
            let expect = rate / 2.0 * 3600.0 * factors[(h + offset) % 24];
            let got = per_hour[g][h] as f64;
            // Poisson: 5 standard deviations.
            assert!(
                (got - expect).abs() < 5.0 * expect.sqrt(),
                "group {g} UTC hour {h}: {got} vs {expect:.0} (seed 5)"
            );
        }
    }
}

#[test]
fn flash_crowd_raises_the_hot_set_share_in_its_window_only() {
    let mut cfg = CatalogConfig::basic("f", 10_000, 0.8, SizeModel::Fixed(1));
    cfg.flash_crowds = vec![FlashCrowdConfig {
        start: secs(100),
        duration: SimDuration::from_secs(50),
        first_rank: 500,
        objects: 10,
        multiplier: 200.0,
    }];
    let c = Catalog::new(&cfg, 0, Streams::new(2));
    let mass: f64 = (500..510).map(|r| c.popularity(r)).sum();
    let share_at = |t: SimTime| {
        let mut rng = Streams::new(2).stream("test/flash");
        let n = 100_000;
        (0..n)
            .filter(|_| (499..509).contains(&c.draw_at(t, &mut rng)))
            .count() as f64
            / n as f64
    };
    let expect = 200.0 * mass / (1.0 + 199.0 * mass);
    let inside = share_at(secs(120));
    assert!((inside - expect).abs() < 0.01, "{inside} vs {expect}");
    assert!(inside > 0.1, "the set is hot: {inside}");
    for t in [secs(99), secs(150)] {
        let outside = share_at(t);
        assert!((outside - mass).abs() < 0.002, "{t}: {outside} vs {mass}");
    }
}

#[test]
fn churn_introduces_objects_that_take_popularity() {
    let mut cfg = CatalogConfig::basic("c", 10_000, 1.0, SizeModel::Fixed(1));
    cfg.churn_rate = 1.0;
    let c = Catalog::new(&cfg, 0, Streams::new(4));
    let mut rng = Streams::new(4).stream("test/churn");
    let n = 100_000;
    let t0: Vec<u64> = (0..n).map(|_| c.draw_at(SimTime::ZERO, &mut rng)).collect();
    assert!(t0.iter().all(|&id| id < 10_000), "no new objects at t = 0");
    let t = secs(600); // 600 new objects, indices 10000..10599
    let later: Vec<u64> = (0..n).map(|_| c.draw_at(t, &mut rng)).collect();
    let new = later.iter().filter(|&&id| id >= 10_000).count() as f64 / n as f64;
    let expect: f64 = (1..=600).map(|r| c.popularity(r)).sum();
    assert!((new - expect).abs() < 0.01, "{new} vs {expect}");
    let newest = later.iter().filter(|&&id| id == 10_599).count() as f64 / n as f64;
    assert!(
        (newest - c.popularity(1)).abs() < 0.01,
        "newest on top: {newest}"
    );
    assert!(
        later.iter().all(|&id| id < 10_600),
        "no object from the future"
    );
    // Objects pushed past rank 10,000 are no longer requested.
    assert!(later.iter().all(|&id| !(9_400..10_000).contains(&id)));
}

#[test]
fn header_profiles_and_cacheability_match_their_shares() {
    let cfg = scenario(
        r#"cacheable = "90%"
headers = [
  { share = "80%", cache_control = "public, max-age=3600" },
  { share = "20%", cache_control = "private" },
]"#,
        &[],
    )
    .unwrap();
    let w = Workload::new(&cfg.catalogs, Streams::new(cfg.seed));
    let c = &w.catalogs[0];
    assert_eq!(c.profiles.len(), 3, "two profiles plus no-store");
    let n = 200_000u64;
    let mut count = [0u64; 3];
    for id in 0..n {
        count[c.profile_of(id) as usize] += 1;
    }
    let share = |k: usize| count[k] as f64 / n as f64;
    assert!((share(0) - 0.9 * 0.8).abs() < 0.005, "{count:?}");
    assert!((share(1) - 0.9 * 0.2).abs() < 0.005, "{count:?}");
    assert!((share(2) - 0.1).abs() < 0.005, "{count:?}");
    assert!(c.profiles[2].cache_control.no_store);
    assert!(c.profiles[1].cache_control.private);
    // Stable per object: the same object always has the same profile.
    let again = Workload::new(&cfg.catalogs, Streams::new(cfg.seed));
    assert!((0..1000).all(|id| again.catalogs[0].profile_of(id) == c.profile_of(id)));
}

#[test]
fn cache_busting_share_of_requests() {
    let cfg = scenario("cache_busting = \"5%\"", &[]).unwrap();
    let w = Workload::new(&cfg.catalogs, Streams::new(1));
    let mut rng = Streams::new(1).stream("test/bust");
    let n = 100_000;
    let busted = (0..n)
        .filter(|_| w.draw_at(SimTime::ZERO, &mut rng).bust.is_some())
        .count() as f64
        / n as f64;
    assert!((busted - 0.05).abs() < 0.004, "{busted}");
}

fn first_requests(cfg: &RunConfig, n: usize) -> Vec<cdnsim::workload::Request> {
    let mut s = Synthetic::from_config(cfg);
    (0..n).map_while(|_| s.next_request()).collect()
}

#[test]
fn synthetic_source_is_deterministic_by_seed() {
    let extra = r#"cache_busting = "10%"
churn = { rate = "2/s" }
flash_crowds = [{ at = "1m", duration = "1m", first_rank = 100, objects = 5, multiplier = 50 }]
[workload.diurnal]
profile = "sinusoid"
peak_hour = 20
"#;
    let a = scenario(extra, &[]).unwrap();
    let b = scenario(extra, &[]).unwrap();
    let c = scenario(extra, &["seed=43"]).unwrap();
    let ra = first_requests(&a, 20_000);
    assert_eq!(ra.len(), 20_000);
    assert_eq!(ra, first_requests(&b, 20_000), "same seed, same requests");
    assert_ne!(
        ra,
        first_requests(&c, 20_000),
        "another seed, other requests"
    );
    assert!(ra.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(ra.iter().all(|r| (r.group as usize) < a.groups.len()));
}

#[test]
fn workload_keys_are_validated_with_paths() {
    let e = scenario(
        "headers = [{ share = \"100%\", cache_control = \"max_age=60\" }]",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("workload.catalogs[0].headers[0].cache_control: unknown directive \"max_age\""),
        "{e}"
    );
    let e = scenario(
        "headers = [{ share = \"60%\", cache_control = \"no-store\" }]",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("profile shares sum to 60.0000%"), "{e}");
    let e = scenario(
        "flash_crowds = [{ at = \"1m\", duration = \"1m\", first_rank = 199999, objects = 5, multiplier = 5 }]",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("flash_crowds[0].first_rank"), "{e}");
    let e = scenario(
        "[workload.diurnal]\nprofile = \"hourly\"\nweights = [1, 2]",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("workload.diurnal.weights: 2 weights given (expected 24"),
        "{e}"
    );
    let e = scenario("compression = 1.5", &[]).unwrap_err().to_string();
    assert!(e.contains("compression: 1.5 is out of range"), "{e}");
    let ok = scenario("content_type = \"text/html\"", &[]).unwrap();
    assert_eq!(ok.catalogs[0].compression, 0.25);
}

#[test]
fn empirical_sizes_load_relative_to_the_scenario() {
    let dir = super::tmp("empirical");
    std::fs::write(dir.join("sizes.csv"), "size,weight\n1kB,1\n1MB,1\n").unwrap();
    let base = super::quickstart_without_world();
    let text = base.replace(
        "size = { dist = \"lognormal\", median = \"24kB\", sigma = 1.2, max = \"50MB\" }",
        "size = { dist = \"empirical\", file = \"sizes.csv\" }",
    );
    assert_ne!(text, base);
    let path = dir.join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let cfg = validate(&cdnsim::scenario::load_file(&path, &[]).unwrap()).unwrap();
    let w = Workload::new(&cfg.catalogs, Streams::new(1));
    let sizes: std::collections::BTreeSet<u64> =
        (0..1000).map(|id| w.catalogs[0].size_of(id)).collect();
    assert_eq!(sizes.into_iter().collect::<Vec<_>>(), vec![1000, 1_000_000]);
    std::fs::write(dir.join("sizes.csv"), "1kB\nlots\n").unwrap();
    let e = validate(&cdnsim::scenario::load_file(&path, &[]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("sizes.csv:2:"), "{e}");
}
