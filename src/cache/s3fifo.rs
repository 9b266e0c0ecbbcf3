//! S3-FIFO (Yang et al., SOSP 2023) with libCacheSim's exact rules
//! (`S3FIFO.c`, defaults `small-size-ratio=0.10, ghost-size-ratio=0.90,
//! move-to-main-threshold=2`):
//!
//! - small queue = `floor(capacity x 0.1)` bytes, main = the rest, ghost =
//!   `floor(capacity x 0.9)` bytes of evicted ids (byte-bounded FIFO);
//! - a hit adds one to the object's counter (kept in 2 bits: only `>= 2`
//!   and `min(freq, 3)` are ever read);
//! - a miss whose id is in the ghost removes it there and the object goes
//!   straight to main; otherwise to small — except before the first
//!   eviction, when a full small queue sends new objects to main;
//! - eviction: from main when main is over its share or small is empty,
//!   else from small. Small: the oldest object moves to main if its
//!   counter reached 2 (and the step repeats), else it leaves to the ghost.
//!   Main: an object with a counter goes back to the newest end with
//!   `min(freq, 3) - 1`, else it is evicted;
//! - objects not smaller than the small queue are not admitted (unless they
//!   come back through the ghost, and never above the small queue size).
//!
//! Ghost entries live in the same slab and index as resident ones (tagged),
//! so one hash probe answers "resident, ghost or unknown".

use super::Policy;
use super::slab::{List, NIL, Slab};

const SMALL: u8 = 0;
const MAIN: u8 = 1;
const GHOST: u8 = 2;

#[inline]
fn tag(queue: u8, freq: u8) -> u8 {
    queue | (freq << 2)
}

#[derive(Debug)]
pub struct S3Fifo {
    slab: Slab,
    small: List,
    main: List,
    ghost: List,
    small_cap: u64,
    main_cap: u64,
    ghost_cap: u64,
    has_evicted: bool,
    /// Ids whose lookup hit the ghost and that have not been inserted since
    /// (libCacheSim's `hit_on_ghost`, kept per id so that tier logic may
    /// look up other objects between a miss and its fill). Oldest first;
    /// at most [`PENDING_MAX`] are remembered.
    ghost_hits: Vec<u64>,
}

/// Ghost hits remembered while their fills are outstanding.
const PENDING_MAX: usize = 4096;

impl S3Fifo {
    pub fn new(capacity: u64) -> Self {
        // libCacheSim: (int64_t)cache_size * 0.10 truncated; ghost likewise.
        let small_cap = (capacity as f64 * 0.10) as u64;
        let ghost_cap = (capacity as f64 * 0.90) as u64;
        S3Fifo {
            slab: Slab::new(),
            small: List::default(),
            main: List::default(),
            ghost: List::default(),
            small_cap,
            main_cap: capacity - small_cap,
            ghost_cap,
            has_evicted: false,
            ghost_hits: Vec::new(),
        }
    }

    /// Ghost entries currently remembered.
    pub fn ghost_len(&self) -> usize {
        self.ghost.len as usize
    }

    fn evict_small(&mut self) -> Option<(u64, u64)> {
        while self.small.head != NIL {
            let slot = self.small.head;
            let e = *self.slab.e(slot);
            self.slab.unlink(&mut self.small, slot);
            if e.tag() >> 2 >= 2 {
                self.slab.e_mut(slot).set_tag(tag(MAIN, 0));
                self.slab.push_back(&mut self.main, slot);
                continue;
            }
            let size = e.size();
            if self.ghost_cap > 0 && size <= self.ghost_cap {
                while self.ghost.bytes + size > self.ghost_cap {
                    let g = self.ghost.head;
                    self.slab.unlink(&mut self.ghost, g);
                    self.slab.release(g);
                }
                self.slab.e_mut(slot).set_tag(tag(GHOST, 0));
                self.slab.push_back(&mut self.ghost, slot);
            } else {
                self.slab.release(slot);
            }
            return Some((e.id, size));
        }
        None
    }

    fn evict_main(&mut self) -> Option<(u64, u64)> {
        while self.main.head != NIL {
            let slot = self.main.head;
            let e = *self.slab.e(slot);
            let freq = e.tag() >> 2;
            self.slab.unlink(&mut self.main, slot);
            if freq >= 1 {
                self.slab.e_mut(slot).set_tag(tag(MAIN, freq.min(3) - 1));
                self.slab.push_back(&mut self.main, slot);
            } else {
                self.slab.release(slot);
                return Some((e.id, e.size()));
            }
        }
        None
    }
}

