//! The pending-event queue: a monotone radix heap keyed by time.
//!
//! # Order guarantee
//!
//! Events pop in increasing time; events with the *same* time pop in the
//! order they were scheduled (FIFO). This holds because, under the radix-heap
//! invariant, all entries with one key always live in the same bucket, and
//! every bucket is a FIFO: redistribution moves a bucket's entries, in order,
//! into buckets that are empty (all lower buckets are empty when a bucket is
//! redistributed), and later pushes append behind them. The property test
//! `matches_reference_heap` checks this against a `BinaryHeap` keyed by
//! (time, sequence).
//!
//! A radix heap needs monotone keys: nothing may be pushed earlier than the
//! last popped time. The scheduler enforces that (an event "in the past" is
//! a model bug and is clamped to `now` in release builds, asserted in debug).
//!
//! Cost: push O(1); pop amortised O(log(max time span)) with each entry moved
//! at most 64 times. Cancellation is lazy (see [`super::Scheduler`]).

use crate::time::SimTime;
use std::collections::VecDeque;

const BUCKETS: usize = 65;

/// A FIFO-within-key monotone priority queue of `T` keyed by [`SimTime`].
pub struct RadixQueue<T> {
    last: u64,
    len: usize,
    /// Entries whose key equals `last`, in scheduling order.
    current: VecDeque<T>,
    /// `buckets[i]` (i >= 1) holds entries whose key differs from `last`
    /// first at bit i-1; `buckets[0]` is unused (see `current`).
    buckets: Vec<Vec<(u64, T)>>,
}

#[inline]
fn bucket_of(key: u64, last: u64) -> usize {
    // 0 when equal; otherwise 1 + index of the highest differing bit.
    (64 - (key ^ last).leading_zeros()) as usize
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
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
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

    /// Pushes `item` at `at`. `at` below the floor is raised to it.
    #[inline]
    pub fn push(&mut self, at: SimTime, item: T) {
        let key = at.as_nanos().max(self.last);
        self.len += 1;
        if key == self.last {
            self.current.push_back(item);
        } else {
            self.buckets[bucket_of(key, self.last)].push((key, item));
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
        let i = (1..BUCKETS)
            .find(|&i| !self.buckets[i].is_empty())
            .expect("len > 0 but every bucket empty");
        let mut bucket = std::mem::take(&mut self.buckets[i]);
        let new_last = bucket.iter().map(|e| e.0).min().expect("non-empty");
        self.last = new_last;
        for (key, item) in bucket.drain(..) {
            // Every bucket below i is empty, so FIFO order per key is kept.
            if key == new_last {
                self.current.push_back(item);
            } else {
                self.buckets[bucket_of(key, new_last)].push((key, item));
            }
        }
        // Keep the allocation for reuse.
        self.buckets[i] = bucket;
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
