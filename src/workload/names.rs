//! URL paths and surrogate keys of catalog objects, for purges by prefix
//! and by surrogate key (`cdn.purge.events`).
//!
//! **Paths.** Object index `i` (0-based, as in `Catalog`: the initial
//! objects then the ones churn adds) of catalog `c` has the path
//! `/<c>/d<i mod dirs>/o<i>`, `dirs` being the catalog's directory fan-out
//! (`workload.catalogs[].dirs`, default [`DEFAULT_DIRS`]). So consecutive
//! indices, and so neighbouring popularity ranks, spread over the
//! directories, as in a site whose directories are not sorted by
//! popularity.
//!
//! **Surrogate keys.** A catalog has a key space of `surrogate_keys` keys
//! named `<c>-k<n>` (n = 0 .. surrogate_keys - 1). Object `i` carries
//! `keys_per_object` draws `n_j = splitmix64(salt ^ (i * keys_per_object +
//! j)) mod surrogate_keys` (j = 0 ..), duplicates merged; `salt` is one
//! draw from the stream `workload/<c>/surrogate-keys`. Each key so tags
//! about `objects * keys_per_object / surrogate_keys` objects, uniformly
//! over popularity.
//!
//! The cache key of an object does not depend on its path (it is the
//! object id), so paths only decide what a purge names.

use crate::rng::Streams;
use rand::RngExt;
use std::fmt::Write;

/// Default directory fan-out of a catalog.
pub const DEFAULT_DIRS: u64 = 100;
/// Default size of a catalog's surrogate-key space.
pub const DEFAULT_SURROGATE_KEYS: u32 = 1000;
/// Default surrogate keys per object.
pub const DEFAULT_KEYS_PER_OBJECT: u32 = 1;
/// Most surrogate keys one object may carry.
pub const MAX_KEYS_PER_OBJECT: u32 = 64;

/// How one catalog's objects are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub catalog: String,
    pub dirs: u64,
    pub surrogate_keys: u32,
    pub keys_per_object: u32,
    salt: u64,
}

impl Names {
    /// The naming of catalog `catalog` under the run's seed.
    pub fn new(
        catalog: &str,
        dirs: u64,
        surrogate_keys: u32,
        keys_per_object: u32,
        seed: u64,
    ) -> Names {
        let salt = Streams::new(seed)
            .stream(&format!("workload/{catalog}/surrogate-keys"))
            .random::<u64>();
        Names {
            catalog: catalog.to_string(),
            dirs: dirs.max(1),
            surrogate_keys: surrogate_keys.max(1),
            keys_per_object,
            salt,
        }
    }

    /// The path of object `index`, written into `out` (cleared first).
    pub fn write_path(&self, index: u64, out: &mut String) {
        out.clear();
        let _ = write!(out, "/{}/d{}/o{}", self.catalog, index % self.dirs, index);
    }

    /// The path of object `index`.
    pub fn path(&self, index: u64) -> String {
        let mut s = String::new();
        self.write_path(index, &mut s);
        s
    }

    /// The surrogate-key numbers of object `index` (with duplicates: a
    /// key drawn twice is one key).
    pub fn keys_of(&self, index: u64) -> impl Iterator<Item = u32> + '_ {
        let k = u64::from(self.keys_per_object);
        (0..k).map(move |j| {
            let mut x = self.salt ^ index.wrapping_mul(k).wrapping_add(j);
            (crate::rng::splitmix64(&mut x) % u64::from(self.surrogate_keys)) as u32
        })
    }

    /// Whether object `index` carries key number `key`.
    pub fn has_key(&self, index: u64, key: u32) -> bool {
        self.keys_of(index).any(|n| n == key)
    }

    /// The name of key number `n`.
    pub fn key_name(&self, n: u32) -> String {
        format!("{}-k{n}", self.catalog)
    }

    /// The number of the key named `name`, if it is one of this catalog's.
    pub fn parse_key(&self, name: &str) -> Option<u32> {
        let n: u32 = name
            .strip_prefix(&self.catalog)?
            .strip_prefix("-k")?
            .parse()
            .ok()?;
        (n < self.surrogate_keys && self.key_name(n) == name).then_some(n)
    }

    /// Whether some path of this catalog can start with `prefix` (the
    /// prefix and `/<catalog>/` agree on their common length).
    pub fn prefix_may_match(&self, prefix: &str) -> bool {
        let root = format!("/{}/", self.catalog);
        root.starts_with(prefix) || prefix.starts_with(&root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_spread_over_the_directories_and_keys_parse_back() {
        let n = Names::new("images", 16, 50, 3, 7);
        assert_eq!(n.path(0), "/images/d0/o0");
        assert_eq!(n.path(35), "/images/d3/o35");
        assert_eq!(n.parse_key("images-k49"), Some(49));
        assert_eq!(n.parse_key("images-k50"), None);
        assert_eq!(n.parse_key("images-k007"), None);
        assert_eq!(n.parse_key("web-k1"), None);
        assert!(n.prefix_may_match("/im"));
        assert!(n.prefix_may_match("/images/d1"));
        assert!(!n.prefix_may_match("/web/"));
        // Each object carries 1 to 3 keys; every key tags some of 10,000.
        let mut tagged = [0u32; 50];
        for i in 0..10_000 {
            let mut k: Vec<u32> = n.keys_of(i).collect();
            k.dedup();
            assert!((1..=3).contains(&k.len()));
            for x in n.keys_of(i) {
                tagged[x as usize] += 1;
            }
        }
        // 30,000 draws over 50 keys: 600 each, within 25%.
        assert!(
            tagged.iter().all(|&t| (450..=750).contains(&t)),
            "{tagged:?}"
        );
        // Deterministic from the seed; another seed tags differently.
        let again = Names::new("images", 16, 50, 3, 7);
        let other = Names::new("images", 16, 50, 3, 8);
        assert!((0..100).all(|i| n.keys_of(i).eq(again.keys_of(i))));
        assert!((0..100).any(|i| !n.keys_of(i).eq(other.keys_of(i))));
    }
}
