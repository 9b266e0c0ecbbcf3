//! The cache hierarchy of a run: one edge cache per PoP, the upper tiers,
//! the origin sites, and who fetches from whom.
//!
//! Nodes are numbered edges first (node `i` = PoP `i`), then upper tiers in
//! scenario order. A node's parent for a cache key is fixed by the tier mode:
//!
//! - `none`: every edge fetches from its origin site;
//! - `shield`: every edge fetches from the shield;
//! - `regional`: each edge from one upper tier, the one with the lowest RTT
//!   from the edge (`nearest`) or the lowest edge -> tier -> origin RTT
//!   (`lowest-origin-rtt`); ties go to the earlier tier;
//! - `consistent-hash`: each *key* from one upper tier, by rendezvous
//!   (highest-random-weight) hashing: the tier with the largest
//!   `splitmix64(key ^ fnv1a64(tier name))`, ties to the earlier tier.
//!   Adding or removing a tier moves only the keys it wins or held.
//!
//! Upper tiers fetch from their origin site. An edge or tier uses its
//! configured origin site, else the one with the lowest RTT (ties to the
//! earlier site). RTTs are the latency model's point-to-point RTTs between
//! the sites' cities, fixed for the run; per-fetch jitter is added by the
//! caller.

use crate::cache::{Cache, TinyLfu};
use crate::geo::{CityId, LatLon};
use crate::scenario::RunConfig;
use crate::scenario::raw::{Admission, Policy};
use crate::scenario::tiers::{RegionalChoice, TierMode};
use crate::time::SimDuration;

/// Where a node sends its misses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    /// An origin site (index into `TierConfig::origins`).
    Origin(usize),
    /// Another cache node.
    Node(u32),
}

/// The tier a node belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Edge,
    Upper,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Edge => "edge",
            Tier::Upper => "upper",
        }
    }
}

/// One cache node's static facts.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub city: CityId,
    pub tier: Tier,
    pub capacity_bytes: u64,
    pub policy: Policy,
    pub processing: SimDuration,
    /// Its origin site and the RTT to it.
    pub origin: usize,
    pub origin_rtt: SimDuration,
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    Fixed(Parent),
    Hash,
}

/// The hierarchy: nodes, parent rules and RTTs between parents.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    pub nodes: Vec<Node>,
    /// Number of edge nodes (= PoPs).
    pub edges: usize,
    rules: Vec<Rule>,
    /// RTT from every node to every upper tier (`[node][upper]`).
    to_upper: Vec<Vec<SimDuration>>,
    /// FNV-1a of each upper tier's name (consistent hashing).
    upper_hash: Vec<u64>,
}

/// FNV-1a, 64 bit.
pub fn fnv1a64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Rendezvous hashing: the index of the highest weight
/// `splitmix64(key ^ seed_i)`, ties to the lower index.
pub fn rendezvous(key: u64, seeds: &[u64]) -> usize {
    let mut best = (0u64, 0usize);
    for (i, &s) in seeds.iter().enumerate() {
        let w = crate::rng::splitmix64(&mut (key ^ s));
        if i == 0 || w > best.0 {
            best = (w, i);
        }
    }
    best.1
}

