//! The latency histogram's storage: HdrHistogram's bucket layout for
//! 1 us .. 1 h at 3 significant digits, recorded and queried here.
//!
//! The `hdrhistogram` crate (Gil Tene's layout; the crate is the test
//! oracle) spends ~64 instructions per record on a general path: the index
//! through the histogram's runtime parameters, `Option` and `Result`
//! handling for values out of range and auto-resize, saturating adds,
//! minimum and maximum. Every response records a latency two or three
//! times (per PoP, per group, per client class: 4.7% of the quickstart's
//! instructions), always with the same parameters and a value already
//! clamped into range. [`Hdr`] fixes the parameters as constants, so a
//! record is an index (one `leading_zeros`, two shifts), an increment, a
//! count and a maximum index.
//!
//! The layout, and every query (`value_at_quantile`, `mean`, `max`, `add`,
//! `len`), reproduce the crate's own (hdrhistogram 7.6, `src/lib.rs`)
//! operation for operation, so every figure is the same to the bit
//! (`matches_hdrhistogram_to_the_bit` records the same values into both and
//! compares every query).
//!
//! Layout: values `< 2048` are counted one per slot (bucket 0, both halves);
//! above, bucket `b` holds `[1024 << b, 2048 << b)` in 1024 slots of width
//! `1 << b`. Bucket 21 reaches 2^32 > 3.6e9 us, so there are 22 buckets and
//! `(22 + 1) * 1024` slots (188 kB of `u64`).

/// `sub_bucket_count = 2^11`, the first power of two >= 2 * 10^3 (3
/// significant digits); half of it per bucket above the first.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 = 11;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT: u32 = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_COUNT_MAGNITUDE) - 1;
/// 64 - unit magnitude (0: the lowest discernible value is 1) - 11.
const LEADING_ZERO_COUNT_BASE: u32 = 64 - SUB_BUCKET_COUNT_MAGNITUDE;

