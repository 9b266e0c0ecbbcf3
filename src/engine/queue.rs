//! The pending-event queue: a monotone radix heap with 8-bit digits whose
//! lowest bucket is consumed as a sorted run.
//!
//! # Structure
//!
//! Keys are `u64` nanoseconds. Relative to `last` (the floor: the key of
//! the last popped entry), an entry with key `k` lives at *level* `l` = the
//! index of the highest byte in which `k` and `last` differ, in *bucket* `b`
//! = byte `l` of `k`. Each level has 256 buckets and a 256-bit occupancy
//! map. The earliest entries live in the *run* (`current`), sorted by key
//! and FIFO within a key, covering every key below `run_end`.
//!
//! When the run is empty, the lowest occupied bucket of the lowest occupied
//! level is taken. If it is small (<= `RUN_MAX` entries) it is sorted
//! (stably) and becomes the run, and its whole key range `[start, run_end)`
//! belongs to the run from then on: a push into that range is inserted in
//! the run after the entries with keys <= its own. If it is large, its
//! minimum becomes `last` and its entries are spread over the lower levels
//! (empty at that moment), as in a plain radix heap. An entry moves at most
//! once per level plus once into the run, so push is O(1) (O(log n + n/2)
//! for the rare push into the run's range, n <= `RUN_MAX` plus what was
//! pushed there) and pop is amortised O(1).
//!
//! Why a run: in the hold benchmark (1 M events pending, delays uniform in
//! [0, 1 s)) the pending density near `now` is ~2 events/µs, so a level-2
//! bucket (65.5 µs) holds ~130 entries; spreading it over levels 1 and 0
//! cost one more move per event and a bucket scan per pop for runs of ~1
//! entry. Sorting ~130 entries is cheaper, though `RUN_MAX` = 128 spreads
//! about half of the hold model's level-2 buckets (339 k runs per 500 k
//! pops in callgrind; +0.5% instructions against 512). Larger buckets are
//! spread because sorting them costs more than one move per entry (the
//! request model's 256-512-entry runs: see `RUN_MAX`).
//!
//! # Order guarantee
//!
//! Entries pop in increasing key; entries with the *same* key pop in the
//! order they were pushed (FIFO). All entries with one key are always in
//! the same place (one bucket or the run): the bucket is a function of the
//! key and `last`; `last` moves either inside the run's range, where the
//! buckets of all filed keys (all >= `run_end`, differing from the range in
//! a byte at or above the run's level) do not change, or to the minimum of
//! a spread bucket, whose entries move in order into empty lower levels.
//! Buckets are appended to in push order, the run's sort is stable and an
//! insertion goes after equal keys. The property tests
//! `matches_reference_heap` and `matches_reference_heap_in_bulk` check
//! this against a `BinaryHeap` keyed by (time, sequence).
//!
//! A radix heap needs monotone keys: nothing may be pushed earlier than the
//! floor. Such a push is raised to the floor (the scheduler asserts against
//! it in debug builds).

use crate::time::SimTime;
use std::collections::VecDeque;

const LEVELS: usize = 8;
const WIDTH: usize = 256;
/// Buckets with at most this many entries are sorted into the run instead
/// of being spread over the levels below (see the module docs). 128, not
/// 512: the request model's ~1 k runs of 256-512 entries per 200 k
/// requests cost ~76 k instructions each to sort; spread, the IMC-sized
/// 20 s run takes 7.7% fewer instructions (event-driven BGP -0.3%, the
/// hold model +0.5%; docs/performance.md, 2026-12-02 20:15).
const RUN_MAX: usize = 128;
/// A push into the run's key range that would move more than this many
/// run entries spills the run back into the levels instead (see
/// `spill_run`). A run covers its bucket's whole key range (256^level ns),
/// so a run taken from a sparse high-level bucket attracts every later push
/// into that range; as sorted inserts into one growing run that was
/// quadratic (event-driven BGP: minutes; the request model: half its
/// instructions in `memmove`). A spill narrows the range: the next run
/// comes from a lower level, so an entry is spilled at most once per level.
const RUN_MAX_MOVES: usize = 32;
/// Runs of at most this many entries are sorted by insertion (stable, no
/// setup); larger ones through a sorted index (`sort_run`). Event-driven
/// BGP makes ~320 k runs of ~4.5 entries per 1.4 M events, and the library
/// sort's fixed cost was ~470 instructions per run (6% of the protocol
/// run's instructions, docs/performance.md "Event-driven BGP").
const INSERTION_SORT_MAX: usize = 24;

