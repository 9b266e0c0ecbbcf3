//! Metrics: what the model records about each request, aggregated into
//! histograms, counters and time series. Reports read only these.
//!
//! Requests that *arrive* during warmup are excluded from every metric
//! except the time series, whose rows are flagged `warmup = true`.

use crate::time::{SimDuration, SimTime};

pub mod group;
pub mod hdr;
pub use group::GroupLatency;

/// Latency histograms are kept in microseconds, 3 significant digits,
/// from 1 us to 1 hour.
const HIST_MAX_US: u64 = 3_600_000_000;

/// A latency histogram [us] with percentiles in ms: HdrHistogram's layout
/// and queries ([`hdr`]: the same figures as the `hdrhistogram` crate, to
/// the bit; a record is a few inlined instructions instead of the crate's
/// ~64, docs/performance.md).
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    h: hdr::Hdr,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            h: hdr::Hdr::new(HIST_MAX_US),
        }
    }
}

impl LatencyHistogram {
    /// A histogram of a few bytes instead of 188 kB that stands in for a
    /// figure another part of the run records (a shard's copy of another
    /// shard's PoP, `sim::shard`): never recorded into (recording would
    /// panic), replaced whole when the parts are merged.
    pub fn placeholder() -> Self {
        LatencyHistogram {
            h: hdr::Hdr::empty(),
        }
    }
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let us = (d.as_nanos() / 1_000).clamp(1, HIST_MAX_US);
        self.h.record(us);
    }
    pub fn count(&self) -> u64 {
        self.h.len()
    }
    /// The `q` quantile (0..=1) [ms].
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.value_at_quantile(q) as f64 / 1e3
        }
    }
    pub fn mean_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.mean() / 1e3
        }
    }
    pub fn max_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.max() as f64 / 1e3
        }
    }
    /// Heap bytes of the counts array (allocated at creation, fixed).
    pub fn heap_bytes(&self) -> usize {
        self.h.slots() * std::mem::size_of::<u64>()
    }
    pub fn merge(&mut self, other: &LatencyHistogram) {
        self.h.add(&other.h);
    }
}

/// Counters of one cache (or one PoP's edge).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounters {
    pub requests: u64,
    pub hits: u64,
    pub bytes: u64,
    pub hit_bytes: u64,
}

impl CacheCounters {
    pub fn record(&mut self, hit: bool, bytes: u64) {
        self.requests += 1;
        self.bytes += bytes;
        if hit {
            self.hits += 1;
            self.hit_bytes += bytes;
        }
    }
    pub fn hit_ratio(&self) -> f64 {
        ratio(self.hits, self.requests)
    }
    pub fn byte_hit_ratio(&self) -> f64 {
        ratio(self.hit_bytes, self.bytes)
    }
}

pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// One time-series bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Client requests by arrival time, their edge hits and bytes.
    pub requests: u64,
    pub edge_hits: u64,
    pub bytes: u64,
    /// Requests reaching an origin site and their bytes, by the arrival
    /// time of the client request that caused them.
    pub origin_requests: u64,
    pub origin_bytes: u64,
    /// Requests reaching an upper tier and its hits, by the arrival time of
    /// the client request that caused them.
    pub upper_requests: u64,
    pub upper_hits: u64,
    /// Misses (any tier) that joined a fetch in flight, by client arrival.
    pub coalesced: u64,
}

/// Fixed-width buckets from t = 0.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    pub interval: SimDuration,
    pub buckets: Vec<Bucket>,
}

impl TimeSeries {
    pub fn new(interval: SimDuration, horizon: SimDuration) -> Self {
        let n = horizon.as_nanos().div_ceil(interval.as_nanos()).max(1) as usize;
        TimeSeries {
            interval,
            buckets: vec![Bucket::default(); n],
        }
    }
    #[inline]
    pub fn at(&mut self, t: SimTime) -> &mut Bucket {
        let i = (t.as_nanos() / self.interval.as_nanos()) as usize;
        let last = self.buckets.len() - 1;
        &mut self.buckets[i.min(last)]
    }
}
