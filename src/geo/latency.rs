//! The latency model: propagation over great-circle distance with a route
//! stretch, a per-hop cost, last-mile access delay and per-request jitter.
//!
//! One-way delay over a path of `hops` hops between two points `d` km apart:
//! `d * stretch / SPEED_IN_FIBER_KM_PER_S + hops * per_hop`
//! ([`LatencyModel::one_way_ms`]). When no AS path is known (a
//! point-to-point estimate), the hop count comes from the distance:
//! `hops(d) = hops_base + log2(1 + d / hop_scale_km)`
//! ([`LatencyModel::hops_direct`], [`LatencyModel::rtt_direct`]).
//!
//! The defaults are fitted on the minimum RTTs of ~14,900 WonderProxy
//! server pairs in ~120 cities ([`super::fit`], docs/latency-model.md): the
//! deterministic part reproduces them with a median absolute relative
//! error of 15.8 % (p90 47 %). The per-hop cost is large (2.36 ms) because
//! a "hop" here is one level of the routing hierarchy (metro, region,
//! country, continent), fitted together with the detours short paths take;
//! it is not a router's forwarding delay.
//!
//! Two random parts make percentiles non-degenerate:
//! - **jitter**, per request (per RTT): queueing on the path, Gamma
//!   distributed with the mean and standard deviation measured on the same
//!   pairs (`avg - min` and `mdev`, medians over pairs). These are
//!   data-centre-to-data-centre paths, so this is backbone queueing only;
//! - **access delay**, per client (one way, drawn once per client or
//!   connection): the last mile (DSL/cable/fibre/mobile), lognormal. The
//!   WonderProxy data has no access links; the defaults (median 6 ms one
//!   way, sigma 0.6: RTT median 12 ms, p90 about 26 ms) are an assumption
//!   set to the range of idle fixed-broadband latencies reported by the FCC
//!   "Measuring Broadband America" reports (roughly 10-30 ms RTT to a nearby
//!   server, fibre lowest, DSL highest). Replace them where better data
//!   exists.

use super::LatLon;
use crate::time::SimDuration;
use rand_distr::{Distribution, Gamma, LogNormal};

/// Signal speed in fibre [km/s] (about 2/3 c).
pub const SPEED_IN_FIBER_KM_PER_S: f64 = 200_000.0;

/// Default route stretch (path length / great-circle length). Fitted.
pub const DEFAULT_STRETCH: f64 = 1.508;
/// Default per-hop cost, one way [ms]. Fitted.
pub const DEFAULT_PER_HOP_MS: f64 = 2.359;
/// Hops of a zero-length point-to-point path. Fitted.
pub const DEFAULT_HOPS_BASE: f64 = 0.057;
/// Distance scale of the point-to-point hop count [km]: one more hop each
/// time `1 + d / scale` doubles. Fitted (grid in [`super::fit::D0_GRID_KM`]).
pub const DEFAULT_HOP_SCALE_KM: f64 = 300.0;
/// Mean per-request jitter added to an RTT [ms]. Fitted (median `avg - min`).
pub const DEFAULT_JITTER_MEAN_MS: f64 = 0.362;
/// Standard deviation of the per-request jitter [ms]. Fitted (median `mdev`).
pub const DEFAULT_JITTER_SD_MS: f64 = 0.604;
/// Median one-way last-mile access delay [ms]. Assumed (see module docs).
pub const DEFAULT_ACCESS_MEDIAN_MS: f64 = 6.0;
/// Log-space standard deviation of the access delay. Assumed.
pub const DEFAULT_ACCESS_SIGMA: f64 = 0.6;

/// The latency model. Field names `stretch` and `per_hop_ms` are set by
/// scenarios (`latency.stretch`, `latency.per_hop`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LatencyModel {
    /// Route stretch over the great circle.
    pub stretch: f64,
    /// Per-hop cost, one way [ms].
    pub per_hop_ms: f64,
    /// Hops of a zero-length point-to-point path.
    pub hops_base: f64,
    /// Distance scale of the point-to-point hop count [km].
    pub hop_scale_km: f64,
    /// Mean of the per-request jitter [ms] (RTT).
    pub jitter_mean_ms: f64,
    /// Standard deviation of the per-request jitter [ms].
    pub jitter_sd_ms: f64,
    /// Median one-way access delay [ms].
    pub access_median_ms: f64,
    /// Log-space standard deviation of the access delay.
    pub access_sigma: f64,
}

impl Default for LatencyModel {
    fn default() -> Self {
        LatencyModel {
            stretch: DEFAULT_STRETCH,
            per_hop_ms: DEFAULT_PER_HOP_MS,
            hops_base: DEFAULT_HOPS_BASE,
            hop_scale_km: DEFAULT_HOP_SCALE_KM,
            jitter_mean_ms: DEFAULT_JITTER_MEAN_MS,
            jitter_sd_ms: DEFAULT_JITTER_SD_MS,
            access_median_ms: DEFAULT_ACCESS_MEDIAN_MS,
            access_sigma: DEFAULT_ACCESS_SIGMA,
        }
    }
}

impl LatencyModel {
    /// One-way propagation over `km` of great circle with `hops` hops [ms].
    pub fn one_way_ms(&self, km: f64, hops: u32) -> f64 {
        self.one_way_hops_f_ms(km, hops as f64)
    }

    /// [`Self::one_way_ms`] with a fractional (expected) hop count.
    pub fn one_way_hops_f_ms(&self, km: f64, hops: f64) -> f64 {
        km * self.stretch / SPEED_IN_FIBER_KM_PER_S * 1e3 + hops * self.per_hop_ms
    }