/// Stable sort by key. Short slices: insertion sort. Longer ones: the
/// (key, position) pairs are sorted (16-byte elements; the position breaks
/// ties, so the order is stable) and the entries permuted into place by
/// following the permutation's cycles, one swap per entry, instead of a
/// stable sort moving whole entries (48-80 bytes) ~log n times each.
/// `order` is scratch.
#[inline]
fn sort_run<T>(v: &mut [(u64, T)], order: &mut Vec<(u64, u32)>) {
    if v.len() > INSERTION_SORT_MAX {
        order.clear();
        order.extend(v.iter().enumerate().map(|(i, e)| (e.0, i as u32)));
        order.sort_unstable();
        // Position k receives the entry at order[k].1; a finished
        // position is marked by pointing at itself.
        for i in 0..v.len() {
            let mut j = i;
            loop {
                let next = order[j].1 as usize;
                order[j].1 = j as u32;
                if next == i {
                    break;
                }
                v.swap(j, next);
                j = next;
            }
        }
        return;
    }
    for i in 1..v.len() {
        let mut j = i;
        // Strictly greater: equal keys keep their order (stable).
        while j > 0 && v[j - 1].0 > v[j].0 {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// A FIFO-within-key monotone priority queue of `T` keyed by [`SimTime`].
pub struct RadixQueue<T> {
    /// The floor: the key of the last popped entry, or the minimum of the
    /// last bucket spread. Nothing is filed below it.
    last: u64,
    len: usize,
    /// The run: entries with key < `run_end`, in pop order (a pop is
    /// `pop_front`, a push at or after the run's last key is `push_back`,
    /// and a small bucket becomes the run without copying:
    /// `VecDeque::from(Vec)` reuses the buffer). Every entry in the levels
    /// has key >= `run_end`.
    current: VecDeque<(u64, T)>,
    /// Exclusive upper bound of the run's key range.
    run_end: u64,
    /// `buckets[level * WIDTH + byte]`.
    buckets: Vec<Vec<(u64, T)>>,
    /// Occupancy bitmap per level (256 bits each).
    occupied: [[u64; 4]; LEVELS],
    /// Smallest key in each bucket (valid while the bucket is occupied), so
    /// a spread needs no extra pass to find the new floor.
    mins: Vec<u64>,
    /// Scratch of `sort_run`.
    order: Vec<(u64, u32)>,
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
            run_end: 1,
            buckets: (0..LEVELS * WIDTH).map(|_| Vec::new()).collect(),
            occupied: [[0; 4]; LEVELS],
            mins: vec![u64::MAX; LEVELS * WIDTH],
            order: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An entry that pops soon, found without moving anything: the run's
    /// first (the next to pop) or, with the run empty, the first filed in
    /// the lowest occupied bucket (it pops within the next run, not
    /// necessarily first). A hint, e.g. of what to prefetch.
    #[inline]
    pub fn soon(&self) -> Option<&T> {
        self.soon_n(1).next()
    }

    /// Up to `n` entries that pop soon, found without moving anything: the
    /// run's first `n` (in pop order) or, with the run empty, the first `n`
    /// filed in the lowest occupied bucket (all pop within the next run,
    /// in an order its sort decides). A hint, e.g. of what to prefetch.
    #[inline]
    pub fn soon_n(&self, n: usize) -> impl Iterator<Item = &T> {
        let bucket: &[(u64, T)] = if self.current.is_empty() {
            self.lowest_occupied()
                .map_or(&[], |(level, byte)| &self.buckets[level * WIDTH + byte][..])
        } else {
            &[]
        };
        self.current.iter().chain(bucket).take(n).map(|e| &e.1)
    }

    /// The time of the last popped entry (the queue's floor).
    pub fn floor(&self) -> SimTime {
        SimTime::from_nanos(self.last)
    }

    /// Files an entry with `key >= run_end` (so `key > last`) into its
    /// level and bucket.
    #[inline(always)]
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
        if key < self.run_end || key == self.last {
            self.insert_into_run(key, item);
        } else {
            self.file(key, item);
        }
    }

    /// Inserts so that it pops after every run entry with a key <= `key`
    /// (FIFO within a key), or spills the run when that would move more than
    /// `RUN_MAX_MOVES` entries.
    #[inline]
    fn insert_into_run(&mut self, key: u64, item: T) {
        if self.current.back().is_none_or(|e| e.0 <= key) {
            self.current.push_back((key, item));
            return;
        }
        let at = self.current.partition_point(|e| e.0 <= key);
        if at.min(self.current.len() - at) > RUN_MAX_MOVES && key > self.last {
            self.spill_run();
            self.file(key, item);
            return;
        }
        self.current.insert(at, (key, item));
    }

    /// Files the run's entries with keys above the floor back into the
    /// levels (relative to the floor, as a spread does); entries at the
    /// floor stay in the run, whose range shrinks to the floor alone. Valid
    /// because the levels below the run's level are empty while it is
    /// consumed and the floor lies in (or below) its range, so filed
    /// entries keep their buckets; the run is in pop order, so per-key FIFO
    /// order carries into the buckets, and later pushes append after it.
    #[cold]
    fn spill_run(&mut self) {
        let keep = self.current.partition_point(|e| e.0 <= self.last);
        self.run_end = self.last.saturating_add(1);
        // Drained in place (the run keeps its buffer): `split_off` would
        // allocate a second deque and copy the rest into it first (half
        // the request model's queue instructions were that `memcpy`).
        let mut run = std::mem::take(&mut self.current);
        for (key, item) in run.drain(keep..) {
            self.file(key, item);
        }
        self.current = run;
    }

    /// The smallest key, with the run made non-empty when that key is at
    /// most `bound` (so the floor, which a refill may raise to the key,
    /// stays at or below `bound`; `peek` and `pop` then find the entry
    /// without another search). Above `bound`, nothing moves.
    #[inline]
    pub fn first_key_upto(&mut self, bound: u64) -> Option<u64> {
        if let Some(e) = self.current.front() {
            return Some(e.0);
        }
        let (level, byte) = self.lowest_occupied()?;
        let key = self.mins[level * WIDTH + byte];
        if key <= bound {
            self.refill_from(level, byte);
        }
        Some(key)
    }

    /// The earliest entry without removing it (may redistribute internally).
    pub fn peek(&mut self) -> Option<(SimTime, &T)> {
        if self.len == 0 {
            return None;
        }
        if self.current.is_empty() {
            self.refill();
        }
        let (key, item) = self.current.front().expect("refill made the run non-empty");
        Some((SimTime::from_nanos(*key), item))
    }

    /// Removes and returns the earliest entry (FIFO among equal times).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        if self.len == 0 {
            return None;
        }
        if self.current.is_empty() {
            self.refill();
        }
        self.len -= 1;
        let (key, item) = self
            .current
            .pop_front()
            .expect("refill made the run non-empty");
        self.last = key;
        Some((SimTime::from_nanos(key), item))
    }

    /// Makes the empty run non-empty (requires len > 0).
    #[inline(never)]
    fn refill(&mut self) {
        let (level, byte) = self
            .lowest_occupied()
            .expect("len > 0 but no bucket occupied");
        self.refill_at(level, byte);
    }

    /// `refill` with the lowest occupied bucket already found. Two
    /// out-of-line entry points around one inlined body, so that neither
    /// the bitmap search nor the refill is a further call (with it and
    /// `Scheduler::pop` out of line, engine_hold took 6-10% more
    /// instructions).
    #[inline(never)]
    fn refill_from(&mut self, level: usize, byte: usize) {
        self.refill_at(level, byte);
    }

    /// Makes the empty run non-empty from the lowest occupied bucket,
    /// `(level, byte)`.
    #[inline(always)]
    fn refill_at(&mut self, level: usize, byte: usize) {
        self.occupied[level][byte >> 6] &= !(1 << (byte & 63));
        let b = level * WIDTH + byte;
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        if bucket.len() <= RUN_MAX {
            // Small bucket: sort it (stable, so FIFO within a key holds)
            // and make it the run; its whole key range now belongs to the
            // run. The levels below are empty, and the entries above stay
            // correctly filed while `last` moves inside this range, since
            // they differ from all of it in a byte >= `level`.
            sort_run(&mut bucket, &mut self.order);
            let shift = 8 * level as u32;
            let start = if level + 1 == LEVELS {
                0
            } else {
                (self.last >> (shift + 8)) << (shift + 8)
            } | ((byte as u64) << shift);
            self.run_end = start.saturating_add(1 << shift);
            // The run is empty: swap storage (the old run's capacity goes
            // back to the bucket).
            let old = std::mem::replace(&mut self.current, VecDeque::from(bucket));
            bucket = Vec::from(old);
        } else {
            // Large bucket: spread it over the (empty) levels below,
            // relative to its minimum, the new floor.
            let new_last = self.mins[b];
            self.last = new_last;
            self.run_end = new_last.saturating_add(1);
            for (key, item) in bucket.drain(..) {
                // Every level below `level` is empty, so per-key order is kept.
                if key == new_last {
                    self.current.push_back((key, item));
                } else {
                    self.file(key, item);
                }
            }
        }
        // Keep the allocation for reuse.
        self.buckets[b] = bucket;
    }

    #[inline(always)]
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

    /// `soon` names an entry of the next run: with the run empty, the
    /// first filed in the lowest occupied bucket.
    #[test]
    fn soon_is_an_entry_of_the_next_run() {
        let mut q = RadixQueue::new();
        assert_eq!(q.soon(), None);
        q.push(SimTime::from_nanos(700), "late");
        q.push(SimTime::from_nanos(600), "early");
        assert_eq!(
            q.soon(),
            Some(&"late"),
            "run empty: the bucket's first filed"
        );
        assert_eq!(q.pop().map(|x| x.1), Some("early"));
        assert_eq!(q.soon(), Some(&"late"), "the run's next");
        assert_eq!(q.pop().map(|x| x.1), Some("late"));
        assert_eq!(q.soon(), None);
    }

    /// `soon_n` names the run's first entries in pop order, or with the run
    /// empty the next bucket's first filed, and never more than asked.
    #[test]
    fn soon_n_is_the_run_or_the_next_bucket() {
        let mut q = RadixQueue::new();
        assert_eq!(q.soon_n(4).count(), 0);
        for (t, x) in [(300, "c"), (100, "a"), (200, "b"), (70_000, "far")] {
            q.push(SimTime::from_nanos(t), x);
        }
        // Run empty: the lowest bucket (keys below 256 ns) in filing order.
        let next: Vec<_> = q.soon_n(4).copied().collect();
        assert_eq!(next, ["a"], "the bucket of 100 alone");
        assert_eq!(q.pop().map(|x| x.1), Some("a"));
        // 200 and 300 are now in the run's range or the next buckets.
        let next: Vec<_> = q.soon_n(1).copied().collect();
        assert_eq!(next.len(), 1);
        assert!(["b", "c"].contains(&next[0]));
        let all: Vec<_> = std::iter::from_fn(|| q.pop()).map(|x| x.1).collect();
        assert_eq!(all, ["b", "c", "far"]);
        assert_eq!(q.soon_n(4).count(), 0);
        // One bucket (level 1, byte 3: 768-1023 ns) filed out of order:
        // its first `n` as filed, before the sort makes it the run.
        let mut q = RadixQueue::new();
        for (t, x) in [(1020, "z"), (1000, "x"), (1010, "y")] {
            q.push(SimTime::from_nanos(t), x);
        }
        assert_eq!(q.soon_n(2).copied().collect::<Vec<_>>(), ["z", "x"]);
        assert_eq!(q.pop().map(|x| x.1), Some("x"));
        // Now the run, in pop order.
        assert_eq!(q.soon_n(4).copied().collect::<Vec<_>>(), ["y", "z"]);
    }

    /// The run sort is stable on both of its paths (insertion sort up to
    /// `INSERTION_SORT_MAX`, the library's above): same order as a stable
    /// sort by key, many equal keys.
    #[test]
    fn sort_run_is_stable() {
        let mut x = 7u64;
        for n in (0..80usize).chain([300, 513]) {
            for _ in 0..20 {
                let mut v: Vec<(u64, usize)> = (0..n)
                    .map(|i| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        ((x >> 60) % 5, i)
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_by_key(|e| e.0);
                sort_run(&mut v, &mut Vec::new());
                assert_eq!(v, want, "n = {n}");
            }
        }
    }

    /// Drives the queue and the oracle with `ops` (push `n` events at
    /// now + delay drawn from `delays`, then pop `m`) and compares.
    fn check_bulk(ops: &[(u16, u16, u64, u64)]) -> Result<(), TestCaseError> {
        let mut q = RadixQueue::new();
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for &(n, m, spread, salt) in ops {
            for i in 0..n as u64 {
                // Cheap deterministic scatter; many equal keys when spread is small.
                let h = (seq ^ salt)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .rotate_left(17);
                let t = now + h % spread.max(1) + (i & 1);
                q.push(SimTime::from_nanos(t), seq);
                reference.push(Reverse((t, seq)));
                seq += 1;
            }
            for _ in 0..m {
                let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                let want = reference.pop().map(|Reverse(x)| x);
                prop_assert_eq!(got, want);
                if let Some((t, _)) = got {
                    now = t;
                }
            }
            prop_assert_eq!(q.len(), reference.len());
        }
        while let Some(Reverse(want)) = reference.pop() {
            let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
            prop_assert_eq!(got, Some(want));
        }
        prop_assert!(q.pop().is_none());
        Ok(())
    }

    /// Buckets larger than RUN_MAX (spread) and smaller (run), keys right
    /// at bucket boundaries and at the top of the key space.
    #[test]
    fn large_buckets_and_edges() {
        check_bulk(&[
            (5000, 100, 1 << 16, 1),
            (3000, 4000, 1 << 9, 2),
            (2000, 4000, 3, 3),
        ])
        .unwrap();
        let mut q = RadixQueue::new();
        for (i, t) in [255u64, 256, 65535, 65536, 255, u64::MAX, u64::MAX - 1, 256]
            .into_iter()
            .enumerate()
        {
            q.push(SimTime::from_nanos(t), i);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, x)| x).collect();
        assert_eq!(order, [0, 4, 1, 7, 2, 3, 6, 5]);
        q.push(SimTime::from_nanos(u64::MAX), 8);
        q.push(SimTime::from_nanos(u64::MAX), 9);
        assert_eq!(q.pop().map(|x| x.1), Some(8));
        assert_eq!(q.pop().map(|x| x.1), Some(9));
    }

    /// A run taken from a sparse high-level bucket covers a wide key
    /// range; a burst of pushes into it (as event-driven BGP makes after a
    /// quiet spell) must spill it back into the levels and still pop in
    /// (time, FIFO) order. Quadratic before the cap: 200 k pushes took
    /// minutes.
    #[test]
    fn wide_run_spills_in_order() {
        let mut q = RadixQueue::new();
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut push = |q: &mut RadixQueue<u64>, r: &mut BinaryHeap<_>, t: u64| {
            q.push(SimTime::from_nanos(t), seq);
            r.push(Reverse((t, seq)));
            seq += 1;
        };
        // Two events seconds apart: the first pop makes a level-4 run.
        push(&mut q, &mut reference, 5 << 32);
        push(&mut q, &mut reference, (5 << 32) + 3_000_000_000);
        let mut now = 0;
        let mut x = 1u64;
        for round in 0..200_000u64 {
            if round % 3 != 2 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Mostly later than everything pending, some in the middle,
                // some equal to the floor.
                let t = match x >> 61 {
                    0 => now,
                    1 | 2 => now + (x >> 40) % 1_000,
                    _ => now + 1_000_000 + (x >> 20) % 10_000_000,
                };
                push(&mut q, &mut reference, t);
            } else {
                let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                let want = reference.pop().map(|Reverse(x)| x);
                assert_eq!(got, want);
                now = got.unwrap().0;
            }
            if round == 0 {
                let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                assert_eq!(got, reference.pop().map(|Reverse(x)| x));
                now = got.unwrap().0;
            }
        }
        assert!(q.current.len() <= 4 * RUN_MAX, "run {}", q.current.len());
        while let Some(Reverse(want)) = reference.pop() {
            assert_eq!(q.pop().map(|(t, s)| (t.as_nanos(), s)), Some(want));
        }
        assert!(q.pop().is_none());
    }

    proptest! {
        /// Batches of pushes and pops large enough to make buckets both
        /// larger and smaller than RUN_MAX, with delays from one key to
        /// many buckets wide, including pushes into the run's range.
        #[test]
        fn matches_reference_heap_in_bulk(
            ops in proptest::collection::vec(
                (0u16..600, 0u16..600, prop_oneof![Just(1u64), Just(7), 1u64..300, 1u64..70_000, 1u64..20_000_000, 1u64..1u64 << 40], any::<u64>()),
                1..12,
            )
        ) {
            check_bulk(&ops)?;
        }

        /// Interleaved pushes (never earlier than the last pop) and pops give
        /// the same sequence as a reference heap keyed by (time, seq).
        #[test]
        fn matches_reference_heap(ops in proptest::collection::vec((any::<bool>(), 0u64..300, 0u32..5), 1..600)) {
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
                    // The hint: some entry while any is pending, the next
                    // one while the run holds it.
                    let hint = q.soon().copied();
                    prop_assert_eq!(hint.is_some(), !q.is_empty());
                    let in_run = !q.current.is_empty();
                    let got = q.pop().map(|(t, s)| (t.as_nanos(), s));
                    let want = reference.pop().map(|Reverse(x)| x);
                    prop_assert_eq!(got, want);
                    if in_run {
                        prop_assert_eq!(hint, got.map(|g| g.1));
                    }
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
