//! Outputs of DNS steering: `steering.csv` in a run folder, and the
//! side-by-side files of a run over several steering modes
//! (docs/outputs.md, "Steering comparison").

use super::{csv_bytes, round};
use crate::dns::{CHEN2015_FAR_KM, CHEN2015_MEDIAN_KM, CHEN2015_PUBLIC_MEDIAN_KM, Steerer};
use crate::error::Error;
use crate::metrics::LatencyHistogram;
use crate::scenario::RunConfig;
use crate::sim::{GroupRoute, RunMetrics};
use serde::Serialize;

/// The name of a steering mode as written in scenarios.
pub fn mode_name(m: crate::scenario::raw::Steering) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[derive(Serialize)]
struct GroupRow<'a> {
    mode: String,
    group: usize,
    prefix: String,
    city: &'a str,
    country: &'a str,
    continent: &'a str,
    resolver: &'a str,
    resolver_public: bool,
    resolver_km: f64,
    ecs: u8,
    best_unicast_pop: &'a str,
    main_pop: &'a str,
    requests: u64,
    suboptimal_share: f64,
    mean_km: f64,
    mean_path_rtt_ms: f64,
    minus_best_unicast_ms: f64,
    dns_wait_share: f64,
    dns_wait_mean_ms: f64,
    ttfb_p50_ms: f64,
    ttfb_p99_ms: f64,
}

/// The /24 of group `i` (synthetic: consecutive /24s from 10.0.0.0/24, so
/// consecutive groups are neighbouring prefixes; groups 0-65,535 fill
/// 10.0.0.0/8, group 65,536 is 11.0.0.0/24, the last of
/// [`crate::dns::population::MAX_GROUPS`] is 255.255.255.0/24).
pub fn prefix(i: usize) -> String {
    let n = (10 << 16) + i;
    format!("{}.{}.{}.0/24", n >> 16, (n >> 8) & 255, n & 255)
}

fn group_rows<'a>(cfg: &'a RunConfig, st: &'a Steerer, m: &RunMetrics) -> Vec<GroupRow<'a>> {
    let s = st.stats();
    st.groups()
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let c = cfg.cities.get(cfg.groups[i].city);
            let r = &st.resolvers()[g.resolver];
            let gs = &s.per_group[i];
            let n = gs.requests.max(1) as f64;
            let main = (0..cfg.pops.len())
                .max_by_key(|&p| {
                    (
                        gs.per_pop.get(p).copied().unwrap_or(0),
                        std::cmp::Reverse(p),
                    )
                })
                .unwrap_or(0);
            GroupRow {
                mode: mode_name(cfg.steering),
                group: i,
                prefix: prefix(i),
                city: &c.name,
                country: &c.country,
                continent: &c.continent,
                resolver: &r.name,
                resolver_public: r.public,
                resolver_km: round(g.loc.distance_km(r.loc), 1),
                ecs: r.ecs,
                best_unicast_pop: &cfg.pops[g.best().0].name,
                main_pop: &cfg.pops[main].name,
                requests: gs.requests,
                suboptimal_share: round(1.0 - gs.at_best as f64 / n, 6),
                mean_km: round(gs.km / n, 1),
                mean_path_rtt_ms: round(gs.rtt_ns as f64 / n / 1e6, 3),
                minus_best_unicast_ms: round(gs.minus_best_ns as f64 / n / 1e6, 3),
                dns_wait_share: round(gs.dns_misses as f64 / n, 6),
                dns_wait_mean_ms: round(gs.dns_ns as f64 / (gs.dns_misses.max(1) as f64) / 1e6, 3),
                ttfb_p50_ms: round(m.per_group[i].ttfb.quantile_ms(0.5), 3),
                ttfb_p99_ms: round(m.per_group[i].ttfb.quantile_ms(0.99), 3),
            }
        })
        .collect()
}

/// steering.csv: one row per client group.
pub fn steering_csv(cfg: &RunConfig, st: &Steerer, m: &RunMetrics) -> Result<Vec<u8>, Error> {
    csv_bytes(&group_rows(cfg, st, m))
}

/// Headline figures of one mode.
#[derive(Clone, Debug, Serialize)]
pub struct ModeRow {
    pub mode: String,
    pub requests: u64,
    pub ttfb_p50_ms: f64,
    pub ttfb_p90_ms: f64,
    pub ttfb_p99_ms: f64,
    #[serde(rename = "ttfb_p99.9_ms")]
    pub ttfb_p99_9_ms: f64,
    /// Share of requests not at their group's best-unicast PoP.
    pub suboptimal_share: f64,
    /// Request-weighted mean of path RTT minus best unicast RTT [ms].
    pub minus_best_unicast_ms: f64,
    /// Request-weighted mean client-PoP distance [km].
    pub mean_km: f64,
    /// Queries reaching the authoritative per second of measured time.
    pub dns_queries_per_s: f64,
    /// Share of requests that waited for a DNS resolution.
    pub dns_wait_share: f64,
    pub hit_ratio: f64,
    pub origin_requests: u64,
    /// Highest 10 s average request rate at any PoP [1/s], and that PoP.
    pub peak_pop_rate: f64,
    pub peak_pop: String,
}

