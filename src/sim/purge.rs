//! Purges: which cached objects a purge names, when it reaches each cache,
//! and what it does there.
//!
//! **Spread.** A purge is issued at `at` and spreads by push gossip over
//! every cache node (edges and upper tiers in use): the nodes are put in a
//! random order (stream `purge/<i>/gossip`); the first is told at `at`, and
//! in every round of `cdn.purge.round` each informed node tells `fanout`
//! nodes not yet told, so after `r` rounds `(1 + fanout)^r` nodes know. The
//! node at position `j` (0-based) is reached after `r(j)` rounds, the
//! smallest `r` with `(1 + fanout)^r > j`. (An idealised gossip: no
//! duplicate messages, one round per hop whatever the distance.)
//!
//! **Effect at a node.** Objects are named by catalog and popularity rank
//! at `at` (`url`: one rank; `surrogate-key` in its rank form: consecutive
//! ranks), by path prefix (`prefix`: every object whose path
//! `/<catalog>/d<dir>/o<index>` starts with it; no prefix: the whole
//! catalog) or by surrogate key (`surrogate-key`: every object carrying
//! it); paths and keys: `workload::names`. A
//! *hard* purge removes them from the cache; a *soft* purge marks them
//! stale (age = lifetime), so the next request revalidates (or is served
//! stale under stale-while-revalidate). With `cdn.freshness =
//! "not-enforced"` a soft purge acts as a hard one. A fetch already in
//! flight when the purge arrives still stores what it brings.
//!
//! Requests that miss (or must revalidate) an object because a purge took
//! or staled it at that node count as `purge_misses`, until the node has a
//! copy again.

use super::{Event, RequestModel};
use crate::engine::Scheduler;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::tiers::{Freshness, PurgeNames, PurgeScope};
use crate::time::{SimDuration, SimTime};
use crate::workload::names::Names;
use rand::seq::SliceRandom;

/// When purge `i` reaches each node: (time, node), in node order.
pub fn arrivals(cfg: &RunConfig, nodes: usize, i: usize) -> Vec<(SimTime, u32)> {
    let p = &cfg.tiers.purges[i];
    let mut order: Vec<u32> = (0..nodes as u32).collect();
    let mut rng = Streams::new(cfg.seed).stream(&format!("purge/{i}/gossip"));
    order.shuffle(&mut rng);
    let base = u64::from(cfg.tiers.purge_fanout) + 1;
    let mut out: Vec<(SimTime, u32)> = order
        .iter()
        .enumerate()
        .map(|(j, &n)| {
            let r = rounds(j as u64, base);
            (
                p.at + SimDuration::from_nanos(cfg.tiers.purge_round.as_nanos() * r),
                n,
            )
        })
        .collect();
    out.sort_by_key(|&(_, n)| n);
    out
}

/// Whether a purge naming `what` names object `index` of the catalog
/// named by `names` (`buf`: scratch space for the path). Rank purges name
/// none here (they are resolved by rank in `purge`).
pub fn names_object(what: &PurgeNames, names: &Names, index: u64, buf: &mut String) -> bool {
    match what {
        PurgeNames::Prefix(pre) => {
            names.write_path(index, buf);
            buf.starts_with(pre.as_str())
        }
        PurgeNames::Key(k) => names.has_key(index, *k),
        PurgeNames::Ranks => false,
    }
}

/// Gossip rounds until the node at position `j` is told, when the informed
/// set grows by a factor `base` (= 1 + fanout) per round.
pub fn rounds(j: u64, base: u64) -> u64 {
    let (mut r, mut reach) = (0u64, 1u64);
    while reach <= j {
        reach = reach.saturating_mul(base);
        r += 1;
    }
    r
}