/// Slots for values up to `max` (HdrHistogram's `buckets_needed_to_cover_value`
/// and `num_bins`).
const fn slots_for(max: u64) -> usize {
    let mut smallest_untrackable = 1u64 << SUB_BUCKET_COUNT_MAGNITUDE;
    let mut buckets = 1usize;
    while smallest_untrackable <= max {
        if smallest_untrackable > u64::MAX / 2 {
            buckets += 1;
            break;
        }
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    (buckets + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE
}

/// The bucket of `value` (`bucket_for`).
#[inline(always)]
fn bucket_of(value: u64) -> u32 {
    LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros()
}

/// The slot of `value` (`index_for`).
#[inline(always)]
fn index_of(value: u64) -> usize {
    let bucket = bucket_of(value);
    let sub_bucket = (value >> bucket) as usize;
    // (bucket + 1) * half + sub_bucket - half, never negative: bucket 0
    // uses both halves.
    (bucket as usize) * SUB_BUCKET_HALF_COUNT as usize + sub_bucket
}

/// The lowest value counted in slot `index` (`value_for`).
fn value_of(index: usize) -> u64 {
    let mut bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let mut sub_bucket =
        (index as u64 & u64::from(SUB_BUCKET_HALF_COUNT - 1)) + u64::from(SUB_BUCKET_HALF_COUNT);
    if bucket < 0 {
        sub_bucket -= u64::from(SUB_BUCKET_HALF_COUNT);
        bucket = 0;
    }
    sub_bucket << bucket
}

/// `lowest_equivalent`.
fn lowest_equivalent(value: u64) -> u64 {
    let bucket = bucket_of(value);
    (value >> bucket) << bucket
}

/// `equivalent_range`.
fn equivalent_range(value: u64) -> u64 {
    1 << bucket_of(value)
}

/// `highest_equivalent`.
fn highest_equivalent(value: u64) -> u64 {
    if value == u64::MAX {
        u64::MAX
    } else {
        lowest_equivalent(value).saturating_add(equivalent_range(value)) - 1
    }
}

/// `median_equivalent`.
fn median_equivalent(value: u64) -> u64 {
    lowest_equivalent(value) + (equivalent_range(value) >> 1)
}

/// Counts in HdrHistogram's layout for values in `1 ..= max` (the caller
/// clamps).
#[derive(Clone, Debug)]
pub struct Hdr {
    counts: Vec<u64>,
    total: u64,
    /// The highest slot holding a count (0 when empty): the maximum is its
    /// highest equivalent value, as the crate's `max()` of the largest
    /// value recorded (same slot).
    top: usize,
}

impl Hdr {
    /// Room for every value in `1 ..= max`.
    pub fn new(max: u64) -> Hdr {
        Hdr {
            counts: vec![0; slots_for(max)],
            total: 0,
            top: 0,
        }
    }

    /// No slots: for a stand-in that is never recorded into (a record
    /// panics on the index).
    pub fn empty() -> Hdr {
        Hdr {
            counts: Vec::new(),
            total: 0,
            top: 0,
        }
    }

    /// Counts `value` (in `1 ..= max` of [`Hdr::new`]).
    #[inline]
    pub fn record(&mut self, value: u64) {
        let i = index_of(value);
        self.counts[i] += 1;
        self.total += 1;
        self.top = self.top.max(i);
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Slots (`distinct_values`).
    pub fn slots(&self) -> usize {
        self.counts.len()
    }

    /// `value_at_quantile`: the highest equivalent value of the slot where
    /// the running count reaches `ceil(q * len)` (at least 1); the lowest
    /// equivalent for `q = 0`; 0 when empty.
    pub fn value_at_quantile(&self, quantile: f64) -> u64 {
        let quantile = if quantile > 1.0 { 1.0 } else { quantile };
        let fractional_count = quantile * self.total as f64;
        let count_at_quantile = (fractional_count.ceil() as u64).max(1);
        let mut running = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            running += c;
            if running >= count_at_quantile {
                let v = value_of(i);
                return if quantile == 0.0 {
                    lowest_equivalent(v)
                } else {
                    highest_equivalent(v)
                };
            }
        }
        0
    }

    /// `mean`: the median equivalent value of each slot with a count,
    /// weighted, summed in slot order as the crate's fold does.
    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let total = self.total as f64;
        self.counts[..=self.top]
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .fold(0.0_f64, |acc, (i, &c)| {
                let to = highest_equivalent(value_of(i));
                acc + median_equivalent(to) as f64 * c as f64 / total
            })
    }

    /// `max`: the highest value equivalent to the largest recorded; 0 when
    /// empty.
    pub fn max(&self) -> u64 {
        if self.total == 0 {
            0
        } else {
            highest_equivalent(value_of(self.top))
        }
    }

    /// `add` of a histogram of the same layout.
    pub fn add(&mut self, other: &Hdr) {
        if other.total == 0 {
            return;
        }
        assert_eq!(self.counts.len(), other.counts.len(), "same layout");
        for (a, &b) in self.counts[..=other.top].iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.top = self.top.max(other.top);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    const MAX: u64 = 3_600_000_000;

    fn oracle() -> Histogram<u64> {
        Histogram::new_with_bounds(1, MAX, 3).unwrap()
    }

    const QUANTILES: [f64; 12] = [
        0.0, 1e-9, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0, 1.5,
    ];

    fn same(ours: &Hdr, theirs: &Histogram<u64>) -> Result<(), TestCaseError> {
        prop_assert_eq!(ours.slots(), theirs.distinct_values());
        prop_assert_eq!(ours.len(), theirs.len());
        prop_assert_eq!(ours.max(), theirs.max());
        prop_assert_eq!(ours.mean().to_bits(), theirs.mean().to_bits());
        for q in QUANTILES {
            prop_assert_eq!(
                ours.value_at_quantile(q),
                theirs.value_at_quantile(q),
                "q = {}",
                q
            );
        }
        Ok(())
    }

    /// Latency-like values: mostly 1 ms - 1 s, some at the slot edges and
    /// the bounds.
    fn value() -> impl Strategy<Value = u64> {
        prop_oneof![
            4 => 1_000u64..1_000_000,
            2 => 1u64..5_000,
            1 => Just(1u64),
            1 => Just(MAX),
            1 => (0u32..22).prop_map(|b| (2048u64 << b).min(MAX)),
            1 => (0u32..22).prop_map(|b| ((2048u64 << b) - 1).min(MAX)),
            1 => 1u64..=MAX,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn matches_hdrhistogram_to_the_bit(
            a in proptest::collection::vec(value(), 0..400),
            b in proptest::collection::vec(value(), 0..400),
        ) {
            let (mut ours, mut theirs) = (Hdr::new(MAX), oracle());
            for &v in &a {
                ours.record(v);
                theirs.record(v).unwrap();
            }
            same(&ours, &theirs)?;
            // Merging, into a non-empty and into an empty histogram.
            let (mut ours_b, mut theirs_b) = (Hdr::new(MAX), oracle());
            for &v in &b {
                ours_b.record(v);
                theirs_b.record(v).unwrap();
            }
            ours.add(&ours_b);
            theirs.add(&theirs_b).unwrap();
            same(&ours, &theirs)?;
            let (mut ours_e, mut theirs_e) = (Hdr::new(MAX), oracle());
            ours_e.add(&ours_b);
            theirs_e.add(&theirs_b).unwrap();
            same(&ours_e, &theirs_e)?;
        }
    }

    #[test]
    fn every_slot_boundary_maps_as_hdrhistogram_does() {
        let h = oracle();
        assert_eq!(slots_for(MAX), h.distinct_values());
        assert_eq!(slots_for(MAX), 23 * 1024);
        for b in 0..22u32 {
            for v in [
                1024u64 << b,
                (2048u64 << b) - 1,
                1536u64 << b,
                (1024u64 << b) + 1,
            ] {
                let v = v.min(MAX);
                assert_eq!(lowest_equivalent(v), h.lowest_equivalent(v), "{v}");
                assert_eq!(highest_equivalent(v), h.highest_equivalent(v), "{v}");
                assert_eq!(median_equivalent(v), h.median_equivalent(v), "{v}");
                assert_eq!(value_of(index_of(v)), h.lowest_equivalent(v), "{v}");
            }
        }
        for v in 1..5000 {
            assert_eq!(value_of(index_of(v)), h.lowest_equivalent(v), "{v}");
        }
    }

    #[test]
    fn empty_queries_are_zero() {
        let (ours, theirs) = (Hdr::new(MAX), oracle());
        assert_eq!(ours.max(), theirs.max());
        assert_eq!(ours.mean(), 0.0);
        assert_eq!(ours.value_at_quantile(0.5), theirs.value_at_quantile(0.5));
        assert!(Hdr::empty().is_empty());
    }
}
