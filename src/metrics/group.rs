//! Per-client-group TTFB distributions, in a form that scales to a million
//! groups.
//!
//! A full HDR histogram ([`LatencyHistogram`]: 3 significant digits, 1 us to
//! 1 h) allocates ~188 kB up front, so one per group costs 12 GB at 65,536
//! groups. Runs with at most [`HDR_GROUPS_MAX`] groups keep one HDR
//! histogram per group (exactly as before, so their outputs are unchanged);
//! larger runs keep a [`Compact`] histogram per group: sparse log-linear
//! buckets holding only the values seen, as precise as HDR's (bucket width
//! <= 1/1024 of the value) while a group has few distinct values, and made
//! coarser (adjacent buckets merged pairwise) when a group would exceed its
//! share of [`COMPACT_BUDGET_BYTES`]. The overall, per-PoP and per-continent
//! distributions are always full HDR histograms: recorded directly, except
//! that with HDR groups each continent's is the merge of its groups' at the
//! end of the run (the same histogram, one record fewer per response).

use super::LatencyHistogram;
use crate::time::SimDuration;

/// Runs with at most this many client groups keep a full HDR histogram per
/// group (<= 193 MB of histograms).
pub const HDR_GROUPS_MAX: usize = 1024;

/// Bytes of compact-histogram buckets the groups of a run share (each
/// group gets at least [`COMPACT_MIN_ENTRIES`] buckets whatever the count).
pub const COMPACT_BUDGET_BYTES: usize = 256 << 20;

/// Fewest buckets a compact histogram may hold before it coarsens.
pub const COMPACT_MIN_ENTRIES: usize = 64;

/// Mantissa bits of the finest compact buckets: width <= 2^-10 of the value.
const FINE_BITS: u8 = 11;

/// Values are microseconds in 1 ..= 1 h, as [`LatencyHistogram`]'s.
const MAX_US: u64 = 3_600_000_000;

/// Bytes per compact bucket (key, count).
const ENTRY_BYTES: usize = 8;

/// Buckets reserved at a group's first record (at most its cap): a `Vec`
/// growing from empty reallocates at 4, 8, 16 and 32 entries, and a group
/// of the IMC-sized run (3,000 groups) holds ~100 buckets within seconds;
/// 256 bytes per group that records anything, within the budget since the
/// cap is at least [`COMPACT_MIN_ENTRIES`].
const COMPACT_FIRST_ENTRIES: usize = 32;

/// One group's TTFB distribution.
#[derive(Clone, Debug)]
pub enum GroupLatency {
    Hdr(Box<LatencyHistogram>),
    Compact(Compact),
}

impl Default for GroupLatency {
    fn default() -> Self {
        GroupLatency::Hdr(Box::default())
    }
}

impl GroupLatency {
    /// The form used by a run with `groups` client groups.
    pub fn for_groups(groups: usize) -> Self {
        if groups <= HDR_GROUPS_MAX {
            GroupLatency::default()
        } else {
            GroupLatency::Compact(Compact::new(compact_cap(groups)))
        }
    }
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        match self {
            GroupLatency::Hdr(h) => h.record(d),
            GroupLatency::Compact(c) => c.record(d),
        }
    }
    pub fn count(&self) -> u64 {
        match self {
            GroupLatency::Hdr(h) => h.count(),
            GroupLatency::Compact(c) => c.count(),
        }
    }
    /// The `q` quantile (0..=1) [ms]; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        match self {
            GroupLatency::Hdr(h) => h.quantile_ms(q),
            GroupLatency::Compact(c) => c.quantile_ms(q),
        }
    }
    /// Largest relative width of a bucket (value range / lowest value):
    /// the precision of the quantiles; HDR's is 2^-10.
    pub fn resolution(&self) -> f64 {
        match self {
            GroupLatency::Hdr(_) => 1.0 / 1024.0,
            GroupLatency::Compact(c) => c.resolution(),
        }
    }
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        match self {
            GroupLatency::Hdr(h) => h.heap_bytes() + std::mem::size_of::<LatencyHistogram>(),
            GroupLatency::Compact(c) => c.entries.capacity() * ENTRY_BYTES,
        }
    }
}

/// Most buckets per group of a run with `groups` groups.
pub fn compact_cap(groups: usize) -> usize {
    (COMPACT_BUDGET_BYTES / ENTRY_BYTES / groups.max(1)).max(COMPACT_MIN_ENTRIES)
}

