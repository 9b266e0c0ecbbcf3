//! TinyLFU admission (Einziger, Friedman & Manes, ACM ToS 2017): a
//! count-min sketch of recent request frequencies (4 rows of saturating
//! 4-bit-range counters held in bytes, capped at 15), halved every `10 x
//! width` recorded requests so that popularity ages.
//!
//! Admission rule used by the [`super::Cache`] driver when an insert would
//! have to evict: admit when the candidate's estimate is greater than the
//! estimate of the object the policy would evict next; when the policy
//! cannot name its victim without changing state (CLOCK, S3-FIFO, SIEVE,
//! ARC), admit when the candidate has been seen at least twice in the
//! window. Inserts that need no eviction are always admitted. This is the
//! admission half of W-TinyLFU without its window cache.

/// Odd 64-bit multipliers, one per sketch row.
const SEEDS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0xD6E8_FEB8_6659_FD93,
];
const MAX_COUNT: u8 = 15;

#[derive(Clone, Debug)]
pub struct TinyLfu {
    counters: Vec<u8>,
    width_bits: u32,
    additions: u64,
    window: u64,
}

impl TinyLfu {
    /// A sketch sized for about `expected_objects` distinct objects in the
    /// cache (width = next power of two, at least 64).
    pub fn new(expected_objects: usize) -> Self {
        let width = expected_objects.max(64).next_power_of_two();
        TinyLfu {
            counters: vec![0; 4 * width],
            width_bits: width.trailing_zeros(),
            additions: 0,
            window: 10 * width as u64,
        }
    }

    #[inline]
    fn index(&self, row: usize, id: u64) -> usize {
        let h = (id ^ (row as u64).wrapping_mul(0x5851_F42D_4C95_7F2D)).wrapping_mul(SEEDS[row]);
        let h = h ^ (h >> 29);
        let col = (h.wrapping_mul(SEEDS[(row + 1) & 3]) >> (64 - self.width_bits)) as usize;
        (row << self.width_bits) + col
    }

    /// Counts one request for `id`.
    #[inline]
    pub fn record(&mut self, id: u64) {
        for row in 0..4 {
            let i = self.index(row, id);
            if self.counters[i] < MAX_COUNT {
                self.counters[i] += 1;
            }
        }
        self.additions += 1;
        if self.additions >= self.window {
            for c in &mut self.counters {
                *c >>= 1;
            }
            self.additions /= 2;
        }
    }

    /// Estimated recent requests for `id` (never below the true count in
    /// the window, up to the cap).
    pub fn estimate(&self, id: u64) -> u8 {
        (0..4)
            .map(|row| self.counters[self.index(row, id)])
            .min()
            .unwrap_or(0)
    }

    /// Whether `candidate` should replace `victim` (see the module docs).
    pub fn admit(&self, candidate: u64, victim: Option<u64>) -> bool {
        match victim {
            Some(v) => self.estimate(candidate) > self.estimate(v),
            None => self.estimate(candidate) >= 2,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.counters.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cache, Lru};
    use super::*;

    #[test]
    fn estimates_bound_counts_and_age() {
        let mut f = TinyLfu::new(64);
        for _ in 0..5 {
            f.record(7);
        }
        f.record(8);
        assert!(f.estimate(7) >= 5);
        assert!(f.estimate(8) >= 1);
        for _ in 0..700 {
            f.record(8);
        }
        assert!(f.estimate(7) < 5, "halving ages old counts");
        assert!(f.admit(8, Some(7)) && !f.admit(7, Some(8)));
    }

    #[test]
    fn scan_does_not_flush_a_hot_set() {
        let mut c = Cache::new(Lru::new(), 10).with_admission(TinyLfu::new(64));
        for _ in 0..5 {
            for id in 0..10 {
                c.access(id, 1);
            }
        }
        for id in 100..200 {
            c.access(id, 1);
        }
        assert!((0..10).all(|id| c.contains(id)));
        let mut plain = Cache::new(Lru::new(), 10);
        for id in (0..10).chain(100..200) {
            plain.access(id, 1);
        }
        assert!(!plain.contains(0));
    }
}