/// Highest rate over aligned 10 s windows of per-second counts [1/s].
pub fn peak_rate(per_second: &[u32]) -> f64 {
    per_second
        .chunks(10)
        .map(|c| c.iter().map(|&x| f64::from(x)).sum::<f64>() / 10.0)
        .fold(0.0, f64::max)
}

pub fn mode_row(cfg: &RunConfig, st: &Steerer, m: &RunMetrics) -> ModeRow {
    let s = st.stats();
    let req: u64 = s.per_group.iter().map(|g| g.requests).sum();
    let n = req.max(1) as f64;
    let sum =
        |f: &dyn Fn(&crate::dns::steer::GroupStats) -> f64| s.per_group.iter().map(f).sum::<f64>();
    let measured = (cfg.duration - cfg.warmup).as_secs_f64();
    let (peak_pop, peak) = s
        .per_pop_second
        .iter()
        .enumerate()
        .map(|(p, v)| (p, peak_rate(v)))
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    ModeRow {
        mode: mode_name(cfg.steering),
        requests: m.edge.requests,
        ttfb_p50_ms: round(m.ttfb.quantile_ms(0.5), 3),
        ttfb_p90_ms: round(m.ttfb.quantile_ms(0.9), 3),
        ttfb_p99_ms: round(m.ttfb.quantile_ms(0.99), 3),
        ttfb_p99_9_ms: round(m.ttfb.quantile_ms(0.999), 3),
        suboptimal_share: round(1.0 - sum(&|g| g.at_best as f64) / n, 6),
        minus_best_unicast_ms: round(sum(&|g| g.minus_best_ns as f64) / n / 1e6, 3),
        mean_km: round(sum(&|g| g.km) / n, 1),
        dns_queries_per_s: round(s.authoritative_queries as f64 / measured, 3),
        dns_wait_share: round(sum(&|g| g.dns_misses as f64) / n, 6),
        hit_ratio: round(m.edge.hit_ratio(), 6),
        origin_requests: m.origin_requests,
        peak_pop_rate: round(peak, 1),
        peak_pop: cfg.pops[peak_pop].name.clone(),
    }
}

#[derive(Serialize)]
struct RegionRow {
    mode: String,
    continent: String,
    requests: u64,
    ttfb_p50_ms: f64,
    ttfb_p90_ms: f64,
    ttfb_p99_ms: f64,
    suboptimal_share: f64,
}

/// regions.csv rows of one mode: TTFB percentiles per continent of the
/// clients (continents sorted).
fn region_rows(cfg: &RunConfig, st: &Steerer, m: &RunMetrics) -> Vec<RegionRow> {
    // TTFB per continent as recorded (sim::RunMetrics::per_continent), and
    // the steering figures of its groups summed.
    let mut by: std::collections::BTreeMap<&str, (&LatencyHistogram, u64, u64)> = m
        .per_continent
        .iter()
        .map(|(c, h)| (c.as_str(), (h, 0, 0)))
        .collect();
    for (i, g) in cfg.groups.iter().enumerate() {
        let e = by
            .get_mut(cfg.cities.get(g.city).continent.as_str())
            .expect("every group's continent has a histogram");
        e.1 += st.stats().per_group[i].requests;
        e.2 += st.stats().per_group[i].at_best;
    }
    by.into_iter()
        .map(|(c, (h, n, best))| RegionRow {
            mode: mode_name(cfg.steering),
            continent: c.to_string(),
            requests: h.count(),
            ttfb_p50_ms: round(h.quantile_ms(0.5), 3),
            ttfb_p90_ms: round(h.quantile_ms(0.9), 3),
            ttfb_p99_ms: round(h.quantile_ms(0.99), 3),
            suboptimal_share: round(1.0 - best as f64 / n.max(1) as f64, 6),
        })
        .collect()
}

/// Client-resolver distances (demand-weighted medians), beside Chen et al.
#[derive(Clone, Debug, Serialize)]
pub struct ResolverDistances {
    pub public_share: f64,
    pub median_km: f64,
    pub median_km_chen2015: f64,
    pub public_median_km: f64,
    pub public_median_km_chen2015: f64,
    pub isp_far_share: f64,
    pub isp_far_share_chen2015: f64,
    pub resolvers: usize,
}

fn weighted_median(mut v: Vec<(f64, f64)>) -> f64 {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= total / 2.0 {
            return *x;
        }
    }
    0.0
}

