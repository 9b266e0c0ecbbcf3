//! The latency model: propagation over great-circle distance with a route
//! stretch, a per-hop cost, last-mile access delay and per-request jitter.
//!
//! One-way delay between two points inside one network path:
//! `distance_km * stretch / SPEED_IN_FIBER_KM_PER_S + hops * per_hop`.
//! The defaults are fitted on measured RTTs (see docs/latency-model.md).

use super::LatLon;
use crate::time::SimDuration;

/// Signal speed in fibre [km/s] (about 2/3 c).
pub const SPEED_IN_FIBER_KM_PER_S: f64 = 200_000.0;

/// Default route stretch (path length / great-circle length).
pub const DEFAULT_STRETCH: f64 = 1.5;
/// Default per-hop cost, one way [ms].
pub const DEFAULT_PER_HOP_MS: f64 = 0.5;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LatencyModel {
    /// Route stretch over the great circle.
    pub stretch: f64,
    /// Per-hop cost, one way [ms].
    pub per_hop_ms: f64,
}

impl Default for LatencyModel {
    fn default() -> Self {
        LatencyModel {
            stretch: DEFAULT_STRETCH,
            per_hop_ms: DEFAULT_PER_HOP_MS,
        }
    }
}

impl LatencyModel {
    /// One-way propagation over `km` of path with `hops` hops [ms].
    pub fn one_way_ms(&self, km: f64, hops: u32) -> f64 {
        km * self.stretch / SPEED_IN_FIBER_KM_PER_S * 1e3 + hops as f64 * self.per_hop_ms
    }

    /// Round-trip time between two points over `hops` hops each way.
    pub fn rtt(&self, a: LatLon, b: LatLon, hops: u32) -> SimDuration {
        SimDuration::from_millis_f64(2.0 * self.one_way_ms(a.distance_km(b), hops))
    }
}
