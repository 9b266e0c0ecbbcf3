//! The object store every policy shares: a slab of fixed-size entries
//! addressed by `u32` slots, intrusive doubly-linked lists threaded through
//! the slots, and one compact open-addressing index from object id to slot
//! ([`super::index`]).
//!
//! An entry is 24 bytes when the policy keeps no extra per-object state
//! (`X = ()`): id (8), size and an 8-bit tag packed into one `u64` (8),
//! `prev` and `next` slots (4 + 4). Freed slots are chained through `next`
//! and reused, so a steady-state cache allocates nothing per request.

use super::index::Index;

/// "No slot": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

/// Bits of the packed word that hold the object size; the top 8 hold the tag.
const SIZE_BITS: u32 = 56;
const SIZE_MASK: u64 = (1 << SIZE_BITS) - 1;

/// Largest object size [bytes] a slab entry can record (2^56 - 1, 64 PiB).
pub const MAX_OBJECT_SIZE: u64 = SIZE_MASK;

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Entry<X> {
    pub id: u64,
    size_tag: u64,
    pub prev: u32,
    pub next: u32,
    pub x: X,
}

impl<X> Entry<X> {
    #[inline]
    pub fn size(&self) -> u64 {
        self.size_tag & SIZE_MASK
    }
    #[inline]
    pub fn tag(&self) -> u8 {
        (self.size_tag >> SIZE_BITS) as u8
    }
    #[inline]
    pub fn set_tag(&mut self, tag: u8) {
        self.size_tag = (self.size_tag & SIZE_MASK) | ((tag as u64) << SIZE_BITS);
    }
}

/// One intrusive list: `head` is the oldest end (eviction side), `tail`
/// the newest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct List {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
    pub bytes: u64,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: NIL,
            tail: NIL,
            len: 0,
            bytes: 0,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Slab<X: Copy + Default = ()> {
    entries: Vec<Entry<X>>,
    free_head: u32,
    index: Index,
}

impl<X: Copy + Default> Default for Slab<X> {
    fn default() -> Self {
        Self::new()
    }
}

impl<X: Copy + Default> Slab<X> {
    pub fn new() -> Self {
        Slab {
            entries: Vec::new(),
            free_head: NIL,
            index: Index::default(),
        }
    }

    #[inline]
    pub fn find(&self, id: u64) -> Option<u32> {
        let entries = &self.entries;
        self.index.find(id, |s| entries[s as usize].id)
    }

    /// A hint that `id` is about to be looked up (see `Index::prefetch`).
    #[inline]
    pub fn prefetch(&self, id: u64) {
        self.index.prefetch(id);
    }

    #[inline]
    pub fn e(&self, slot: u32) -> &Entry<X> {
        &self.entries[slot as usize]
    }

    #[inline]
    pub fn e_mut(&mut self, slot: u32) -> &mut Entry<X> {
        &mut self.entries[slot as usize]
    }

    /// Takes a slot for an id known to be absent; the entry is unlinked.
    #[inline]
    pub fn alloc(&mut self, id: u64, size: u64, tag: u8) -> u32 {
        debug_assert!(size <= MAX_OBJECT_SIZE);
        let entry = Entry {
            id,
            size_tag: (size & SIZE_MASK) | ((tag as u64) << SIZE_BITS),
            prev: NIL,
            next: NIL,
            x: X::default(),
        };
        let slot = if self.free_head != NIL {
            let s = self.free_head;
            self.free_head = self.entries[s as usize].next;
            self.entries[s as usize] = entry;
            s
        } else {
            let s = self.entries.len() as u32;
            assert!(s != NIL, "cache slab is full (2^32 - 1 objects)");
            if self.entries.len() == self.entries.capacity() {
                // Grow by a quarter rather than doubling: at most 25% of
                // the slab is ever allocated but unused.
                let more = (self.entries.len() / 4).max(1024);
                self.entries.reserve_exact(more);
            }
            self.entries.push(entry);
            s
        };
        debug_assert!(self.find(id).is_none(), "object {id} allocated twice");
        self.index.insert(id, slot);
        slot
    }

    /// Returns an unlinked slot to the free list and forgets its id.
    #[inline]
    pub fn release(&mut self, slot: u32) {
        let id = self.entries[slot as usize].id;
        let removed = self.index.remove(id, slot);
        debug_assert!(removed);
        self.entries[slot as usize].next = self.free_head;
        self.free_head = slot;
    }

    #[inline]
    pub fn push_back(&mut self, list: &mut List, slot: u32) {
        let size = {
            let e = &mut self.entries[slot as usize];
            e.prev = list.tail;
            e.next = NIL;
            e.size()
        };
        if list.tail == NIL {
            list.head = slot;
        } else {
            self.entries[list.tail as usize].next = slot;
        }
        list.tail = slot;
        list.len += 1;
        list.bytes += size;
    }

    #[inline]
    pub fn unlink(&mut self, list: &mut List, slot: u32) {
        let (prev, next, size) = {
            let e = &self.entries[slot as usize];
            (e.prev, e.next, e.size())
        };
        if prev == NIL {
            list.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
        list.len -= 1;
        list.bytes -= size;
    }

    /// Moves a linked slot to the tail (newest end) of its list.
    #[inline]
    pub fn move_to_back(&mut self, list: &mut List, slot: u32) {
        let tail = list.tail;
        if tail == slot {
            return;
        }
        let (prev, next) = {
            let e = &mut self.entries[slot as usize];
            let pn = (e.prev, e.next);
            e.prev = tail;
            e.next = NIL;
            pn
        };
        // `slot` is not the tail, so `next` is a real slot.
        self.entries[next as usize].prev = prev;
        if prev == NIL {
            list.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        self.entries[tail as usize].next = slot;
        list.tail = slot;
    }

    /// Heap bytes held by the slab and the index (allocated capacity, not
    /// just the live part).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry<X>>() + self.index.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_is_24_bytes_without_extra_state() {
        assert_eq!(std::mem::size_of::<Entry<()>>(), 24);
    }

    #[test]
    fn lists_link_unlink_and_reuse_slots() {
        let mut s: Slab = Slab::new();
        let mut l = List::default();
        let a = s.alloc(10, 5, 1);
        let b = s.alloc(11, 7, 2);
        s.push_back(&mut l, a);
        s.push_back(&mut l, b);
        assert_eq!((l.head, l.tail, l.len, l.bytes), (a, b, 2, 12));
        assert_eq!(s.e(b).tag(), 2);
        assert_eq!(s.e(b).size(), 7);
        s.move_to_back(&mut l, a);
        assert_eq!((l.head, l.tail), (b, a));
        s.unlink(&mut l, b);
        s.release(b);
        assert_eq!(s.find(11), None);
        let c = s.alloc(12, 1, 0);
        assert_eq!(c, b, "freed slot is reused");
        let mut e = *s.e(c);
        e.set_tag(9);
        assert_eq!((e.tag(), e.size()), (9, 1));
    }
}
