//! The files of a run folder, built from recorded metrics only.
//! Every key and column is documented in docs/outputs.md.

use super::{RunDir, csv_bytes, round};
use crate::error::Error;
use crate::metrics::LatencyHistogram;
use crate::scenario::RunConfig;
use crate::sim::{GroupRoute, RunMetrics};
use serde::Serialize;

/// Percentiles reported for every latency distribution.
pub const PERCENTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p99", 0.99),
    ("p99.9", 0.999),
    ("p99.99", 0.9999),
];

#[derive(Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub cdnsim_version: &'static str,
    pub steering: String,
    pub transport: &'static str,
    /// How HTTP freshness is applied: `not-enforced` (a stored object stays
    /// fresh until evicted; storability from headers is applied).
    pub freshness: &'static str,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Always true: requests arriving in warmup are not in any metric below.
    pub warmup_excluded: bool,
    pub requests: u64,
    pub requests_issued_incl_warmup: u64,
    pub ttfb_ms: Latency,
    pub hit_ratio: HitRatio,
    pub origin_requests: u64,
    pub origin_bytes: u64,
    /// Measured requests whose headers forbid a shared cache to store them.
    pub uncacheable_requests: u64,
    pub bytes_served: u64,
    pub events: u64,
    /// Invariant checks of the run: name -> holds + the numbers compared
    /// (see `sim::invariants`).
    pub invariants: crate::sim::invariants::Report,
}

#[derive(Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    #[serde(rename = "p99.9")]
    pub p99_9: f64,
    #[serde(rename = "p99.99")]
    pub p99_99: f64,
    pub mean: f64,
    pub max: f64,
}

impl Latency {
    pub fn of(h: &LatencyHistogram) -> Latency {
        let q = |x| round(h.quantile_ms(x), 3);
        Latency {
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p99_9: q(0.999),
            p99_99: q(0.9999),
            mean: round(h.mean_ms(), 3),
            max: round(h.max_ms(), 3),
        }
    }
}

#[derive(Serialize)]
pub struct HitRatio {
    pub requests: f64,
    pub bytes: f64,
}

#[derive(Serialize)]
struct PopRow<'a> {
    pop: &'a str,
    city: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    requests: u64,
    hits: u64,
    hit_ratio: f64,
    bytes: u64,
    byte_hit_ratio: f64,
    origin_requests: u64,
    origin_bytes: u64,
    ttfb_p50_ms: f64,
    ttfb_p99_ms: f64,
}

#[derive(Serialize)]
struct ClientRow<'a> {
    group: usize,
    city: &'a str,
    country: &'a str,
    continent: &'a str,
    lat: f64,
    lon: f64,
    access_asn: String,
    pop: &'a str,
    distance_km: f64,
    rtt_ms: f64,
    as_path: String,
    nearest_pop: &'a str,
    nearest_km: f64,
    best_unicast_pop: &'a str,
    best_unicast_rtt_ms: String,
    minus_best_unicast_ms: String,
    requests: u64,
    ttfb_p50_ms: f64,
    ttfb_p99_ms: f64,
}

#[derive(Serialize)]
struct SeriesRow {
    t_start_s: f64,
    t_end_s: f64,
    warmup: bool,
    requests: u64,
    edge_hits: u64,
    bytes: u64,
    origin_requests: u64,
    origin_bytes: u64,
}

pub fn summary(cfg: &RunConfig, m: &RunMetrics) -> Summary {
    Summary {
        scenario: cfg.name.clone(),
        seed: cfg.seed,
        cdnsim_version: env!("CARGO_PKG_VERSION"),
        steering: serde_json::to_value(cfg.steering)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        transport: "warm-connection",
        freshness: "not-enforced",
        duration_s: cfg.duration.as_secs_f64(),
        warmup_s: cfg.warmup.as_secs_f64(),
        warmup_excluded: true,
        requests: m.edge.requests,
        requests_issued_incl_warmup: m.issued,
        ttfb_ms: Latency::of(&m.ttfb),
        hit_ratio: HitRatio {
            requests: round(m.edge.hit_ratio(), 6),
            bytes: round(m.edge.byte_hit_ratio(), 6),
        },
        origin_requests: m.origin_requests,
        origin_bytes: m.origin_bytes,
        uncacheable_requests: m.uncacheable,
        bytes_served: m.edge.bytes,
        events: m.events,
        invariants: m.invariants.clone(),
    }
}

