//! The id -> slot index: open addressing with linear probing over 8-byte
//! buckets `(fingerprint: u32) << 32 | slot`, at most 1/2 full while the
//! index is small (up to [`SMALL_BUCKETS`]) and at most 3/4 full beyond.
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
/// Up to this many buckets (4 MiB of index: 262,144 objects at most) the
/// index doubles when it would be over 1/2 full; beyond, over 3/4 full.
///
/// Linear probing's walks grow fast with the load (Knuth: an absent id
/// probes `(1 + 1 / (1 - a)^2) / 2` buckets on average at load `a`: 2.5 at
/// 1/2, 8.5 at 3/4), and each walk of unpredictable length costs a branch
/// misprediction or two. A miss walks three times: the failed lookup, the
/// victim's backward-shift deletion and the insertion. Replaying the Zipf
/// trace through a 10,000-object cache (61% full at the 3/4 bound) took
/// 2.75 mispredicted branches per request; at 1/2 (31% full), 1.56, and
/// 30-50% more requests per CPU-second by policy (docs/performance.md,
/// 2026-12-04). A small index costs little memory either way; a large one
/// keeps the 3/4 bound, so caches of 0.7 M and 1 M objects take the same
/// bytes per object as before ("Memory per object").
pub const SMALL_BUCKETS: usize = 1 << 19;

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

    /// Asks the CPU for the line of `id`'s home bucket, where a lookup of
    /// `id` starts (a hint: nothing changes).
    #[inline]
    pub fn prefetch(&self, id: u64) {
        if let Some(b) = self.buckets.get(self.home(fingerprint(id))) {
            crate::engine::prefetch(b);
        }
    }

    /// Adds an id known to be absent.
    #[inline]
    pub fn insert(&mut self, id: u64, slot: u32) {
        debug_assert!(slot != NIL);
        let n = self.buckets.len();
        let full = if n <= SMALL_BUCKETS {
            (self.len + 1) * 2 > n
        } else {
            (self.len + 1) * 4 > n * 3
        };
        if full {
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

    /// Removes `id`, held in `slot` (backward-shift deletion, no
    /// tombstones). Its bucket is found by its whole value, without reading
    /// the slab.
    #[inline]
    pub fn remove(&mut self, id: u64, slot: u32) -> bool {
        let fp = fingerprint(id);
        let want = ((fp as u64) << 32) | slot as u64;
        let mask = self.mask();
        let mut hole = self.home(fp);
        loop {
            let b = self.buckets[hole];
            if b == EMPTY {
                return false;
            }
            if b == want {
                break;
            }
            hole = (hole + 1) & mask;
        }
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

    /// The index doubles past 1/2 full up to `SMALL_BUCKETS` buckets and
    /// past 3/4 beyond, and finds every id across the doublings.
    #[test]
    fn grows_at_half_then_at_three_quarters() {
        let mut idx = Index::default();
        let id = |k: u64| k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555;
        let mut last = idx.buckets.len();
        for k in 0..(SMALL_BUCKETS as u64 * 3 / 4 + 1) {
            idx.insert(id(k), k as u32);
            let n = idx.buckets.len();
            if n != last {
                // Grew on this insert: it would have passed the bound.
                let bound = if last <= SMALL_BUCKETS {
                    last / 2
                } else {
                    last * 3 / 4
                };
                assert_eq!(idx.len(), bound + 1, "grew from {last} buckets");
                last = n;
            }
        }
        assert_eq!(
            idx.buckets.len(),
            2 * SMALL_BUCKETS,
            "past the small bound, the 3/4 rule"
        );
        for k in (0..idx.len() as u64).step_by(997) {
            assert_eq!(idx.find(id(k), |s| id(s as u64)), Some(k as u32));
        }
    }

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
                    let held = model.remove(&id);
                    // The slot is the caller's to know (the slab's): a wrong
                    // one removes nothing.
                    let slot = held.unwrap_or(u32::MAX - 1);
                    prop_assert_eq!(idx.remove(id, slot), held.is_some());
                    if let Some(slot) = held {
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
