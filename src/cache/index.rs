//! The id -> slot index: open addressing with linear probing over 8-byte
//! buckets `(fingerprint: u32) << 32 | slot`, at most 3/4 full.
//!
//! The fingerprint is the top 32 bits of a Fibonacci hash of the id, and a
//! bucket's home position is the fingerprint's top `bits` bits, so buckets
//! can be moved (deletion by backward shift, growth) without reading the
//! slab; a lookup confirms a fingerprint match against the id stored in the
//! slab entry. Compared with `FxHashMap<u64, u32>` (16-byte buckets plus a
//! control byte, up to 7/8 full) this halves the index memory per object.

use super::slab::NIL;

const EMPTY: u64 = u64::MAX;
const MIN_BITS: u32 = 4;

#[derive(Clone, Debug)]
pub(crate) struct Index {
    buckets: Vec<u64>,
    bits: u32,
    len: usize,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            buckets: vec![EMPTY; 1 << MIN_BITS],
            bits: MIN_BITS,
            len: 0,
        }
    }
}

#[inline]
fn fingerprint(id: u64) -> u32 {
    ((id ^ (id >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

impl Index {
    #[inline]
    fn home(&self, fp: u32) -> usize {
        (fp >> (32 - self.bits)) as usize
    }

    #[inline]
    fn mask(&self) -> usize {
        (1 << self.bits) - 1
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Position of `id`'s bucket; `id_of(slot)` reads the slab.
    #[inline]
    fn position(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<usize> {
        let fp = fingerprint(id);
        let mask = self.mask();
        let mut i = self.home(fp);
        loop {
            let b = self.buckets[i];
            if b == EMPTY {
                return None;
            }
            if (b >> 32) as u32 == fp && id_of(b as u32) == id {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn find(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        self.position(id, id_of).map(|i| self.buckets[i] as u32)
    }

    /// Adds an id known to be absent.
    #[inline]
    pub fn insert(&mut self, id: u64, slot: u32) {
        debug_assert!(slot != NIL);
        if (self.len + 1) * 4 > self.buckets.len() * 3 {
            self.grow();
        }
        let fp = fingerprint(id);
        self.place(((fp as u64) << 32) | slot as u64);
        self.len += 1;
    }

    #[inline]
    fn place(&mut self, bucket: u64) {
        let mask = self.mask();
        let mut i = self.home((bucket >> 32) as u32);
        while self.buckets[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.buckets[i] = bucket;
    }

    fn grow(&mut self) {
        // Homes are taken from the 32-bit fingerprint: 2^32 buckets at most
        // (over 3 billion objects).
        assert!(self.bits < 32, "cache index is full");
        self.bits += 1;
        let old = std::mem::replace(&mut self.buckets, vec![EMPTY; 1 << self.bits]);
        for b in old.into_iter().filter(|&b| b != EMPTY) {
            self.place(b);
        }
    }

    /// Removes `id` (backward-shift deletion, no tombstones).
    #[inline]
    pub fn remove(&mut self, id: u64, id_of: impl Fn(u32) -> u64) -> bool {
        let Some(mut hole) = self.position(id, id_of) else {
            return false;
        };
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let b = self.buckets[j];
            if b == EMPTY {
                break;
            }
            let home = self.home((b >> 32) as u32);
            // Move b into the hole unless its home lies cyclically in
            // (hole, j], i.e. unless it would move before its home.
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.buckets[hole] = b;
                hole = j;
            }
        }
        self.buckets[hole] = EMPTY;
        self.len -= 1;
        true
    }

    pub fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn behaves_like_a_map(ops in proptest::collection::vec((any::<bool>(), 0u64..300), 1..2000)) {
            // ids are stored in a side table indexed by slot, like the slab.
            let mut ids: Vec<u64> = Vec::new();
            let mut free: Vec<u32> = Vec::new();
            let mut idx = Index::default();
            let mut model: BTreeMap<u64, u32> = BTreeMap::new();
            for (add, raw) in ops {
                // Spread ids over the whole u64 range too.
                let id = if raw % 3 == 0 { raw.wrapping_mul(0xDEAD_BEEF_1234_5677) } else { raw };
                if add && !model.contains_key(&id) {
                    let slot = free.pop().unwrap_or_else(|| { ids.push(0); ids.len() as u32 - 1 });
                    ids[slot as usize] = id;
                    idx.insert(id, slot);
                    model.insert(id, slot);
                } else if !add {
                    let removed = idx.remove(id, |s| ids[s as usize]);
                    prop_assert_eq!(removed, model.remove(&id).is_some());
                    if removed {
                        let slot = ids.iter().position(|&x| x == id).unwrap() as u32;
                        ids[slot as usize] = u64::MAX - 1;
                        free.push(slot);
                    }
                }
                prop_assert_eq!(idx.len(), model.len());
            }
            for (&id, &slot) in &model {
                prop_assert_eq!(idx.find(id, |s| ids[s as usize]), Some(slot));
            }
            prop_assert_eq!(idx.find(u64::MAX, |s| ids[s as usize]), None);
        }
    }
}
