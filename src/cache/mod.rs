//! Eviction policies behind one small trait, and one shared driver.
//!
//! A [`Policy`] keeps the objects and their order; the [`Cache`] driver owns
//! the byte capacity and the request logic, the same split as libCacheSim's
//! `cache_get_base` and its per-algorithm hooks (`find`, `insert`, `evict`,
//! `remove`, `can_insert`). The driver's [`Cache::access`] is exactly
//! libCacheSim's `get`:
//!
//! ```text
//! if the policy finds the object (and updates its state): hit
//! else if the object cannot be inserted (bigger than the capacity, or than
//!         what the policy accepts, or refused by the admission filter): miss
//! else evict until used + size <= capacity, insert: miss
//! ```
//!
//! An object bigger than the capacity is never admitted and evicts nothing
//! (libCacheSim's `cache_can_insert_default`). A hit does not change the
//! size recorded at insertion (libCacheSim's `cache_find_base` does not
//! either). Sizes are whole bytes; there is no per-object metadata charge.
//! Everything is clock-free: no time, no randomness, so a replay is
//! deterministic by construction.
//!
//! Storage is shared by all policies ([`slab`]): entries in a slab of `u32`
//! slots, intrusive doubly-linked lists through the slots, one compact
//! open-addressing index from object id to slot (8-byte buckets). No allocation per request
//! once the slab has grown to the working set.

mod arc;
mod index;
mod lfu;
mod lists;
mod s3fifo;
mod sieve;
pub(crate) mod slab;
mod tinylfu;

pub use arc::Arc;
pub use lfu::Lfu;
pub use lists::{Clock, Fifo, Lru};
pub use s3fifo::S3Fifo;
pub use sieve::Sieve;
pub use slab::MAX_OBJECT_SIZE;
pub use tinylfu::TinyLfu;

use std::fmt;
use std::str::FromStr;

/// The hooks a policy implements. Policies hold objects but not the
/// capacity rule: the [`Cache`] driver decides when to evict.
pub trait Policy: Send {
    /// Short lower-case name (`lru`, `s3fifo`, ...).
    fn name(&self) -> &'static str;
    /// Looks `id` up as a request would: on a hit, updates the policy's
    /// state (recency, frequency bits) and returns true. A miss may update
    /// state too (S3-FIFO and ARC consult their ghost lists).
    fn lookup(&mut self, id: u64) -> bool;
    /// Whether `id` is resident; changes nothing.
    fn contains(&self, id: u64) -> bool;
    /// A hint that `id` is about to be looked up or inserted: asks the CPU
    /// for the memory the lookup reads first. Changes nothing; the default
    /// does nothing.
    fn prefetch(&self, _id: u64) {}
    /// Inserts an absent object; the driver has made room. Returns false
    /// when the policy declines it (S3-FIFO: not smaller than its small
    /// queue).
    fn insert(&mut self, id: u64, size: u64) -> bool;
    /// Evicts by the policy's rule. Returns the evicted object, or `None`
    /// when this step only moved objects between internal queues (S3-FIFO)
    /// or the cache is empty; the driver calls again while it needs room.
    fn evict(&mut self) -> Option<(u64, u64)>;
    /// Removes a resident object (purge); returns its size.
    fn remove(&mut self, id: u64) -> Option<u64>;
    /// Resident objects.
    fn len(&self) -> usize;
    /// Whether no object is resident.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Resident bytes.
    fn used_bytes(&self) -> u64;
    /// Largest object [bytes] the policy will take, given the capacity.
    fn max_object_size(&self, capacity: u64) -> u64 {
        capacity.min(MAX_OBJECT_SIZE)
    }
    /// The object the next eviction would remove, when the policy can say
    /// without changing state (used by the TinyLFU filter).
    fn victim(&self) -> Option<u64> {
        None
    }
    /// Heap bytes held by the policy's own structures (allocated capacity).
    fn heap_bytes(&self) -> usize;
}

impl<P: Policy + ?Sized> Policy for Box<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn lookup(&mut self, id: u64) -> bool {
        (**self).lookup(id)
    }
    fn contains(&self, id: u64) -> bool {
        (**self).contains(id)
    }
    fn prefetch(&self, id: u64) {
        (**self).prefetch(id)
    }
    fn insert(&mut self, id: u64, size: u64) -> bool {
        (**self).insert(id, size)
    }
    fn evict(&mut self) -> Option<(u64, u64)> {
        (**self).evict()
    }
    fn remove(&mut self, id: u64) -> Option<u64> {
        (**self).remove(id)
    }
    fn len(&self) -> usize {
        (**self).len()
    }
    fn used_bytes(&self) -> u64 {
        (**self).used_bytes()
    }
    fn max_object_size(&self, capacity: u64) -> u64 {
        (**self).max_object_size(capacity)
    }
    fn victim(&self) -> Option<u64> {
        (**self).victim()
    }
    fn heap_bytes(&self) -> usize {
        (**self).heap_bytes()
    }
}

