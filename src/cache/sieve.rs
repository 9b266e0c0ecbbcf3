//! SIEVE (Zhang et al., NSDI 2024), as libCacheSim's `Sieve`: one FIFO
//! queue, a visited bit set on a hit, and a hand that moves from the oldest
//! object towards the newest, clearing set bits and evicting the first
//! object whose bit is clear; it wraps to the oldest end after the newest.

use super::Policy;
use super::slab::{List, NIL, Slab};

#[derive(Debug)]
pub struct Sieve {
    slab: Slab,
    q: List,
    hand: u32,
}

impl Default for Sieve {
    fn default() -> Self {
        Sieve {
            slab: Slab::new(),
            q: List::default(),
            hand: NIL,
        }
    }
}

impl Sieve {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for Sieve {
    fn name(&self) -> &'static str {
        "sieve"
    }
    #[inline]
    fn lookup(&mut self, id: u64) -> bool {
        match self.slab.find(id) {
            Some(slot) => {
                self.slab.e_mut(slot).set_tag(1);
                true
            }
            None => false,
        }
    }
    fn contains(&self, id: u64) -> bool {
        self.slab.find(id).is_some()
    }
    fn prefetch(&self, id: u64) {
        self.slab.prefetch(id);
    }
    #[inline]
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let slot = self.slab.alloc(id, size, 0);
        self.slab.push_back(&mut self.q, slot);
        true
    }
    #[inline]
    fn evict(&mut self) -> Option<(u64, u64)> {
        if self.q.head == NIL {
            return None;
        }
        let mut slot = if self.hand == NIL {
            self.q.head
        } else {
            self.hand
        };
        loop {
            let e = self.slab.e_mut(slot);
            if e.tag() == 0 {
                break;
            }
            e.set_tag(0);
            slot = if e.next == NIL { self.q.head } else { e.next };
        }
        let e = *self.slab.e(slot);
        self.hand = e.next;
        self.slab.unlink(&mut self.q, slot);
        self.slab.release(slot);
        Some((e.id, e.size()))
    }
    fn remove(&mut self, id: u64) -> Option<u64> {
        let slot = self.slab.find(id)?;
        let e = *self.slab.e(slot);
        if self.hand == slot {
            self.hand = e.next;
        }
        self.slab.unlink(&mut self.q, slot);
        self.slab.release(slot);
        Some(e.size())
    }
    fn len(&self) -> usize {
        self.q.len as usize
    }
    fn used_bytes(&self) -> u64 {
        self.q.bytes
    }
    fn heap_bytes(&self) -> usize {
        self.slab.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Cache;
    use super::*;

    #[test]
    fn hand_skips_visited_and_remembers_position() {
        let mut c = Cache::new(Sieve::new(), 3);
        for id in [1, 2, 3, 1, 2, 4] {
            c.access(id, 1);
        }
        // 1 and 2 visited: the hand clears them and evicts 3.
        assert!(c.contains(1) && c.contains(2) && !c.contains(3) && c.contains(4));
        // 3 was the newest, so the hand wraps to the oldest end: 1, whose
        // bit was cleared on the way, goes next.
        c.access(5, 1);
        assert!(!c.contains(1) && c.contains(2) && c.contains(4) && c.contains(5));
    }
}