impl RequestModel<'_> {
    /// Schedules every purge's arrival at every node. Purges issued at or
    /// after the end of arrivals (`duration`) are ignored.
    pub(super) fn schedule_purges(&self, s: &mut Scheduler<Event>) {
        for i in 0..self.cfg.tiers.purges.len() {
            if self.cfg.tiers.purges[i].at >= SimTime::ZERO + self.cfg.duration {
                continue;
            }
            for (t, node) in arrivals(self.cfg, self.hier.nodes.len(), i) {
                s.schedule_at(
                    t,
                    Event::Purge {
                        purge: i as u32,
                        node,
                    },
                );
            }
        }
    }

    /// Purge `i` reaches `node`.
    pub(super) fn purge(&mut self, s: &mut Scheduler<Event>, i: u32, node: u32) {
        let now = s.now();
        let p = &self.cfg.tiers.purges[i as usize];
        let cat = &self.workload.catalogs[p.catalog];
        if p.names != PurgeNames::Ranks {
            self.purge_named(now, i, node);
            return;
        }
        let ids: Vec<u64> = match p.scope {
            PurgeScope::Prefix => Vec::new(),
            _ => {
                let mut v: Vec<u64> = (p.first_rank..p.first_rank + p.count)
                    .map(|r| cat.base_id + cat.index_at_rank(r, p.at))
                    .collect();
                v.sort_unstable();
                v
            }
        };
        let catalog = p.catalog as u32;
        let whole = p.scope == PurgeScope::Prefix;
        // Every stored key of a named object (cache-busting variants
        // included), sorted so the order of removal is fixed.
        let mut keys: Vec<u64> = self.metas[node as usize]
            .iter()
            .filter(|(_, m)| {
                m.catalog == catalog && (whole || ids.binary_search(&m.object).is_ok())
            })
            .map(|(&k, _)| k)
            .collect();
        keys.sort_unstable();
        self.purge_keys(now, p.soft, node, keys);
    }

    /// Purge `i`, naming objects by path prefix or surrogate key
    /// (`workload::names`), reaches `node`.
    fn purge_named(&mut self, now: SimTime, i: u32, node: u32) {
        let p = &self.cfg.tiers.purges[i as usize];
        let names = &self.cfg.tiers.names[p.catalog];
        let base = self.workload.catalogs[p.catalog].base_id;
        let catalog = p.catalog as u32;
        // Trace replay: an object's index is its trace id.
        let base = if self.replay.is_some() { 0 } else { base };
        let mut buf = String::new();
        let mut keys: Vec<u64> = self.metas[node as usize]
            .iter()
            .filter(|(_, m)| {
                m.catalog == catalog
                    && names_object(&p.names, names, m.object.wrapping_sub(base), &mut buf)
            })
            .map(|(&k, _)| k)
            .collect();
        keys.sort_unstable();
        self.purge_keys(now, p.soft, node, keys);
    }

    /// Removes (hard) or stales (soft) the cache keys `keys` at `node`.
    fn purge_keys(&mut self, now: SimTime, soft: bool, node: u32, keys: Vec<u64>) {
        let soft = soft && self.cfg.tiers.freshness == Freshness::Enforced;
        let n = node as usize;
        for k in keys {
            if !self.caches[n].contains(k) {
                self.metas[n].remove(&k);
                continue;
            }
            self.m.purged_objects += 1;
            self.purged.insert((node, k));
            if soft {
                let m = self.metas[n].get_mut(&k).expect("listed");
                let pol = self.policies[m.catalog as usize][m.profile as usize];
                m.stored.response_time = now;
                m.stored.initial_age = pol.lifetime;
            } else {
                self.caches[n].remove(k);
                self.metas[n].remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle over a whole catalog: the objects a prefix or key purge
    /// names are exactly those whose path, written out here independently,
    /// starts with the prefix, or whose drawn keys include the key.
    #[test]
    fn named_purges_name_exactly_the_matching_objects() {
        let n = Names::new("images", 20, 30, 2, 9);
        let mut buf = String::new();
        let all = 0..5_000u64;
        let hits = |w: &PurgeNames| -> Vec<u64> {
            let mut b = String::new();
            all.clone()
                .filter(|&i| names_object(w, &n, i, &mut b))
                .collect()
        };
        // "/images/d12/": directory 12 only (i mod 20 = 12).
        let d12 = hits(&PurgeNames::Prefix("/images/d12/".into()));
        let want: Vec<u64> = all.clone().filter(|i| i % 20 == 12).collect();
        assert_eq!(d12, want);
        assert_eq!(d12.len(), 250);
        // "/images/d1": a string prefix, so d1 and d10..d19.
        let d1x = hits(&PurgeNames::Prefix("/images/d1".into()));
        let want: Vec<u64> = all
            .clone()
            .filter(|i| format!("/images/d{}/o{i}", i % 20).starts_with("/images/d1"))
            .collect();
        assert_eq!(d1x, want);
        assert_eq!(d1x.len(), 250 * 11);
        // An object-path prefix: d4 holds 4, 24, 44, ...; "/images/d4/o4"
        // keeps those whose index starts with 4.
        let o = hits(&PurgeNames::Prefix("/images/d4/o4".into()));
        assert!(
            o.iter()
                .all(|i| i % 20 == 4 && i.to_string().starts_with('4'))
        );
        assert!(o.contains(&4) && o.contains(&44) && o.contains(&404) && !o.contains(&24));
        // The whole catalog.
        assert_eq!(hits(&PurgeNames::Prefix("/images/".into())).len(), 5_000);
        // A key: exactly the objects whose key list holds it.
        for k in [0u32, 7, 29] {
            let got = hits(&PurgeNames::Key(k));
            let want: Vec<u64> = all
                .clone()
                .filter(|&i| n.keys_of(i).any(|x| x == k))
                .collect();
            assert_eq!(got, want);
            // ~5,000 x 2 / 30 = 333 objects per key.
            assert!((250..=420).contains(&got.len()), "{k}: {}", got.len());
        }
        assert!(!names_object(&PurgeNames::Ranks, &n, 1, &mut buf));
    }

    #[test]
    fn gossip_rounds_grow_the_informed_set_by_one_plus_fanout() {
        // fanout 2: positions 0 | 1..=2 | 3..=8 | 9..=26 -> rounds 0,1,2,3.
        let got: Vec<u64> = [0, 1, 2, 3, 8, 9, 26, 27]
            .iter()
            .map(|&j| super::rounds(j, 3))
            .collect();
        assert_eq!(got, [0, 1, 1, 2, 2, 3, 3, 4]);
        // fanout 1 doubles: 1, 2, 4, 8 informed.
        assert_eq!(super::rounds(7, 2), 3);
        assert_eq!(super::rounds(8, 2), 4);
    }
}