/// Writes summary.json, config.toml and the CSVs into `dir`, and returns
/// what it wrote (name, bytes) so the report is drawn from exactly these
/// files. New outputs: `dir.write(name, bytes)?` below, as for the others.
pub fn write_all<'d>(
    dir: &'d RunDir,
    cfg: &RunConfig,
    routes: &[GroupRoute],
    m: &RunMetrics,
) -> Result<Written<'d>, Error> {
    let mut dir = Written::to(dir);
    let s = summary(cfg, m);
    let mut json = serde_json::to_string_pretty(&s).map_err(|e| Error::Runtime(e.to_string()))?;
    json.push('\n');
    dir.write("summary.json", json.as_bytes())?;

    let effective =
        crate::scenario::effective_for_output(&cfg.effective, &cfg.source, dir.final_dir());
    let config =
        toml::to_string(&effective).map_err(|e| Error::Runtime(format!("config.toml: {e}")))?;
    let header = "# Effective configuration of this run: the scenario with defaults and --set \
                  applied; input paths are relative to this folder.\n";
    dir.write("config.toml", format!("{header}{config}").as_bytes())?;

    let city = |c| cfg.cities.get(c);
    let pops: Vec<PopRow> = cfg
        .pops
        .iter()
        .zip(&m.per_pop)
        .map(|(p, pm)| PopRow {
            pop: &p.name,
            city: &city(p.city).name,
            country: &city(p.city).country,
            lat: round(city(p.city).loc.lat, 4),
            lon: round(city(p.city).loc.lon, 4),
            requests: pm.edge.requests,
            hits: pm.edge.hits,
            hit_ratio: round(pm.edge.hit_ratio(), 6),
            bytes: pm.edge.bytes,
            byte_hit_ratio: round(pm.edge.byte_hit_ratio(), 6),
            origin_requests: pm.origin_requests,
            origin_bytes: pm.origin_bytes,
            ttfb_p50_ms: round(pm.ttfb.quantile_ms(0.5), 3),
            ttfb_p99_ms: round(pm.ttfb.quantile_ms(0.99), 3),
        })
        .collect();
    dir.write("pops.csv", &csv_bytes(&pops)?)?;

    let clients: Vec<ClientRow> = routes
        .iter()
        .zip(&m.per_group)
        .enumerate()
        .map(|(i, (r, gm))| (i, r, gm, r.cells(cfg)))
        .map(|(i, r, gm, c)| ClientRow {
            group: i,
            city: &city(r.city).name,
            country: &city(r.city).country,
            continent: &city(r.city).continent,
            lat: round(city(r.city).loc.lat, 4),
            lon: round(city(r.city).loc.lon, 4),
            access_asn: r.access_asn.map_or(String::new(), |a| a.0.to_string()),
            pop: &cfg.pops[r.pop].name,
            distance_km: round(r.distance_km, 1),
            rtt_ms: round(r.rtt.as_millis_f64(), 3),
            as_path: c.as_path,
            nearest_pop: &cfg.pops[r.nearest_pop].name,
            nearest_km: round(r.nearest_km, 1),
            best_unicast_pop: c.best_unicast_pop,
            best_unicast_rtt_ms: c.best_unicast_rtt_ms,
            minus_best_unicast_ms: c.minus_best_unicast_ms,
            requests: gm.requests,
            ttfb_p50_ms: round(gm.ttfb.quantile_ms(0.5), 3),
            ttfb_p99_ms: round(gm.ttfb.quantile_ms(0.99), 3),
        })
        .collect();
    dir.write("clients.csv", &csv_bytes(&clients)?)?;

    let step = m.series.interval.as_secs_f64();
    let warm = cfg.warmup.as_secs_f64();
    let series: Vec<SeriesRow> = m
        .series
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| SeriesRow {
            t_start_s: round(i as f64 * step, 6),
            t_end_s: round((i + 1) as f64 * step, 6),
            warmup: (i as f64 * step) < warm,
            requests: b.requests,
            edge_hits: b.edge_hits,
            bytes: b.bytes,
            origin_requests: b.origin_requests,
            origin_bytes: b.origin_bytes,
        })
        .collect();
    dir.write("timeseries.csv", &csv_bytes(&series)?)?;
    dir.write("latency_cdf.csv", &csv_bytes(&latency_cdf(cfg, routes, m))?)?;
    Ok(dir)
}