pub fn resolver_distances(cfg: &RunConfig, st: &Steerer) -> ResolverDistances {
    let rows: Vec<(f64, f64, bool)> = st
        .groups()
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let r = &st.resolvers()[g.resolver];
            (g.loc.distance_km(r.loc), cfg.groups[i].share, r.public)
        })
        .collect();
    let isp: Vec<_> = rows.iter().filter(|r| !r.2).collect();
    let isp_w: f64 = isp.iter().map(|r| r.1).sum();
    ResolverDistances {
        public_share: round(rows.iter().filter(|r| r.2).map(|r| r.1).sum(), 4),
        median_km: round(
            weighted_median(rows.iter().map(|r| (r.0, r.1)).collect()),
            1,
        ),
        median_km_chen2015: round(CHEN2015_MEDIAN_KM, 1),
        public_median_km: round(
            weighted_median(rows.iter().filter(|r| r.2).map(|r| (r.0, r.1)).collect()),
            1,
        ),
        public_median_km_chen2015: round(CHEN2015_PUBLIC_MEDIAN_KM, 1),
        isp_far_share: round(
            isp.iter()
                .filter(|r| r.0 > CHEN2015_FAR_KM)
                .map(|r| r.1)
                .sum::<f64>()
                / isp_w.max(1e-12),
            4,
        ),
        isp_far_share_chen2015: crate::dns::CHEN2015_ISP_FAR_SHARE,
        resolvers: st.resolvers().len(),
    }
}

/// Files of a folder: (name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// The comparison of several modes: (file name, bytes) of summary.json,
/// modes.csv, regions.csv and clients.csv, and the printed table.
pub fn comparison(
    cfg: &RunConfig,
    runs: &[(RunConfig, Steerer, RunMetrics)],
    _routes: &[GroupRoute],
) -> Result<(Files, String), Error> {
    let rows: Vec<ModeRow> = runs.iter().map(|(c, s, m)| mode_row(c, s, m)).collect();
    let regions: Vec<RegionRow> = runs
        .iter()
        .flat_map(|(c, s, m)| region_rows(c, s, m))
        .collect();
    let clients: Vec<GroupRow> = runs
        .iter()
        .flat_map(|(c, s, m)| group_rows(c, s, m))
        .collect();
    let distances = runs.first().map(|(c, s, _)| resolver_distances(c, s));
    #[derive(Serialize)]
    struct Top<'a> {
        scenario: &'a str,
        seed: u64,
        cdnsim_version: &'static str,
        duration_s: f64,
        warmup_s: f64,
        modes: &'a [ModeRow],
        resolver_distances: Option<ResolverDistances>,
    }
    let top = Top {
        scenario: &cfg.name,
        seed: cfg.seed,
        cdnsim_version: env!("CARGO_PKG_VERSION"),
        duration_s: cfg.duration.as_secs_f64(),
        warmup_s: cfg.warmup.as_secs_f64(),
        modes: &rows,
        resolver_distances: distances,
    };
    let mut json = serde_json::to_string_pretty(&top).map_err(|e| Error::Runtime(e.to_string()))?;
    json.push('\n');
    let files = vec![
        ("summary.json".to_string(), json.into_bytes()),
        ("modes.csv".to_string(), csv_bytes(&rows)?),
        ("regions.csv".to_string(), csv_bytes(&regions)?),
        ("clients.csv".to_string(), csv_bytes(&clients)?),
    ];
    Ok((files, text(&rows)))
}

/// The printed side-by-side table.
pub fn text(rows: &[ModeRow]) -> String {
    let mut t = vec![vec![
        "mode".to_string(),
        "p50".into(),
        "p90".into(),
        "p99".into(),
        "p99.9".into(),
        "subopt".into(),
        "-best ms".into(),
        "km".into(),
        "dns q/s".into(),
        "dns wait".into(),
        "peak PoP".into(),
    ]];
    for r in rows {
        t.push(vec![
            r.mode.clone(),
            format!("{:.1}", r.ttfb_p50_ms),
            format!("{:.1}", r.ttfb_p90_ms),
            format!("{:.1}", r.ttfb_p99_ms),
            format!("{:.1}", r.ttfb_p99_9_ms),
            format!("{:.1}%", 100.0 * r.suboptimal_share),
            format!("{:.2}", r.minus_best_unicast_ms),
            format!("{:.0}", r.mean_km),
            format!("{:.2}", r.dns_queries_per_s),
            format!("{:.2}%", 100.0 * r.dns_wait_share),
            format!("{} {:.0}/s", r.peak_pop, r.peak_pop_rate),
        ]);
    }
    let w: Vec<usize> = (0..t[0].len())
        .map(|c| t.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut s =
        String::from("  TTFB [ms] per mode; subopt = requests not at the best-unicast PoP\n");
    for r in &t {
        s.push_str("  ");
        for (c, x) in r.iter().enumerate() {
            if c == 0 {
                s.push_str(&format!("{x:<w$}", w = w[c]));
            } else {
                s.push_str(&format!("  {x:>w$}", w = w[c]));
            }
        }
        s.push('\n');
    }
    s
}
