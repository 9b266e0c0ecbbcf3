//! The pending-event queue: a monotone radix heap with 8-bit digits.
//!
//! # Structure
//!
//! Keys are `u64` nanoseconds. Relative to `last` (the time of the last
//! popped entry), an entry with key `k > last` lives at *level* `l` = the
//! index of the highest byte in which `k` and `last` differ, in *bucket* `b`
//! = byte `l` of `k`. Entries with `k == last` live in `current`, a FIFO.
//! Each level has 256 buckets and a 256-bit occupancy map. To pop when
//! `current` is empty, take the lowest occupied bucket of the lowest occupied
//! level: its smallest key becomes `last`, and its entries move to `current`
//! or to lower levels (which are empty at that moment). An entry moves at
//! most 8 times in its life (once per level), so push is O(1) and pop is
//! amortised O(1) with a constant bounded by the key width / 8.
//!
//! # Order guarantee
//!
//! Events pop in increasing time; events with the *same* time pop in the
//! order they were pushed (FIFO). All entries with one key are always in the
//! same bucket (the bucket is a function of the key and `last`, and `last`
//! changes only when the lowest bucket is redistributed into empty lower
//! levels, preserving order), and every bucket is appended to in push order.
//! The property test `matches_reference_heap` checks this against a
//! `BinaryHeap` keyed by (time, sequence).
//!
//! A radix heap needs monotone keys: nothing may be pushed earlier than the
//! last popped time. Such a push is raised to the floor (the scheduler
//! asserts against it in debug builds).

use crate::time::SimTime;
use std::collections::VecDeque;

const LEVELS: usize = 8;
const WIDTH: usize = 256;

/// A FIFO-within-key monotone priority queue of `T` keyed by [`SimTime`].
pub struct RadixQueue<T> {
    last: u64,
    len: usize,
    /// Entries whose key equals `last`, in push order.
    current: VecDeque<T>,
    /// `buckets[level * WIDTH + byte]`.
    buckets: Vec<Vec<(u64, T)>>,
    /// Occupancy bitmap per level (256 bits each).
    occupied: [[u64; 4]; LEVELS],
    /// Smallest key in each bucket (valid while the bucket is occupied), so
    /// a refill needs no extra pass to find the new floor.
    mins: Vec<u64>,
}

impl<T> Default for RadixQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> RadixQueue<T> {
    pub fn new() -> Self {
        RadixQueue {
            last: 0,
            len: 0,
            current: VecDeque::new(),
            buckets: (0..LEVELS * WIDTH).map(|_| Vec::new()).collect(),
            occupied: [[0; 4]; LEVELS],
            mins: vec![u64::MAX; LEVELS * WIDTH],
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The time of the last popped entry (the queue's floor).
    pub fn floor(&self) -> SimTime {
        SimTime::from_nanos(self.last)
    }

    /// Files an entry with `key > last` into its level and bucket.
    #[inline]
    fn file(&mut self, key: u64, item: T) {
        let level = ((63 - (key ^ self.last).leading_zeros()) / 8) as usize;
        let byte = ((key >> (8 * level)) & 0xff) as usize;
        let b = level * WIDTH + byte;
        self.buckets[b].push((key, item));
        let bit = 1 << (byte & 63);
        let word = &mut self.occupied[level][byte >> 6];
        // A bucket just becoming occupied starts its minimum afresh.
        self.mins[b] = if *word & bit == 0 {
            key
        } else {
            self.mins[b].min(key)
        };
        *word |= bit;
    }

    /// Pushes `item` at `at`. `at` below the floor is raised to it.
    #[inline]
    pub fn push(&mut self, at: SimTime, item: T) {
        let key = at.as_nanos().max(self.last);
        self.len += 1;
        if key == self.last {
            self.current.push_back(item);
        } else {
            self.file(key, item);
        }
    }

    /// The smallest key without removing it (may redistribute internally).
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.len == 0 {
            return None;
        }
        self.refill();
        Some(SimTime::from_nanos(self.last))
    }

    /// The earliest entry without removing it (may redistribute internally).
    pub fn peek(&mut self) -> Option<(SimTime, &T)> {
        if self.len == 0 {
            return None;
        }
        self.refill();
        let item = self.current.front().expect("refill made current non-empty");
        Some((SimTime::from_nanos(self.last), item))
    }

    /// Removes and returns the earliest entry (FIFO among equal times).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        if self.len == 0 {
            return None;
        }
        self.refill();
        self.len -= 1;
        let item = self
            .current
            .pop_front()
            .expect("refill made current non-empty");
        Some((SimTime::from_nanos(self.last), item))
    }

    /// Makes `current` non-empty (requires len > 0).
    fn refill(&mut self) {
        if !self.current.is_empty() {
            return;
        }
        let (level, byte) = self
            .lowest_occupied()
            .expect("len > 0 but no bucket occupied");
        self.occupied[level][byte >> 6] &= !(1 << (byte & 63));
        let b = level * WIDTH + byte;
        if self.buckets[b].len() == 1 {
            // The common case in sparse regions: one entry, nothing to sort.
            let (key, item) = self.buckets[b].pop().expect("len is 1");
            self.last = key;
            self.current.push_back(item);
            return;
        }
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        let new_last = bucket
            .iter()
            .map(|e| e.0)
            .min()
            .expect("occupied bucket is non-empty");
        self.last = new_last;
        for (key, item) in bucket.drain(..) {
            // Every level below `level` is empty, so per-key order is kept.
            if key == new_last {
                self.current.push_back(item);
            } else {
                self.file(key, item);
            }
        }
        // Keep the allocation for reuse.
        self.buckets[level * WIDTH + byte] = bucket;
    }

    fn lowest_occupied(&self) -> Option<(usize, usize)> {
        for (level, words) in self.occupied.iter().enumerate() {
            for (w, &bits) in words.iter().enumerate() {
                if bits != 0 {
                    return Some((level, w * 64 + bits.trailing_zeros() as usize));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_time_then_fifo_order() {
        let mut q = RadixQueue::new();
        q.push(SimTime::from_nanos(5), "b1");
        q.push(SimTime::from_nanos(3), "a");
        q.push(SimTime::from_nanos(5), "b2");
        q.push(SimTime::from_nanos(9), "c");
        q.push(SimTime::from_nanos(5), "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, x)| x).collect();
        assert_eq!(order, ["a", "b1", "b2", "b3", "c"]);
    }

    proptest! {
        /// Interleaved pushes (never earlier than the last pop) and pops give
        /// the same sequence as a reference heap keyed by (time, seq).
        #[test]
        fn matches_reference_heap(ops in proptest::collection::vec((any::<bool>(), 0u64..50, 0u32..3), 1..400)) {
            let mut q = RadixQueue::new();
            let mut reference = BinaryHeap::new();
            let mut seq = 0u64;
            let mut now = 0u64;
            for (is_push, dt, scale) in ops {
                if is_push {
                    let t = now + dt * 10u64.pow(scale * 3);
                    q.push(SimTime::from_nanos(t), seq);
                    reference.push(Reverse((t, seq)));
                    seq += 1;
                } else {
                    let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                    let want = reference.pop().map(|Reverse(x)| x);
                    prop_assert_eq!(got, want);
                    if let Some((t, _)) = got { now = t; }
                }
            }
            while let Some(Reverse(want)) = reference.pop() {
                let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                prop_assert_eq!(got, Some(want));
            }
            prop_assert!(q.pop().is_none());
        }
    }
}