impl Hierarchy {
    pub fn new(cfg: &RunConfig) -> Hierarchy {
        let t = &cfg.tiers;
        let loc = |c: CityId| -> LatLon { cfg.cities.get(c).loc };
        let rtt = |a: CityId, b: CityId| cfg.latency.rtt_direct(loc(a), loc(b));
        let origin_of = |city: CityId, configured: Option<usize>| -> (usize, SimDuration) {
            let o = configured.unwrap_or_else(|| {
                (0..t.origins.len())
                    .min_by_key(|&o| (rtt(city, t.origins[o].city), o))
                    .expect("validated: one origin site")
            });
            (o, rtt(city, t.origins[o].city))
        };
        let mut nodes = Vec::new();
        for (i, p) in cfg.pops.iter().enumerate() {
            let (origin, origin_rtt) = origin_of(p.city, t.pop_origin[i]);
            nodes.push(Node {
                name: p.name.clone(),
                city: p.city,
                tier: Tier::Edge,
                capacity_bytes: cfg.edge.capacity_bytes,
                policy: cfg.edge.policy,
                processing: cfg.edge.processing,
                origin,
                origin_rtt,
            });
        }
        let edges = nodes.len();
        let used_upper = t.mode != TierMode::None;
        for u in t.upper.iter().filter(|_| used_upper) {
            let (origin, origin_rtt) = origin_of(u.city, u.origin);
            nodes.push(Node {
                name: u.name.clone(),
                city: u.city,
                tier: Tier::Upper,
                capacity_bytes: u.capacity_bytes,
                policy: u.policy,
                processing: t.processing,
                origin,
                origin_rtt,
            });
        }
        let uppers = nodes.len() - edges;
        let to_upper: Vec<Vec<SimDuration>> = nodes
            .iter()
            .map(|n| {
                (0..uppers)
                    .map(|u| rtt(n.city, nodes[edges + u].city))
                    .collect()
            })
            .collect();
        let upper_node = |u: usize| Parent::Node((edges + u) as u32);
        let mut rules = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let rule = if n.tier == Tier::Upper {
                Rule::Fixed(Parent::Origin(n.origin))
            } else {
                match t.mode {
                    TierMode::None => Rule::Fixed(Parent::Origin(n.origin)),
                    TierMode::Shield => Rule::Fixed(upper_node(t.shield)),
                    TierMode::ConsistentHash => Rule::Hash,
                    TierMode::Regional => {
                        let cost = |u: usize| match t.regional_choice {
                            RegionalChoice::Nearest => to_upper[i][u],
                            RegionalChoice::LowestOriginRtt => {
                                to_upper[i][u] + nodes[edges + u].origin_rtt
                            }
                        };
                        let best = (0..uppers)
                            .min_by_key(|&u| (cost(u), u))
                            .expect("validated: regional has upper tiers");
                        Rule::Fixed(upper_node(best))
                    }
                }
            };
            rules.push(rule);
        }
        let upper_hash = nodes[edges..].iter().map(|n| fnv1a64(&n.name)).collect();
        Hierarchy {
            nodes,
            edges,
            rules,
            to_upper,
            upper_hash,
        }
    }

    /// Whether `node` fetches every key from an origin site.
    pub fn to_origin(&self, node: usize) -> bool {
        matches!(self.rules[node], Rule::Fixed(Parent::Origin(_)))
    }

    /// Where `node` fetches `key` from.
    #[inline]
    pub fn parent(&self, node: u32, key: u64) -> Parent {
        match self.rules[node as usize] {
            Rule::Fixed(p) => p,
            Rule::Hash => Parent::Node((self.edges + rendezvous(key, &self.upper_hash)) as u32),
        }
    }

    /// The RTT from `node` to `parent` (before jitter).
    #[inline]
    pub fn rtt(&self, node: u32, parent: Parent) -> SimDuration {
        let n = &self.nodes[node as usize];
        match parent {
            Parent::Origin(_) => n.origin_rtt,
            Parent::Node(p) => self.to_upper[node as usize][p as usize - self.edges],
        }
    }

    /// The parent's name, for outputs (`consistent-hash` for hashed edges).
    pub fn parent_name<'a>(&'a self, node: usize, cfg: &'a RunConfig) -> &'a str {
        match self.rules[node] {
            Rule::Fixed(Parent::Origin(o)) => &cfg.tiers.origins[o].name,
            Rule::Fixed(Parent::Node(p)) => &self.nodes[p as usize].name,
            Rule::Hash => "consistent-hash",
        }
    }

    /// A cache as node `node` is configured (TinyLFU admission only at
    /// edges, where `cdn.edge.admission` asks for it).
    pub fn cache(&self, node: usize, cfg: &RunConfig) -> Cache<Box<dyn crate::cache::Policy>> {
        let n = &self.nodes[node];
        let cap = n.capacity_bytes;
        let c = Cache::new(n.policy.kind().build(cap), cap);
        match (n.tier, cfg.edge.admission) {
            (Tier::Edge, Admission::TinyLfu) => {
                // The sketch is sized to the catalog (an upper bound on the
                // objects the cache can hold), capped to bound memory.
                let objects: u64 = cfg.catalogs.iter().map(|k| k.objects).sum();
                c.with_admission(TinyLfu::new(
                    objects.min(super::TINYLFU_MAX_OBJECTS) as usize
                ))
            }
            _ => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendezvous_is_stable_and_moves_only_the_removed_tiers_keys() {
        let names = ["a", "b", "c", "d"];
        let seeds: Vec<u64> = names.iter().map(|n| fnv1a64(n)).collect();
        let without_c: Vec<u64> = seeds.iter().copied().filter(|&s| s != seeds[2]).collect();
        let mut counts = [0usize; 4];
        for key in 0..40_000u64 {
            let k = crate::rng::splitmix64(&mut key.clone());
            let i = rendezvous(k, &seeds);
            counts[i] += 1;
            let j = rendezvous(k, &without_c);
            let j_name = names
                .iter()
                .position(|n| fnv1a64(n) == without_c[j])
                .unwrap();
            if i != 2 {
                assert_eq!(i, j_name, "key {k} moved although its tier stayed");
            }
        }
        // Balanced within 5% of the mean.
        for c in counts {
            assert!((9_500..=10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64("foobar"), 0x8594_4171_f739_67e8);
    }
}