/// The files written into a run folder, kept in memory for the report.
pub struct Written<'a> {
    dir: &'a RunDir,
    pub files: Vec<(String, Vec<u8>)>,
}

impl<'a> Written<'a> {
    pub fn to(dir: &'a RunDir) -> Self {
        Written {
            dir,
            files: Vec::new(),
        }
    }
    /// Writes one file into the run folder and keeps a copy.
    pub fn write(&mut self, file: &str, bytes: &[u8]) -> Result<(), Error> {
        self.dir.write(file, bytes)?;
        self.files.push((file.to_string(), bytes.to_vec()));
        Ok(())
    }
    /// The folder the run will have when complete.
    pub fn final_dir(&self) -> &std::path::Path {
        self.dir.final_dir()
    }
}

/// Quantiles at which latency_cdf.csv samples each distribution, in units
/// of 1e-5: every 0.01 up to 0.99, then every 0.001, 0.0001 and 0.00001
/// into the tail, then 1 (the maximum). Integers so the printed quantiles
/// are exact decimals.
pub fn cdf_quantiles() -> Vec<f64> {
    let mut k: Vec<u32> = (0..=99).map(|i| i * 1000).collect();
    k.extend((1..=9).map(|i| 99_000 + i * 100));
    k.extend((1..=9).map(|i| 99_900 + i * 10));
    k.extend((1..=9).map(|i| 99_990 + i));
    k.push(100_000);
    k.into_iter().map(|k| f64::from(k) / 1e5).collect()
}

#[derive(Serialize)]
struct CdfRow<'a> {
    scope: &'static str,
    name: &'a str,
    quantile: f64,
    ttfb_ms: f64,
}

/// TTFB quantiles overall, per PoP and per client continent (the groups of
/// a continent merged), for CDF and CCDF plots. Empty distributions (a PoP
/// nobody used) have no rows.
fn latency_cdf<'a>(
    cfg: &'a RunConfig,
    routes: &[GroupRoute],
    m: &'a RunMetrics,
) -> Vec<CdfRow<'a>> {
    let mut continents: std::collections::BTreeMap<&'a str, LatencyHistogram> =
        std::collections::BTreeMap::new();
    for (r, gm) in routes.iter().zip(&m.per_group) {
        continents
            .entry(cfg.cities.get(r.city).continent.as_str())
            .or_default()
            .merge(&gm.ttfb);
    }
    let mut scopes: Vec<(&'static str, &'a str, &LatencyHistogram)> = vec![("all", "all", &m.ttfb)];
    scopes.extend(
        cfg.pops
            .iter()
            .zip(&m.per_pop)
            .map(|(p, pm)| ("pop", p.name.as_str(), &pm.ttfb)),
    );
    scopes.extend(continents.iter().map(|(c, h)| ("client_continent", *c, h)));
    let qs = cdf_quantiles();
    let mut rows = Vec::new();
    for (scope, name, h) in scopes {
        if h.count() == 0 {
            continue;
        }
        for &q in &qs {
            rows.push(CdfRow {
                scope,
                name,
                quantile: q,
                ttfb_ms: round(h.quantile_ms(q), 3),
            });
        }
    }
    rows
}
