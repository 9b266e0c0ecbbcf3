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
//! With further levels (`cdn.tiers.levels`), nodes of level `l` pick their
//! parent among level `l + 1`'s sites by that level's mode, the same way
//! (`lowest-origin-rtt` then counts the candidate's RTT to the origin
//! along its own parents; through a hashed level, the mean over its
//! sites). The top level fetches from its origin site.
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
    /// 0 for edges, 1 for `cdn.tiers.upper`, 2.. for `cdn.tiers.levels`.
    pub level: u32,
    pub capacity_bytes: u64,
    pub policy: Policy,
    pub processing: SimDuration,
    /// Its origin site and the RTT to it.
    pub origin: usize,
    pub origin_rtt: SimDuration,
}

/// The `tier` label of a node of `level` in outputs: `edge`, `upper`
/// (level 1, `cdn.tiers.upper`), `upper-2`, `upper-3`, ... (`cdn.tiers.levels`).
pub fn level_label(level: u32) -> &'static str {
    const LABELS: [&str; 9] = [
        "edge", "upper", "upper-2", "upper-3", "upper-4", "upper-5", "upper-6", "upper-7",
        "upper-8",
    ];
    LABELS[level as usize]
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    Fixed(Parent),
    /// Rendezvous hashing over upper level `l`'s sites (`Hash(l)`).
    Hash(u32),
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
    /// Per upper level (`[l - 1]` for level `l`): its first node and the
    /// FNV-1a of each site's name (consistent hashing).
    level_hash: Vec<(usize, Vec<u64>)>,
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
                level: 0,
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
                level: 1,
                capacity_bytes: u.capacity_bytes,
                policy: u.policy,
                processing: t.processing,
                origin,
                origin_rtt,
            });
        }
        // levels[l] = the node range of level l (0: edges, 1: cdn.tiers.upper).
        let mut levels = vec![(0, edges), (edges, nodes.len())];
        if used_upper {
            push_levels(cfg, &mut nodes, &mut levels, &origin_of);
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
        let (upper_rules, path) = level_rules(cfg, &nodes, &levels, &to_upper);
        let mut rules = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let rule = if n.tier == Tier::Upper {
                upper_rules[i - edges]
            } else {
                match t.mode {
                    TierMode::None => Rule::Fixed(Parent::Origin(n.origin)),
                    mode => choose(
                        mode,
                        t.regional_choice,
                        t.shield,
                        1,
                        levels[1],
                        &to_upper[i],
                        edges,
                        &path,
                    ),
                }
            };
            rules.push(rule);
        }
        let level_hash = levels[1..]
            .iter()
            .map(|r| {
                (
                    r.0,
                    nodes[r.0..r.1].iter().map(|n| fnv1a64(&n.name)).collect(),
                )
            })
            .collect();
        Hierarchy {
            nodes,
            edges,
            rules,
            to_upper,
            level_hash,
        }
    }

    /// Whether `node` fetches every key from an origin site.
    pub fn to_origin(&self, node: usize) -> bool {
        matches!(self.rules[node], Rule::Fixed(Parent::Origin(_)))
    }

    /// Every parent `node` may fetch some key from: its fixed parent, or
    /// each site of the hashed level (what couples nodes, `sim::shard`).
    pub fn parents(&self, node: usize) -> Vec<Parent> {
        match self.rules[node] {
            Rule::Fixed(p) => vec![p],
            Rule::Hash(l) => {
                let (first, seeds) = &self.level_hash[l as usize - 1];
                (0..seeds.len())
                    .map(|i| Parent::Node((first + i) as u32))
                    .collect()
            }
        }
    }

    /// Where `node` fetches `key` from.
    #[inline]
    pub fn parent(&self, node: u32, key: u64) -> Parent {
        match self.rules[node as usize] {
            Rule::Fixed(p) => p,
            Rule::Hash(l) => {
                let (first, seeds) = &self.level_hash[l as usize - 1];
                Parent::Node((first + rendezvous(key, seeds)) as u32)
            }
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
            Rule::Hash(_) => "consistent-hash",
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

/// Appends the sites of `cfg.tiers.levels` (level 2, 3, ...) as nodes and
/// their node ranges to `levels` (`levels[l]` = level `l`'s nodes).
fn push_levels(
    cfg: &RunConfig,
    nodes: &mut Vec<Node>,
    levels: &mut Vec<(usize, usize)>,
    origin_of: &dyn Fn(CityId, Option<usize>) -> (usize, SimDuration),
) {
    for (l, lv) in cfg.tiers.levels.iter().enumerate() {
        let first = nodes.len();
        for u in &lv.sites {
            let (origin, origin_rtt) = origin_of(u.city, u.origin);
            nodes.push(Node {
                name: u.name.clone(),
                city: u.city,
                tier: Tier::Upper,
                level: l as u32 + 2,
                capacity_bytes: u.capacity_bytes,
                policy: u.policy,
                processing: lv.processing,
                origin,
                origin_rtt,
            });
        }
        levels.push((first, nodes.len()));
    }
}

/// The parent rule of every upper node (`[node - edges]`) and every upper
/// node's RTT to the origin along its parents (`path[node - edges]`),
/// computed from the top level down: the top level fetches from its origin
/// site; level `l` picks among level `l + 1` by `cfg.tiers.levels[l - 1]`.
fn level_rules(
    cfg: &RunConfig,
    nodes: &[Node],
    levels: &[(usize, usize)],
    to_upper: &[Vec<SimDuration>],
) -> (Vec<Rule>, Vec<SimDuration>) {
    let edges = levels[0].1;
    let uppers = nodes.len() - edges;
    let mut rules = vec![Rule::Fixed(Parent::Origin(0)); uppers];
    let mut path = vec![SimDuration::ZERO; uppers];
    let Some(top) = levels.len().checked_sub(1).filter(|&t| t >= 1) else {
        return (rules, path);
    };
    for l in (1..=top).rev() {
        for i in levels[l].0..levels[l].1 {
            let (rule, p) = if l == top {
                (
                    Rule::Fixed(Parent::Origin(nodes[i].origin)),
                    nodes[i].origin_rtt,
                )
            } else {
                let lv = &cfg.tiers.levels[l - 1];
                let rule = choose(
                    lv.mode,
                    lv.regional_choice,
                    lv.shield,
                    l as u32 + 1,
                    levels[l + 1],
                    &to_upper[i],
                    edges,
                    &path,
                );
                let via = |p: usize| to_upper[i][p - edges] + path[p - edges];
                let p = match rule {
                    Rule::Fixed(Parent::Node(p)) => via(p as usize),
                    Rule::Fixed(Parent::Origin(_)) => nodes[i].origin_rtt,
                    Rule::Hash(_) => {
                        let (a, b) = levels[l + 1];
                        let sum: u64 = (a..b).map(|p| via(p).as_nanos()).sum();
                        SimDuration::from_nanos(sum / (b - a) as u64)
                    }
                };
                (rule, p)
            };
            rules[i - edges] = rule;
            path[i - edges] = p;
        }
    }
    (rules, path)
}

/// How a node whose RTTs to the upper nodes are `to_upper` picks its parent
/// among upper level `level`'s nodes `range` (`shield`: index in the
/// level): one shield, the lowest cost (`nearest`: RTT to the site;
/// `lowest-origin-rtt`: that + the site's `path` to the origin; ties to the
/// earlier site), or a hash of the key.
#[allow(clippy::too_many_arguments)]
fn choose(
    mode: TierMode,
    choice: RegionalChoice,
    shield: usize,
    level: u32,
    range: (usize, usize),
    to_upper: &[SimDuration],
    edges: usize,
    path: &[SimDuration],
) -> Rule {
    let (a, b) = range;
    match mode {
        TierMode::None => unreachable!("validated: a level's mode is not none"),
        TierMode::Shield => Rule::Fixed(Parent::Node((a + shield) as u32)),
        TierMode::ConsistentHash => Rule::Hash(level),
        TierMode::Regional => {
            let cost = |p: usize| match choice {
                RegionalChoice::Nearest => to_upper[p - edges],
                RegionalChoice::LowestOriginRtt => to_upper[p - edges] + path[p - edges],
            };
            let best = (a..b)
                .min_by_key(|&p| (cost(p), p))
                .expect("validated: regional has upper tiers");
            Rule::Fixed(Parent::Node(best as u32))
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