impl Policy for S3Fifo {
    fn name(&self) -> &'static str {
        "s3fifo"
    }
    #[inline]
    fn lookup(&mut self, id: u64) -> bool {
        let Some(slot) = self.slab.find(id) else {
            // Not a ghost hit this time: a stale pending one is dropped.
            if !self.ghost_hits.is_empty() {
                self.ghost_hits.retain(|&g| g != id);
            }
            return false;
        };
        let t = self.slab.e(slot).tag();
        if t & 3 == GHOST {
            self.slab.unlink(&mut self.ghost, slot);
            self.slab.release(slot);
            if self.ghost_hits.len() == PENDING_MAX {
                self.ghost_hits.remove(0);
            }
            self.ghost_hits.push(id);
            return false;
        }
        let freq = (t >> 2).saturating_add(1).min(3);
        self.slab.e_mut(slot).set_tag(tag(t & 3, freq));
        true
    }
    fn prefetch(&self, id: u64) {
        self.slab.prefetch(id);
    }
    fn contains(&self, id: u64) -> bool {
        self.slab
            .find(id)
            .is_some_and(|s| self.slab.e(s).tag() & 3 != GHOST)
    }
    #[inline]
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let ghost_hit = match self.ghost_hits.iter().rposition(|&g| g == id) {
            Some(i) => {
                self.ghost_hits.remove(i);
                true
            }
            None => false,
        };
        let to_main = if ghost_hit {
            true
        } else if size >= self.small_cap {
            return false;
        } else {
            !self.has_evicted && self.small.bytes >= self.small_cap
        };
        // A ghost entry for this id (inserted without a lookup) is dropped.
        if let Some(g) = self.slab.find(id) {
            debug_assert_eq!(self.slab.e(g).tag() & 3, GHOST);
            self.slab.unlink(&mut self.ghost, g);
            self.slab.release(g);
        }
        let (queue, list) = if to_main {
            (MAIN, &mut self.main)
        } else {
            (SMALL, &mut self.small)
        };
        let slot = self.slab.alloc(id, size, tag(queue, 0));
        self.slab.push_back(list, slot);
        true
    }
    #[inline]
    fn evict(&mut self) -> Option<(u64, u64)> {
        self.has_evicted = true;
        if self.main.bytes > self.main_cap || self.small.bytes == 0 {
            self.evict_main()
        } else {
            self.evict_small()
        }
    }
    fn remove(&mut self, id: u64) -> Option<u64> {
        let slot = self.slab.find(id)?;
        let e = *self.slab.e(slot);
        let list = match e.tag() & 3 {
            SMALL => &mut self.small,
            MAIN => &mut self.main,
            _ => return None,
        };
        self.slab.unlink(list, slot);
        self.slab.release(slot);
        Some(e.size())
    }
    fn len(&self) -> usize {
        (self.small.len + self.main.len) as usize
    }
    fn used_bytes(&self) -> u64 {
        self.small.bytes + self.main.bytes
    }
    fn max_object_size(&self, capacity: u64) -> u64 {
        self.small_cap.min(capacity)
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
    fn one_hit_wonders_leave_through_small_and_ghost_readmits_to_main() {
        // capacity 100: small 10, main 90, ghost 90.
        let mut c = Cache::new(S3Fifo::new(100), 100);
        // Fill: small takes 10 one-byte objects, then (no eviction yet) main.
        for id in 0..100 {
            c.access(id, 1);
        }
        assert_eq!(c.used_bytes(), 100);
        c.access(1000, 1); // evicts the oldest small object (0) to the ghost
        assert!(!c.contains(0));
        assert_eq!(c.policy().ghost_len(), 1);
        assert!(!c.access(0, 1)); // ghost hit: back, into main ...
        assert!(c.contains(0));
        // ... which needed room: the next small object (1) left to the ghost.
        assert!(!c.contains(1));
        assert_eq!(c.policy().ghost_len(), 1);
        assert!(c.policy().main.len == 91 && c.policy().small.len == 9);
    }

    #[test]
    fn a_ghost_hit_survives_other_lookups_until_the_fill() {
        let mut c = Cache::new(S3Fifo::new(100), 100);
        for id in 0..101 {
            c.access(id, 1);
        }
        assert_eq!(c.policy().ghost_len(), 1); // object 0
        assert!(!c.lookup(0)); // ghost hit, fetch outstanding
        assert!(c.lookup(50)); // other traffic meanwhile
        assert!(!c.lookup(777));
        assert_eq!(c.insert(0, 1), super::super::Insert::Stored);
        assert_eq!(c.policy().main.len, 91, "0 went to main");
    }

    #[test]
    fn objects_not_smaller_than_small_queue_are_refused() {
        let mut c = Cache::new(S3Fifo::new(100), 100);
        assert!(!c.access(1, 10));
        assert!(!c.contains(1));
        assert!(!c.access(2, 9));
        assert!(c.contains(2));
    }
}