    /// Expected hop count of a point-to-point path of `km` great-circle
    /// km: `hops_base + log2(1 + km / hop_scale_km)`.
    pub fn hops_direct(&self, km: f64) -> f64 {
        self.hops_base + (1.0 + km.max(0.0) / self.hop_scale_km).log2()
    }

    /// One-way delay of a point-to-point path of `km` [ms].
    pub fn one_way_direct_ms(&self, km: f64) -> f64 {
        self.one_way_hops_f_ms(km, self.hops_direct(km))
    }

    /// Round-trip time between two points over `hops` hops each way.
    pub fn rtt(&self, a: LatLon, b: LatLon, hops: u32) -> SimDuration {
        SimDuration::from_millis_f64(2.0 * self.one_way_ms(a.distance_km(b), hops))
    }

    /// Point-to-point RTT [ms] between two points, hop count from distance.
    pub fn rtt_direct_ms(&self, a: LatLon, b: LatLon) -> f64 {
        2.0 * self.one_way_direct_ms(a.distance_km(b))
    }

    /// Point-to-point RTT between two points, hop count from distance.
    pub fn rtt_direct(&self, a: LatLon, b: LatLon) -> SimDuration {
        SimDuration::from_millis_f64(self.rtt_direct_ms(a, b))
    }

    /// The jitter distribution: Gamma with the configured mean and sd.
    /// `None` when either is not positive (then jitter is 0).
    pub fn jitter_distribution(&self) -> Option<Gamma<f64>> {
        if !(self.jitter_mean_ms > 0.0 && self.jitter_sd_ms > 0.0) {
            return None;
        }
        let shape = (self.jitter_mean_ms / self.jitter_sd_ms).powi(2);
        let scale = self.jitter_sd_ms.powi(2) / self.jitter_mean_ms;
        Gamma::new(shape, scale).ok()
    }

    /// Draws one request's jitter [ms], added to its RTT.
    pub fn sample_jitter_ms(&self, rng: &mut impl rand::Rng) -> f64 {
        self.jitter_distribution().map_or(0.0, |d| d.sample(rng))
    }

    /// The one-way access delay distribution (lognormal); `None` when the
    /// median is not positive (then access delay is 0).
    pub fn access_distribution(&self) -> Option<LogNormal<f64>> {
        if self.access_median_ms.is_nan() || self.access_median_ms <= 0.0 {
            return None;
        }
        LogNormal::new(self.access_median_ms.ln(), self.access_sigma.max(0.0)).ok()
    }

    /// Draws one client's one-way last-mile access delay [ms].
    pub fn sample_access_ms(&self, rng: &mut impl rand::Rng) -> f64 {
        self.access_distribution().map_or(0.0, |d| d.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_way_is_distance_and_hops() {
        let m = LatencyModel {
            stretch: 1.5,
            per_hop_ms: 0.5,
            ..LatencyModel::default()
        };
        // 2,000 km x 1.5 / 200,000 km/s = 15 ms, + 4 hops x 0.5 ms.
        assert!((m.one_way_ms(2000.0, 4) - 17.0).abs() < 1e-9);
        let a = LatLon::new(0.0, 0.0);
        assert_eq!(m.rtt(a, a, 2), SimDuration::from_millis_f64(2.0));
    }

    #[test]
    fn direct_rtt_grows_with_distance_and_is_plausible() {
        let m = LatencyModel::default();
        let fra = LatLon::new(50.11552, 8.68417);
        let lon = LatLon::new(51.50853, -0.12574);
        let nyc = LatLon::new(40.71427, -74.00597);
        let syd = LatLon::new(-33.86785, 151.20732);
        let r1 = m.rtt_direct_ms(fra, lon);
        let r2 = m.rtt_direct_ms(lon, nyc);
        let r3 = m.rtt_direct_ms(lon, syd);
        assert!(r1 < r2 && r2 < r3);
        // The model gives the typical RTT at a distance: the median measured
        // min RTT of WonderProxy pairs 4,000-8,000 km apart is 1.84 x d/100;
        // well-provisioned routes such as London-New York (about 70 ms) are
        // faster than typical.
        assert!((10.0..25.0).contains(&r1), "{r1}");
        assert!((90.0..115.0).contains(&r2), "{r2}");
        assert!((220.0..300.0).contains(&r3), "{r3}");
        assert_eq!(m.hops_direct(0.0), DEFAULT_HOPS_BASE);
    }

    #[test]
    fn jitter_and_access_have_the_configured_moments() {
        let m = LatencyModel::default();
        let mut rng = crate::rng::Streams::new(7).stream("test/latency");
        let n = 200_000;
        let j: Vec<f64> = (0..n).map(|_| m.sample_jitter_ms(&mut rng)).collect();
        let mean = j.iter().sum::<f64>() / n as f64;
        let var = j.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - DEFAULT_JITTER_MEAN_MS).abs() < 0.01, "{mean}");
        assert!(
            (var.sqrt() - DEFAULT_JITTER_SD_MS).abs() < 0.02,
            "{}",
            var.sqrt()
        );
        assert!(j.iter().all(|&x| x >= 0.0));
        let mut a: Vec<f64> = (0..n).map(|_| m.sample_access_ms(&mut rng)).collect();
        a.sort_by(f64::total_cmp);
        let median = a[n / 2];
        assert!((median - DEFAULT_ACCESS_MEDIAN_MS).abs() < 0.1, "{median}");
        let none = LatencyModel {
            jitter_mean_ms: 0.0,
            access_median_ms: 0.0,
            ..m
        };
        assert_eq!(none.sample_jitter_ms(&mut rng), 0.0);
        assert_eq!(none.sample_access_ms(&mut rng), 0.0);
    }
}