/// What [`Cache::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// Stored (evicting as needed).
    Stored,
    /// Already resident; nothing changed.
    Present,
    /// Not stored: too big for this cache or policy, or refused by the
    /// admission filter. Nothing was evicted — except for an S3-FIFO object
    /// of exactly its small-queue size, for which S3-FIFO (as libCacheSim)
    /// makes room before refusing it.
    Rejected,
}

/// The shared driver: a byte capacity, one policy, an optional TinyLFU
/// admission filter.
#[derive(Debug)]
pub struct Cache<P> {
    policy: P,
    capacity: u64,
    max_size: u64,
    admission: Option<TinyLfu>,
    evictions: u64,
}

impl<P: Policy> Cache<P> {
    /// A cache of `capacity` bytes run by `policy` (built for the same
    /// capacity: S3-FIFO and ARC size their queues from it).
    pub fn new(policy: P, capacity: u64) -> Self {
        let max_size = policy.max_object_size(capacity);
        Cache {
            policy,
            capacity,
            max_size,
            admission: None,
            evictions: 0,
        }
    }

    /// Puts a TinyLFU admission filter in front of the policy.
    pub fn with_admission(mut self, filter: TinyLfu) -> Self {
        self.admission = Some(filter);
        self
    }

    /// One request for `id` of `size` bytes: true on a hit. On a miss the
    /// object is inserted when it can be (see the module docs).
    #[inline]
    pub fn access(&mut self, id: u64, size: u64) -> bool {
        if let Some(f) = self.admission.as_mut() {
            f.record(id);
        }
        if self.policy.lookup(id) {
            return true;
        }
        self.store(id, size);
        false
    }

    /// Looks `id` up as a request would (updating policy state), without
    /// inserting on a miss. For tier logic that fetches before it stores.
    #[inline]
    pub fn lookup(&mut self, id: u64) -> bool {
        if let Some(f) = self.admission.as_mut() {
            f.record(id);
        }
        self.policy.lookup(id)
    }

    /// Stores an object (a fill after a fetch, or a push), evicting as
    /// needed; an already resident object is left as it is.
    pub fn insert(&mut self, id: u64, size: u64) -> Insert {
        self.insert_evicting(id, size, |_| {})
    }

    /// [`Cache::insert`], calling `evicted` with the id of every object it
    /// evicts (a caller keeping facts per resident object drops theirs).
    pub fn insert_evicting(&mut self, id: u64, size: u64, evicted: impl FnMut(u64)) -> Insert {
        if self.policy.contains(id) {
            return Insert::Present;
        }
        if self.store_evicting(id, size, evicted) {
            Insert::Stored
        } else {
            Insert::Rejected
        }
    }

    #[inline]
    fn store(&mut self, id: u64, size: u64) -> bool {
        self.store_evicting(id, size, |_| {})
    }

    #[inline]
    fn store_evicting(&mut self, id: u64, size: u64, mut evicted: impl FnMut(u64)) -> bool {
        if size > self.max_size {
            return false;
        }
        let need = self.policy.used_bytes() + size > self.capacity;
        if need
            && let Some(f) = self.admission.as_ref()
            && !f.admit(id, self.policy.victim())
        {
            return false;
        }
        while self.policy.used_bytes() + size > self.capacity {
            if let Some((gone, _)) = self.policy.evict() {
                self.evictions += 1;
                evicted(gone);
            } else if self.policy.is_empty() {
                break;
            }
        }
        self.policy.insert(id, size)
    }

    /// Removes an object (purge); returns its size when it was resident.
    pub fn remove(&mut self, id: u64) -> Option<u64> {
        self.policy.remove(id)
    }

    pub fn contains(&self, id: u64) -> bool {
        self.policy.contains(id)
    }
    /// A hint that `id` is about to be looked up or stored here (see
    /// [`Policy::prefetch`]); changes nothing.
    #[inline]
    pub fn prefetch(&self, id: u64) {
        self.policy.prefetch(id);
    }
    pub fn len(&self) -> usize {
        self.policy.len()
    }
    pub fn is_empty(&self) -> bool {
        self.policy.is_empty()
    }
    /// Resident bytes; never above [`Cache::capacity`].
    pub fn used_bytes(&self) -> u64 {
        self.policy.used_bytes()
    }
    /// Capacity [bytes].
    pub fn capacity(&self) -> u64 {
        self.capacity
    }
    /// Objects evicted so far (not counting removals).
    pub fn evictions(&self) -> u64 {
        self.evictions
    }
    pub fn policy(&self) -> &P {
        &self.policy
    }
    /// Heap bytes of the policy and the admission filter.
    pub fn heap_bytes(&self) -> usize {
        self.policy.heap_bytes() + self.admission.as_ref().map_or(0, |f| f.heap_bytes())
    }
}

/// Totals of one replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    pub requests: u64,
    pub misses: u64,
    pub bytes: u64,
    pub miss_bytes: u64,
    /// Zero-size records skipped (libCacheSim's readers skip them too).
    pub skipped_zero_size: u64,
}

