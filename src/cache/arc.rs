//! ARC (Megiddo & Modha, FAST 2003) adapted to bytes: T1 (seen once) and
//! T2 (seen twice or more) hold objects in LRU order, B1 and B2 remember
//! ids evicted from them; a B1 ghost hit grows the target `p` for T1's
//! bytes, a B2 ghost hit shrinks it. Sizes enter the rules as bytes:
//! `p` moves by `size x max(1, |B2|/|B1|)` (resp. `|B1|/|B2|`, counts),
//! T1 + B1 stays within the capacity and all four lists within twice the
//! capacity, in bytes.
//!
//! This is our byte version, not libCacheSim's `ARC.c` line by line; the
//! agreement check covers LRU, FIFO, S3-FIFO and SIEVE only.

use super::Policy;
use super::slab::{List, NIL, Slab};

const T1: u8 = 0;
const T2: u8 = 1;
const B1: u8 = 2;
const B2: u8 = 3;

#[derive(Debug)]
pub struct Arc {
    slab: Slab,
    lists: [List; 4],
    capacity: u64,
    /// Target bytes for T1.
    p: u64,
    /// Where the last lookup's id was found as a ghost (B1 or B2), if any.
    ghost_hit: Option<(u64, u8)>,
}

impl Arc {
    pub fn new(capacity: u64) -> Self {
        Arc {
            slab: Slab::new(),
            lists: [List::default(); 4],
            capacity,
            p: 0,
            ghost_hit: None,
        }
    }

    /// Current target for T1 [bytes].
    pub fn target_t1(&self) -> u64 {
        self.p
    }

    fn drop_lru(&mut self, which: u8) {
        let slot = self.lists[which as usize].head;
        if slot != NIL {
            self.slab.unlink(&mut self.lists[which as usize], slot);
            self.slab.release(slot);
        }
    }

    fn trim_ghosts(&mut self) {
        let [t1, t2, b1, b2] = self.lists;
        let _ = t2;
        let mut over_l1 = (t1.bytes + b1.bytes).saturating_sub(self.capacity);
        while over_l1 > 0 && self.lists[B1 as usize].head != NIL {
            let s = self.slab.e(self.lists[B1 as usize].head).size();
            self.drop_lru(B1);
            over_l1 = over_l1.saturating_sub(s);
        }
        let _ = b2;
        loop {
            let total: u64 = self.lists.iter().map(|l| l.bytes).sum();
            if total <= 2 * self.capacity {
                break;
            }
            if self.lists[B2 as usize].head != NIL {
                self.drop_lru(B2);
            } else if self.lists[B1 as usize].head != NIL {
                self.drop_lru(B1);
            } else {
                break;
            }
        }
    }
}

impl Policy for Arc {
    fn name(&self) -> &'static str {
        "arc"
    }
    fn lookup(&mut self, id: u64) -> bool {
        self.ghost_hit = None;
        let Some(slot) = self.slab.find(id) else {
            return false;
        };
        let e = *self.slab.e(slot);
        match e.tag() {
            T1 | T2 => {
                self.slab.unlink(&mut self.lists[e.tag() as usize], slot);
                self.slab.e_mut(slot).set_tag(T2);
                self.slab.push_back(&mut self.lists[T2 as usize], slot);
                true
            }
            g => {
                let (b1, b2) = (
                    self.lists[B1 as usize].len.max(1) as u64,
                    self.lists[B2 as usize].len.max(1) as u64,
                );
                let size = e.size();
                if g == B1 {
                    let delta = size * (b2 / b1).max(1);
                    self.p = (self.p + delta).min(self.capacity);
                } else {
                    let delta = size * (b1 / b2).max(1);
                    self.p = self.p.saturating_sub(delta);
                }
                self.slab.unlink(&mut self.lists[g as usize], slot);
                self.slab.release(slot);
                self.ghost_hit = Some((id, g));
                false
            }
        }
    }
    fn prefetch(&self, id: u64) {
        self.slab.prefetch(id);
    }
    fn contains(&self, id: u64) -> bool {
        self.slab
            .find(id)
            .is_some_and(|s| self.slab.e(s).tag() <= T2)
    }
    fn insert(&mut self, id: u64, size: u64) -> bool {
        let seen = matches!(self.ghost_hit.take(), Some((g, _)) if g == id);
        if let Some(slot) = self.slab.find(id) {
            // A ghost entry left by an insert without lookup.
            let t = self.slab.e(slot).tag();
            self.slab.unlink(&mut self.lists[t as usize], slot);
            self.slab.release(slot);
        }
        let list = if seen { T2 } else { T1 };
        let slot = self.slab.alloc(id, size, list);
        self.slab.push_back(&mut self.lists[list as usize], slot);
        self.trim_ghosts();
        true
    }
    fn evict(&mut self) -> Option<(u64, u64)> {
        let t1 = self.lists[T1 as usize];
        let t2 = self.lists[T2 as usize];
        let b2_hit = matches!(self.ghost_hit, Some((_, B2)));
        let from = if t1.head != NIL && (t1.bytes > self.p || (b2_hit && t1.bytes == self.p))
            || t2.head == NIL
        {
            T1
        } else {
            T2
        };
        let slot = self.lists[from as usize].head;
        if slot == NIL {
            return None;
        }
        let e = *self.slab.e(slot);
        self.slab.unlink(&mut self.lists[from as usize], slot);
        let ghost = if from == T1 { B1 } else { B2 };
        self.slab.e_mut(slot).set_tag(ghost);
        self.slab.push_back(&mut self.lists[ghost as usize], slot);
        self.trim_ghosts();
        Some((e.id, e.size()))
    }
    fn remove(&mut self, id: u64) -> Option<u64> {
        let slot = self.slab.find(id)?;
        let e = *self.slab.e(slot);
        if e.tag() > T2 {
            return None;
        }
        self.slab.unlink(&mut self.lists[e.tag() as usize], slot);
        self.slab.release(slot);
        Some(e.size())
    }
    fn len(&self) -> usize {
        (self.lists[T1 as usize].len + self.lists[T2 as usize].len) as usize
    }
    fn used_bytes(&self) -> u64 {
        self.lists[T1 as usize].bytes + self.lists[T2 as usize].bytes
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
    fn ghost_hits_move_the_target_and_land_in_t2() {
        let mut c = Cache::new(Arc::new(4), 4);
        for id in [0, 0, 1, 2, 3, 4] {
            c.access(id, 1);
        }
        // 0 sits in T2; 1 was evicted from T1 into B1.
        assert!(!c.contains(1) && c.contains(0));
        assert_eq!(c.policy().target_t1(), 0);
        assert!(!c.access(1, 1));
        assert_eq!(c.policy().target_t1(), 1);
        assert!(c.contains(1) && !c.contains(2));
        assert!(c.access(1, 1));
    }
}