/// Sparse log-linear histogram [us]: sorted (bucket key, count) pairs.
///
/// With `bits` = m, a value v < 2^m is its own bucket; larger values with
/// s = floor(log2 v) - (m - 1) fall in bucket (s << (m - 1)) + (v >> s),
/// covering [(v >> s) << s, ((v >> s) + 1) << s). Keys are monotone in the
/// value, and the buckets at m - 1 are unions of pairs of those at m, so
/// coarsening re-keys each bucket by its lowest value and merges neighbours.
///
/// Values are gathered [`PENDING`] at a time and merged into the buckets
/// together (`settle`). The buckets are a function of the values recorded
/// alone, whatever the order and whenever they are merged: the precision
/// in use is always the finest at which the values' buckets fit the cap
/// (coarsening happens only when they do not, and the values already seen
/// stay seen), and a bucket at a coarser precision is the union of finer
/// ones. So the batches give the same buckets, counts and quantiles as
/// merging each value on its own (`batched_equals_one_at_a_time`).
#[derive(Clone, Debug)]
pub struct Compact {
    entries: Vec<(u32, u32)>,
    count: u64,
    max_us: u32,
    bits: u8,
    cap: u32,
    /// Values [us] recorded since the last merge: `pending[..pending_len]`.
    pending: [u32; PENDING],
    pending_len: u8,
}

/// Values a [`Compact`] gathers before merging them into its buckets. One
/// at a time, each value was a binary search over the group's ~100-200
/// buckets (a cache line or more of another group's memory per step, and
/// a mispredicted branch at most steps) and, for a new bucket, an insert
/// shifting half of them: 8% of the IMC-sized run's time (3,000 groups;
/// docs/performance.md, 2026-12-04). A batch is sorted (8 integers) and
/// merged in one pass.
const PENDING: usize = 8;

fn key(v: u64, bits: u8) -> u32 {
    if v < 1 << bits {
        return v as u32;
    }
    let s = (63 - v.leading_zeros()) as u8 + 1 - bits;
    ((u64::from(s) << (bits - 1)) + (v >> s)) as u32
}

/// Lowest and highest value of bucket `k`.
fn range(k: u32, bits: u8) -> (u64, u64) {
    let k = u64::from(k);
    if k < 1 << bits {
        return (k, k);
    }
    let s = (k >> (bits - 1)) - 1;
    let top = k - (s << (bits - 1));
    (top << s, ((top + 1) << s) - 1)
}