impl ReplayStats {
    pub fn miss_ratio(&self) -> f64 {
        ratio(self.misses, self.requests)
    }
    pub fn byte_miss_ratio(&self) -> f64 {
        ratio(self.miss_bytes, self.bytes)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Replays `(id, size)` requests through `cache`. Zero-size requests are
/// skipped and counted apart, as libCacheSim's trace readers skip them.
pub fn replay<P: Policy>(
    cache: &mut Cache<P>,
    requests: impl IntoIterator<Item = (u64, u64)>,
) -> ReplayStats {
    let mut s = ReplayStats::default();
    for (id, size) in requests {
        if size == 0 {
            s.skipped_zero_size += 1;
            continue;
        }
        s.requests += 1;
        s.bytes += size;
        if !cache.access(id, size) {
            s.misses += 1;
            s.miss_bytes += size;
        }
    }
    s
}

/// The policies by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    Lru,
    Fifo,
    Clock,
    Lfu,
    S3Fifo,
    Sieve,
    Arc,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 7] = [
        PolicyKind::Lru,
        PolicyKind::Fifo,
        PolicyKind::Clock,
        PolicyKind::Lfu,
        PolicyKind::S3Fifo,
        PolicyKind::Sieve,
        PolicyKind::Arc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Lru => "lru",
            PolicyKind::Fifo => "fifo",
            PolicyKind::Clock => "clock",
            PolicyKind::Lfu => "lfu",
            PolicyKind::S3Fifo => "s3fifo",
            PolicyKind::Sieve => "sieve",
            PolicyKind::Arc => "arc",
        }
    }

    /// The valid names, comma-separated (for error messages).
    pub fn valid_names() -> String {
        Self::ALL.map(|k| k.name()).join(", ")
    }

    /// A boxed policy for `capacity` bytes (dynamic dispatch).
    pub fn build(self, capacity: u64) -> Box<dyn Policy> {
        struct Boxed;
        impl PolicyVisitor for Boxed {
            type Output = Box<dyn Policy>;
            fn visit<P: Policy + 'static>(self, p: P) -> Box<dyn Policy> {
                Box::new(p)
            }
        }
        self.visit(capacity, Boxed)
    }

    /// Builds the policy for `capacity` bytes and hands it, statically
    /// typed, to `v` (so a replay loop is monomorphised per policy).
    pub fn visit<V: PolicyVisitor>(self, capacity: u64, v: V) -> V::Output {
        match self {
            PolicyKind::Lru => v.visit(Lru::new()),
            PolicyKind::Fifo => v.visit(Fifo::new()),
            PolicyKind::Clock => v.visit(Clock::new()),
            PolicyKind::Lfu => v.visit(Lfu::new()),
            PolicyKind::S3Fifo => v.visit(S3Fifo::new(capacity)),
            PolicyKind::Sieve => v.visit(Sieve::new()),
            PolicyKind::Arc => v.visit(Arc::new(capacity)),
        }
    }
}

/// A generic function over policies (see [`PolicyKind::visit`]).
pub trait PolicyVisitor {
    type Output;
    fn visit<P: Policy + 'static>(self, policy: P) -> Self::Output;
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown policy name; the message lists the valid ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache policy {name:?} (valid: {valid})", valid = PolicyKind::valid_names())]
pub struct UnknownPolicy {
    pub name: String,
}

impl FromStr for PolicyKind {
    type Err = UnknownPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        PolicyKind::ALL
            .into_iter()
            .find(|k| k.name() == norm)
            .ok_or_else(|| UnknownPolicy {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_lists_valid() {
        for k in PolicyKind::ALL {
            assert_eq!(k.name().parse::<PolicyKind>(), Ok(k));
            assert_eq!(k.build(100).name(), k.name());
        }
        assert_eq!("S3-FIFO".parse::<PolicyKind>(), Ok(PolicyKind::S3Fifo));
        let e = "lruu".parse::<PolicyKind>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown cache policy \"lruu\" (valid: lru, fifo, clock, lfu, s3fifo, sieve, arc)"
        );
    }

    #[test]
    fn oversized_object_is_never_admitted_and_evicts_nothing() {
        let mut c = Cache::new(Lru::new(), 100);
        assert!(!c.access(1, 60));
        assert!(!c.access(2, 101));
        assert!(c.contains(1) && !c.contains(2));
        assert_eq!(c.insert(3, 1000), Insert::Rejected);
        assert_eq!(c.used_bytes(), 60);
        assert!(c.access(1, 60));
    }

    #[test]
    fn replay_counts_and_skips_zero_size() {
        let mut c = Cache::new(Fifo::new(), 10);
        let s = replay(&mut c, [(1, 4), (1, 4), (2, 0), (3, 8), (1, 4)]);
        assert_eq!(
            s,
            ReplayStats {
                requests: 4,
                misses: 3,
                bytes: 20,
                miss_bytes: 16,
                skipped_zero_size: 1
            }
        );
    }
}
