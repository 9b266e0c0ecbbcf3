//! LFU with dynamic aging (LFU-DA, Arlitt et al. 2000): each object's key
//! is `L + hits`, where `hits` counts its requests since insertion and `L`
//! is the key of the last evicted object, so old popularity ages out as `L`
//! rises. Evict the smallest key; among equal keys the least recently used
//! (an access stamp). An indexed binary min-heap in the slab gives
//! O(log n) updates; the heap position is kept in the entry's `prev` field.
//!
//! Keys and stamps are `u32` to keep entries at 32 bytes. Before a key
//! would overflow, every key is lowered by `L` (all resident keys are at
//! least `L`, so the order is kept); before the stamp clock overflows,
//! stamps are renumbered in their order. Both happen at most once per
//! ~4 billion requests.

use super::Policy;
use super::slab::Slab;

#[derive(Clone, Copy, Debug, Default)]
struct Key {
    key: u32,
    stamp: u32,
}

#[derive(Debug, Default)]
pub struct Lfu {
    slab: Slab<Key>,
    heap: Vec<u32>,
    bytes: u64,
    age: u32,
    clock: u32,
}

impl Lfu {
    pub fn new() -> Self {
        Self::default()
    }

    /// The aging term `L` (key of the last eviction).
    pub fn age(&self) -> u64 {
        self.age as u64
    }

    /// Lowers every key by the age `L` (order unchanged), making room
    /// above the largest key.
    fn rebase_keys(&mut self) {
        let base = self.age;
        for i in 0..self.heap.len() {
            let slot = self.heap[i];
            self.slab.e_mut(slot).x.key -= base;
        }
        self.age = 0;
    }

    /// Renumbers stamps 0.. in their current order.
    fn renumber_stamps(&mut self) {
        let mut slots = self.heap.clone();
        slots.sort_by_key(|&s| self.slab.e(s).x.stamp);
        for (n, &s) in slots.iter().enumerate() {
            self.slab.e_mut(s).x.stamp = n as u32;
        }
        self.clock = slots.len() as u32;
    }

    #[inline]
    fn tick(&mut self) -> u32 {
        if self.clock == u32::MAX {
            self.renumber_stamps();
        }
        self.clock += 1;
        self.clock
    }

    #[inline]
    fn less(&self, a: u32, b: u32) -> bool {
        let (x, y) = (self.slab.e(a).x, self.slab.e(b).x);
        (x.key, x.stamp) < (y.key, y.stamp)
    }

    fn set(&mut self, i: usize, slot: u32) {
        self.heap[i] = slot;
        self.slab.e_mut(slot).prev = i as u32;
    }

    fn sift_up(&mut self, mut i: usize) {
        let slot = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.less(slot, self.heap[parent]) {
                break;
            }
            let p = self.heap[parent];
            self.set(i, p);
            i = parent;
        }
        self.set(i, slot);
    }

    fn sift_down(&mut self, mut i: usize) {
        let slot = self.heap[i];
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.less(self.heap[r], self.heap[l]) {
                r
            } else {
                l
            };
            if !self.less(self.heap[c], slot) {
                break;
            }
            let cs = self.heap[c];
            self.set(i, cs);
            i = c;
        }
        self.set(i, slot);
    }

    fn heap_remove(&mut self, i: usize) {
        let last = self.heap.pop().expect("heap not empty");
        if i < self.heap.len() {
            self.set(i, last);
            self.sift_down(i);
            self.sift_up(self.slab.e(last).prev as usize);
        }
    }
}

impl Policy for Lfu {
    fn name(&self) -> &'static str {
        "lfu"
    }
    fn lookup(&mut self, id: u64) -> bool {
        let Some(slot) = self.slab.find(id) else {
            return false;
        };
        let clock = self.tick();
        if self.slab.e(slot).x.key == u32::MAX {
            self.rebase_keys();
        }
        let e = self.slab.e_mut(slot);
        e.x.key = e.x.key.saturating_add(1);
        e.x.stamp = clock;
        let i = e.prev as usize;
        self.sift_down(i);
        true
    }
    fn contains(&self, id: u64) -> bool {
        self.slab.find(id).is_some()
    }
    fn prefetch(&self, id: u64) {
        self.slab.prefetch(id);
    }
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let stamp = self.tick();
        if self.age == u32::MAX {
            self.rebase_keys();
        }
        let slot = self.slab.alloc(id, size, 0);
        self.slab.e_mut(slot).x = Key {
            key: self.age + 1,
            stamp,
        };
        self.heap.push(slot);
        self.sift_up(self.heap.len() - 1);
        self.bytes += size;
        true
    }
    fn evict(&mut self) -> Option<(u64, u64)> {
        let &slot = self.heap.first()?;
        let e = *self.slab.e(slot);
        self.age = e.x.key;
        self.heap_remove(0);
        self.slab.release(slot);
        self.bytes -= e.size();
        Some((e.id, e.size()))
    }
    fn remove(&mut self, id: u64) -> Option<u64> {
        let slot = self.slab.find(id)?;
        let e = *self.slab.e(slot);
        self.heap_remove(e.prev as usize);
        self.slab.release(slot);
        self.bytes -= e.size();
        Some(e.size())
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
    fn used_bytes(&self) -> u64 {
        self.bytes
    }
    fn victim(&self) -> Option<u64> {
        self.heap.first().map(|&s| self.slab.e(s).id)
    }
    fn heap_bytes(&self) -> usize {
        self.slab.heap_bytes() + self.heap.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::super::Cache;
    use super::*;

    #[test]
    fn evicts_least_frequent_then_ages() {
        let mut c = Cache::new(Lfu::new(), 3);
        for id in [1, 1, 1, 2, 2, 3, 4] {
            c.access(id, 1);
        }
        assert!(c.contains(1) && c.contains(2) && !c.contains(3) && c.contains(4));
        assert_eq!(c.policy().age(), 1);
        // 2 (two hits) and 4 (aged in at L + 1) tie at key 2: the older
        // access goes.
        c.access(5, 1);
        assert!(!c.contains(2) && c.contains(4) && c.contains(5));
    }

    #[test]
    fn counters_near_overflow_are_rebased_without_changing_decisions() {
        let run = |start: u32| {
            let mut p = Lfu::new();
            p.clock = start;
            p.age = start;
            let mut c = Cache::new(p, 4);
            let ids = [1u64, 2, 1, 3, 1, 2, 4, 5, 2, 6, 1, 7, 3, 3, 8, 1];
            let hits: Vec<bool> = ids.iter().map(|&id| c.access(id, 1)).collect();
            let resident: Vec<u64> = (0..10).filter(|&i| c.contains(i)).collect();
            (hits, resident)
        };
        let base = run(0);
        assert_eq!(run(u32::MAX - 5), base);
        assert_eq!(run(u32::MAX - 1), base);
    }
}