impl Compact {
    pub fn new(cap: usize) -> Self {
        Compact {
            entries: Vec::new(),
            count: 0,
            max_us: 0,
            bits: FINE_BITS,
            cap: cap.clamp(COMPACT_MIN_ENTRIES, u32::MAX as usize) as u32,
            pending: [0; PENDING],
            pending_len: 0,
        }
    }
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let us = (d.as_nanos() / 1_000).clamp(1, MAX_US) as u32;
        self.count += 1;
        self.max_us = self.max_us.max(us);
        self.pending[self.pending_len as usize] = us;
        self.pending_len += 1;
        if self.pending_len as usize == PENDING {
            self.settle();
        }
    }
    /// Merges the pending values into the buckets, then coarsens while
    /// they are over the cap.
    fn settle(&mut self) {
        let n = self.pending_len as usize;
        if n == 0 {
            return;
        }
        self.pending_len = 0;
        let mut keys = [0u32; PENDING];
        for (k, &v) in keys.iter_mut().zip(&self.pending[..n]) {
            *k = key(u64::from(v), self.bits);
        }
        let keys = &mut keys[..n];
        keys.sort_unstable();
        // Counts into the buckets already there (one forward pass); the
        // keys without one are moved to the front of `keys`, in order.
        // A walk, not a binary search per key: nearly every batch brings
        // a new bucket, and the merge below moves the entries after it
        // anyway (a binary or galloping search measured 10-22 M more
        // instructions over the IMC-sized minute's 61,173 batches).
        let mut fresh = 0;
        let mut i = 0;
        let mut j = 0;
        while j < n {
            let k = keys[j];
            let mut c = 1u32;
            while j + (c as usize) < n && keys[j + c as usize] == k {
                c += 1;
            }
            j += c as usize;
            while i < self.entries.len() && self.entries[i].0 < k {
                i += 1;
            }
            if i < self.entries.len() && self.entries[i].0 == k {
                self.entries[i].1 = self.entries[i].1.saturating_add(c);
            } else {
                keys[fresh] = k;
                // The count rides in `pending`, now free.
                self.pending[fresh] = c;
                fresh += 1;
            }
        }
        if fresh > 0 {
            if self.entries.capacity() == 0 {
                self.entries
                    .reserve_exact(COMPACT_FIRST_ENTRIES.min(self.cap as usize).max(fresh));
            }
            // Merge the new buckets in from the back.
            let old = self.entries.len();
            self.entries.resize(old + fresh, (0, 0));
            let (mut a, mut b, mut w) = (old, fresh, old + fresh);
            while b > 0 {
                w -= 1;
                if a > 0 && self.entries[a - 1].0 > keys[b - 1] {
                    a -= 1;
                    self.entries[w] = self.entries[a];
                } else {
                    b -= 1;
                    self.entries[w] = (keys[b], self.pending[b]);
                }
            }
            while self.entries.len() > self.cap as usize && self.bits > 1 {
                self.coarsen();
            }
        }
    }
    /// This histogram with its pending values merged (a copy only when
    /// some are pending).
    fn settled(&self) -> std::borrow::Cow<'_, Compact> {
        if self.pending_len == 0 {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut c = self.clone();
            c.settle();
            std::borrow::Cow::Owned(c)
        }
    }
    /// Merges pairs of neighbouring buckets (one mantissa bit fewer).
    fn coarsen(&mut self) {
        let (old, new) = (self.bits, self.bits - 1);
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(self.entries.len());
        for &(k, c) in &self.entries {
            let k2 = key(range(k, old).0, new);
            match out.last_mut() {
                Some(last) if last.0 == k2 => last.1 = last.1.saturating_add(c),
                _ => out.push((k2, c)),
            }
        }
        self.entries = out;
        self.bits = new;
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Mantissa bits in use (11 = finest).
    pub fn bits(&self) -> u8 {
        self.settled().bits
    }
    /// Largest relative bucket width at the current precision.
    pub fn resolution(&self) -> f64 {
        1.0 / f64::from(1u32 << (self.bits() - 1))
    }
    /// As HDR: the highest value of the bucket holding the ceil(q n)-th
    /// smallest value (at least the first), capped at the largest value
    /// recorded [ms].
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let this = self.settled();
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut acc = 0u64;
        for &(k, c) in &this.entries {
            acc += u64::from(c);
            if acc >= rank {
                let hi = range(k, this.bits).1.min(u64::from(self.max_us));
                return hi as f64 / 1e3;
            }
        }
        f64::from(self.max_us) / 1e3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(x: u64) -> SimDuration {
        SimDuration::from_nanos(x * 1000)
    }

    #[test]
    fn keys_are_monotone_and_ranges_cover_their_values() {
        for bits in 1..=FINE_BITS {
            let mut prev = 0;
            for v in (1..200_000u64).chain([MAX_US - 1, MAX_US]) {
                let k = key(v, bits);
                assert!(k >= prev, "bits {bits} v {v}");
                prev = k;
                let (lo, hi) = range(k, bits);
                assert!(lo <= v && v <= hi, "bits {bits} v {v}: [{lo}, {hi}]");
                // Width bounded by the resolution.
                assert!((hi - lo) as f64 <= lo as f64 / f64::from(1u32 << (bits - 1)));
            }
        }
    }

    /// Below the cap, quantiles agree with the HDR histogram within its
    /// 3 significant digits.
    #[test]
    fn fine_compact_quantiles_match_hdr() {
        let mut h = LatencyHistogram::default();
        let mut c = Compact::new(100_000);
        let mut x = 12_345u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = 5_000 + (x >> 33) % 400_000;
            h.record(us(v));
            c.record(us(v));
        }
        assert_eq!(c.bits(), FINE_BITS);
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            let (a, b) = (h.quantile_ms(q), c.quantile_ms(q));
            assert!((a - b).abs() <= a * 2e-3, "q {q}: hdr {a} compact {b}");
        }
        assert_eq!(c.count(), 5000);
    }

    /// Over the cap it coarsens: stays within the cap, keeps the count,
    /// and the quantiles stay within the reported resolution.
    #[test]
    fn coarsening_bounds_the_buckets() {
        let mut c = Compact::new(COMPACT_MIN_ENTRIES);
        let mut h = LatencyHistogram::default();
        for v in (1_000..2_000_000u64).step_by(997) {
            c.record(us(v));
            h.record(us(v));
        }
        c.settle();
        assert!(
            c.entries.len() <= COMPACT_MIN_ENTRIES,
            "{}",
            c.entries.len()
        );
        assert!(c.bits() < FINE_BITS);
        assert_eq!(c.count(), h.count());
        let total: u64 = c.entries.iter().map(|e| u64::from(e.1)).sum();
        assert_eq!(total, c.count());
        for q in [0.5, 0.9, 0.99] {
            let (a, b) = (h.quantile_ms(q), c.quantile_ms(q));
            assert!(b >= a * (1.0 - 2e-3), "q {q}: {a} {b}");
            assert!(b <= a * (1.0 + c.resolution()) + 1e-3, "q {q}: {a} {b}");
        }
        // The maximum is exact.
        let last = (1_000..2_000_000u64).step_by(997).last().unwrap();
        assert_eq!(c.quantile_ms(1.0), last as f64 / 1e3);
    }

    /// The one-value-at-a-time histogram `Compact` batches: a binary search
    /// and insert per value, coarsening as soon as the buckets pass the cap.
    fn one_at_a_time(values: &[u64], cap: usize) -> (Vec<(u32, u32)>, u8) {
        let (mut entries, mut bits): (Vec<(u32, u32)>, u8) = (Vec::new(), FINE_BITS);
        for &v in values {
            let k = key(v.clamp(1, MAX_US), bits);
            match entries.binary_search_by_key(&k, |e| e.0) {
                Ok(i) => entries[i].1 = entries[i].1.saturating_add(1),
                Err(i) => {
                    entries.insert(i, (k, 1));
                    while entries.len() > cap && bits > 1 {
                        let mut c = Compact::new(cap);
                        (c.entries, c.bits) = (std::mem::take(&mut entries), bits);
                        c.coarsen();
                        (entries, bits) = (c.entries, c.bits);
                    }
                }
            }
        }
        (entries, bits)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Batches give the same buckets, precision and quantiles as one
        /// value at a time, at every point where a quantile is read, with
        /// and without coarsening.
        #[test]
        fn batched_equals_one_at_a_time(
            values in proptest::collection::vec(
                proptest::prop_oneof![1u64..50, 1u64..5_000, 1_000u64..2_000_000, proptest::prelude::Just(MAX_US)],
                0..700,
            ),
            cap in proptest::prop_oneof![proptest::prelude::Just(COMPACT_MIN_ENTRIES), 64usize..300, proptest::prelude::Just(100_000)],
            reads in proptest::collection::vec(0usize..700, 0..8),
        ) {
            let mut c = Compact::new(cap);
            for (n, &v) in values.iter().enumerate() {
                c.record(us(v));
                if reads.contains(&n) {
                    // A read merges nothing into `c` itself: its answers are
                    // the one-at-a-time histogram's at this point.
                    let (entries, bits) = one_at_a_time(&values[..=n], cap);
                    proptest::prop_assert_eq!(c.bits(), bits);
                    proptest::prop_assert_eq!(&c.settled().entries, &entries);
                    let mut r = Compact::new(cap);
                    (r.entries, r.bits, r.count, r.max_us) = (entries, bits, c.count, c.max_us);
                    for q in [0.0, 0.5, 0.99, 1.0] {
                        proptest::prop_assert_eq!(c.quantile_ms(q), r.quantile_ms(q));
                    }
                }
            }
            let (entries, bits) = one_at_a_time(&values, cap);
            let q: Vec<f64> = [0.1, 0.5, 0.9, 0.99, 1.0].iter().map(|&q| c.quantile_ms(q)).collect();
            c.settle();
            proptest::prop_assert_eq!(c.bits, bits);
            proptest::prop_assert_eq!(&c.entries, &entries);
            proptest::prop_assert_eq!(c.count(), values.len() as u64);
            let q2: Vec<f64> = [0.1, 0.5, 0.9, 0.99, 1.0].iter().map(|&q| c.quantile_ms(q)).collect();
            proptest::prop_assert_eq!(q, q2);
        }
    }

    #[test]
    fn form_follows_the_group_count() {
        assert!(matches!(
            GroupLatency::for_groups(HDR_GROUPS_MAX),
            GroupLatency::Hdr(_)
        ));
        let g = GroupLatency::for_groups(1 << 20);
        assert!(matches!(g, GroupLatency::Compact(_)));
        assert_eq!(g.heap_bytes(), 0);
        assert_eq!(g.quantile_ms(0.5), 0.0);
        assert_eq!(compact_cap(1 << 20), COMPACT_MIN_ENTRIES);
        assert_eq!(compact_cap(2048), 16384);
    }
}
