//! Single-queue policies: LRU, FIFO and CLOCK.

use super::Policy;
use super::slab::{List, NIL, Slab};

macro_rules! single_queue_common {
    () => {
        fn contains(&self, id: u64) -> bool {
            self.slab.find(id).is_some()
        }
        fn prefetch(&self, id: u64) {
            self.slab.prefetch(id);
        }
        fn remove(&mut self, id: u64) -> Option<u64> {
            let slot = self.slab.find(id)?;
            let size = self.slab.e(slot).size();
            self.slab.unlink(&mut self.q, slot);
            self.slab.release(slot);
            Some(size)
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
    };
}

/// Least recently used: a hit moves the object to the newest end; evict
/// the oldest.
#[derive(Debug, Default)]
pub struct Lru {
    slab: Slab,
    q: List,
}

impl Lru {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for Lru {
    fn name(&self) -> &'static str {
        "lru"
    }
    #[inline]
    fn lookup(&mut self, id: u64) -> bool {
        match self.slab.find(id) {
            Some(slot) => {
                self.slab.move_to_back(&mut self.q, slot);
                true
            }
            None => false,
        }
    }
    #[inline]
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let slot = self.slab.alloc(id, size, 0);
        self.slab.push_back(&mut self.q, slot);
        true
    }
    #[inline]
    fn evict(&mut self) -> Option<(u64, u64)> {
        pop_front(&mut self.slab, &mut self.q)
    }
    fn victim(&self) -> Option<u64> {
        (self.q.head != NIL).then(|| self.slab.e(self.q.head).id)
    }
    single_queue_common!();
}

/// First in, first out: hits change nothing; evict the oldest insertion.
#[derive(Debug, Default)]
pub struct Fifo {
    slab: Slab,
    q: List,
}

impl Fifo {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for Fifo {
    fn name(&self) -> &'static str {
        "fifo"
    }
    #[inline]
    fn lookup(&mut self, id: u64) -> bool {
        self.slab.find(id).is_some()
    }
    #[inline]
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let slot = self.slab.alloc(id, size, 0);
        self.slab.push_back(&mut self.q, slot);
        true
    }
    #[inline]
    fn evict(&mut self) -> Option<(u64, u64)> {
        pop_front(&mut self.slab, &mut self.q)
    }
    fn victim(&self) -> Option<u64> {
        (self.q.head != NIL).then(|| self.slab.e(self.q.head).id)
    }
    single_queue_common!();
}

/// CLOCK with a one-bit reference flag (libCacheSim's `Clock`, default
/// `n-bit-counter=1`): a hit sets the bit; eviction looks at the oldest
/// object, and while its bit is set clears it and moves it to the newest
/// end (second chance).
#[derive(Debug, Default)]
pub struct Clock {
    slab: Slab,
    q: List,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for Clock {
    fn name(&self) -> &'static str {
        "clock"
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
    #[inline]
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let slot = self.slab.alloc(id, size, 0);
        self.slab.push_back(&mut self.q, slot);
        true
    }
    fn evict(&mut self) -> Option<(u64, u64)> {
        loop {
            let slot = self.q.head;
            if slot == NIL {
                return None;
            }
            if self.slab.e(slot).tag() == 0 {
                return pop_front(&mut self.slab, &mut self.q);
            }
            self.slab.e_mut(slot).set_tag(0);
            self.slab.move_to_back(&mut self.q, slot);
        }
    }
    single_queue_common!();
}

#[inline]
fn pop_front(slab: &mut Slab, q: &mut List) -> Option<(u64, u64)> {
    let slot = q.head;
    if slot == NIL {
        return None;
    }
    let e = *slab.e(slot);
    slab.unlink(q, slot);
    slab.release(slot);
    Some((e.id, e.size()))
}

#[cfg(test)]
mod tests {
    use super::super::Cache;
    use super::*;

    #[test]
    fn lru_keeps_the_recently_used() {
        let mut c = Cache::new(Lru::new(), 3);
        for id in [1, 2, 3, 1, 4] {
            c.access(id, 1);
        }
        assert!(c.contains(1) && !c.contains(2) && c.contains(3) && c.contains(4));
    }

    #[test]
    fn fifo_ignores_hits() {
        let mut c = Cache::new(Fifo::new(), 3);
        for id in [1, 2, 3, 1, 4] {
            c.access(id, 1);
        }
        assert!(!c.contains(1) && c.contains(2));
    }

    #[test]
    fn clock_gives_a_second_chance() {
        let mut c = Cache::new(Clock::new(), 3);
        for id in [1, 2, 3, 1, 4] {
            c.access(id, 1);
        }
        assert!(c.contains(1) && !c.contains(2) && c.contains(3) && c.contains(4));
        // 1 lost its bit when it was passed over: next eviction takes 3.
        c.access(5, 1);
        assert!(c.contains(1) && !c.contains(3));
    }
}
