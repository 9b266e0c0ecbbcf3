//! HTTP caching semantics end to end: real header sets in, decisions out,
//! and cache keys against workload draws.

use cdnsim::http::{
    CacheConfig, Decision, KeyConfig, LifetimeSource, NotStored, OnError, Policy, QueryMode,
    ResponseHeaders, Stored, decide, on_origin_error,
};
use cdnsim::rng::Streams;
use cdnsim::time::{SimDuration, SimTime};
use cdnsim::workload::{BUST_PARAM, CatalogConfig, SizeModel, Workload};

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// A response as an origin behind a CDN might send it.
const ORIGIN: &[(&str, &str)] = &[
    ("Date", "Sun, 22 Nov 2026 03:00:00 GMT"),
    ("Last-Modified", "Sat, 21 Nov 2026 03:00:00 GMT"),
    ("ETag", "W/\"5f2-abc\""),
    ("Cache-Control", "public, max-age=60"),
    (
        "CDN-Cache-Control",
        "max-age=600, stale-while-revalidate=30, stale-if-error=3600",
    ),
    ("Vary", "Accept-Encoding"),
    ("Content-Type", "text/html"),
];

#[test]
fn a_real_origin_response_through_its_lifetime() {
    let h = ResponseHeaders::parse(ORIGIN.iter().copied(), 0);
    let p = Policy::evaluate(&h, &CacheConfig::default());
    assert!(p.storable());
    // RFC 9213: CDN-Cache-Control governs the CDN; Cache-Control is for browsers.
    assert_eq!(p.source, LifetimeSource::CdnCacheControl);
    assert_eq!(p.lifetime, SimDuration::from_secs(600));
    assert!(p.validators);
    // Stored at 1000 after a 0.1 s fetch.
    let mut s = Stored::new(
        SimTime::from_nanos(999_900_000_000),
        at(1000),
        SimDuration::ZERO,
        None,
    );
    assert_eq!(decide(&p, &s, at(1500)), Decision::Fresh);
    // 600 s lifetime from an initial age of 0.1 s: stale from 1599.9 s.
    assert_eq!(
        decide(&p, &s, at(1610)),
        Decision::StaleWhileRevalidate {
            start_revalidation: true
        }
    );
    s.revalidating = true;
    assert_eq!(
        decide(&p, &s, at(1620)),
        Decision::StaleWhileRevalidate {
            start_revalidation: false
        }
    );
    assert_eq!(
        decide(&p, &s, at(1640)),
        Decision::Validate { conditional: true }
    );
    // Origin down: serve stale for up to an hour past the lifetime.
    assert_eq!(on_origin_error(&p, &s, at(1640)), OnError::ServeStale);
    assert_eq!(on_origin_error(&p, &s, at(5300)), OnError::Fail);
    // A 304 refreshes the entry.
    s.refreshed(at(1640), at(1641), SimDuration::ZERO, None);
    assert_eq!(decide(&p, &s, at(2000)), Decision::Fresh);
}

#[test]
fn same_response_without_cdn_headers_uses_cache_control() {
    let fields: Vec<(&str, &str)> = ORIGIN
        .iter()
        .copied()
        .filter(|(n, _)| *n != "CDN-Cache-Control")
        .collect();
    let p = Policy::evaluate(
        &ResponseHeaders::parse(fields.iter().copied(), 0),
        &CacheConfig::default(),
    );
    assert_eq!(
        (p.source, p.lifetime),
        (LifetimeSource::MaxAge, SimDuration::from_secs(60))
    );
    assert_eq!(p.stale_while_revalidate, SimDuration::ZERO);
}

#[test]
fn set_cookie_policy_from_scenario_toml() {
    let h = ResponseHeaders::parse(
        [
            ("Cache-Control", "s-maxage=300"),
            ("Set-Cookie", "session=1; Path=/"),
        ],
        0,
    );
    let default = Policy::evaluate(&h, &CacheConfig::default());
    assert_eq!(default.store, Err(NotStored::SetCookie));
    let cfg: CacheConfig = toml::from_str("set_cookie = \"store-if-explicit\"").unwrap();
    assert!(Policy::evaluate(&h, &cfg).storable());
}

#[test]
fn query_normalisation_undoes_cache_busting() {
    // 10% of requests carry a unique query parameter: with the query kept
    // each of them is a distinct key; stripping (or keeping only listed
    // parameters) folds them back onto the object.
    let mut cfg = CatalogConfig::basic("web", 1000, 0.9, SizeModel::Fixed(1));
    cfg.cache_busting = 0.1;
    let w = Workload::new(&[cfg], Streams::new(9));
    let mut rng = Streams::new(9).stream("test/keys");
    let draws: Vec<_> = (0..50_000)
        .map(|_| w.draw_at(SimTime::ZERO, &mut rng))
        .collect();
    let distinct = |k: &KeyConfig| {
        let mut keys: Vec<u64> = draws
            .iter()
            .map(|d| k.object_key(d.object, d.bust, BUST_PARAM, 0).0)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    };
    let objects = {
        let mut o: Vec<u64> = draws.iter().map(|d| d.object).collect();
        o.sort_unstable();
        o.dedup();
        o.len()
    };
    let busted = draws.iter().filter(|d| d.bust.is_some()).count();
    assert_eq!(distinct(&KeyConfig::default()), objects + busted);
    let strip = KeyConfig {
        query: QueryMode::Strip,
        params: vec![],
    };
    let only = KeyConfig {
        query: QueryMode::Only,
        params: vec!["v".into()],
    };
    assert_eq!(distinct(&strip), objects);
    assert_eq!(distinct(&only), objects);
}
