//! Per-request cost of the workload and of the HTTP decisions.
//!
//! - `synthetic_next_request`: one arrival (diurnal thinning, sinusoid) plus
//!   one popularity draw from a 10 M-object Zipf catalog with 3 header
//!   profiles, 5% cache busting and an active flash crowd.
//! - `workload_draw_at`, `zipf_only_draw_at`, `arrivals_next_diurnal`:
//!   the parts of the above (the last two without crowd, busting, profiles).
//! - `policy_decide`: `decide` for a stored response (the per-lookup cost;
//!   `Policy::evaluate` runs once per header profile).
//! - `parse_response_headers`: parsing a realistic 7-field response.
//!
//!     cargo bench --bench workload
//!
//! Figures: docs/performance.md, section "Workload and HTTP".

use cdnsim::http::{CacheConfig, Policy, ResponseHeaders, Stored, decide};
use cdnsim::rng::Streams;
use cdnsim::time::{SimDuration, SimTime};
use cdnsim::workload::{
    ArrivalConfig, Arrivals, CatalogConfig, DiurnalProfile, FlashCrowdConfig, GroupClock,
    RequestSource, SizeModel, Synthetic, Workload,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const N: u64 = 1_000_000;

fn source() -> Synthetic {
    let mut c = CatalogConfig::basic(
        "web",
        10_000_000,
        0.9,
        SizeModel::Lognormal {
            median: 24_000.0,
            sigma: 1.2,
            min: 1.0,
            max: 50e6,
        },
    );
    let h = c.headers[0].1.clone();
    c.headers = vec![(0.5, h.clone()), (0.3, h.clone()), (0.2, h)];
    c.cache_busting = 0.05;
    c.flash_crowds = vec![FlashCrowdConfig {
        start: SimTime::ZERO,
        duration: SimDuration::from_secs(1_000_000),
        first_rank: 1000,
        objects: 100,
        multiplier: 100.0,
    }];
    let streams = Streams::new(1);
    let groups: Vec<GroupClock> = (0..12)
        .map(|i| GroupClock {
            share: 1.0 + i as f64,
            lon: -120.0 + 20.0 * i as f64,
        })
        .collect();
    let cfg = ArrivalConfig {
        diurnal: DiurnalProfile::Sinusoid {
            peak_hour: 20.0,
            amplitude: 0.5,
        },
        start_utc: SimDuration::ZERO,
    };
    Synthetic::new(
        Workload::new(&[c], streams),
        Arrivals::new(10_000.0, &groups, &cfg, streams.stream("a")),
        streams.stream("d"),
        SimTime::MAX,
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("workload");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    let mut s = source();
    g.bench_function("synthetic_next_request", |b| {
        b.iter(|| {
            for _ in 0..N {
                black_box(s.next_request());
            }
        })
    });
    let w = source().workload;
    let mut rng = Streams::new(3).stream("bench/draws");
    g.bench_function("workload_draw_at", |b| {
        b.iter(|| {
            for i in 0..N {
                black_box(w.draw_at(SimTime::from_nanos(i), &mut rng));
            }
        })
    });
    let flat = CatalogConfig::basic("flat", 10_000_000, 0.9, SizeModel::Fixed(1000));
    let wf = Workload::new(&[flat], Streams::new(1));
    g.bench_function("zipf_only_draw_at", |b| {
        b.iter(|| {
            for _ in 0..N {
                black_box(wf.draw_at(SimTime::ZERO, &mut rng));
            }
        })
    });
    let mut a = Arrivals::new(
        10_000.0,
        &[GroupClock {
            share: 1.0,
            lon: 8.0,
        }],
        &ArrivalConfig {
            diurnal: DiurnalProfile::Sinusoid {
                peak_hour: 20.0,
                amplitude: 0.5,
            },
            start_utc: SimDuration::ZERO,
        },
        Streams::new(4).stream("bench/arrivals"),
    );
    g.bench_function("arrivals_next_diurnal", |b| {
        b.iter(|| {
            for _ in 0..N {
                black_box(a.next(SimTime::MAX));
            }
        })
    });
    let fields = [
        ("Date", "Sun, 22 Nov 2026 03:00:00 GMT"),
        ("Last-Modified", "Sat, 21 Nov 2026 03:00:00 GMT"),
        ("ETag", "W/\"5f2-abc\""),
        ("Cache-Control", "public, max-age=60"),
        (
            "CDN-Cache-Control",
            "max-age=600, stale-while-revalidate=30",
        ),
        ("Vary", "Accept-Encoding"),
        ("Content-Type", "text/html"),
    ];
    let h = ResponseHeaders::parse(fields, 0);
    let p = Policy::evaluate(&h, &CacheConfig::default());
    let st = Stored::new(SimTime::ZERO, SimTime::ZERO, SimDuration::ZERO, None);
    g.bench_function("policy_decide", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for i in 0..N {
                let now = SimTime::from_nanos(i * 1_000_000);
                n += u64::from(
                    decide(black_box(&p), black_box(&st), now) == cdnsim::http::Decision::Fresh,
                );
            }
            n
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_response_headers", |b| {
        b.iter(|| ResponseHeaders::parse(black_box(fields), 0))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
