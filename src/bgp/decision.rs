//! The BGP decision process as ordered steps.
//!
//! [`compare`] ranks two candidate routes for the same prefix at the same AS
//! and says which [`Step`] decided, so that a losing route can be explained
//! ("lost at shortest-as-path: 4 hops vs 3"), in the manner of holo-bgp's
//! `Route::compare`. The steps, in order:
//!
//! 1. [`Step::LocalPref`]: higher local-pref wins. By default local-pref
//!    follows the Gao-Rexford class of the neighbour the route was learned
//!    from: origin > customer > peer > provider (siblings count as peers).
//! 2. [`Step::AsPathLength`]: shorter AS path wins; prepended copies count.
//! 3. [`Step::TieBreak`]: the lower tie-break key of the neighbour wins
//!    ([`TieBreak`]: its ASN, as BGPy does, or a router-id-like hash).
//!
//! Hot-potato (lowest internal distance to the interconnection where the
//! route was learned) sits between 2 and 3 in real BGP; it is per router and
//! is not part of this AS-level solver.

use crate::rng::Streams;
use crate::topology::{AsGraph, AsIdx, Rel};
use std::cmp::Ordering;
use std::fmt;

/// The kind of neighbour a route was learned from, in increasing preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Learned {
    Provider = 1,
    Peer = 2,
    Customer = 3,
    /// The AS originates the prefix itself.
    Origin = 4,
}

impl Learned {
    /// The class of a route learned from a neighbour that is `rel` to us.
    pub fn from_rel(rel: Rel) -> Learned {
        match rel {
            Rel::Customer => Learned::Customer,
            Rel::Peer | Rel::Sibling => Learned::Peer,
            Rel::Provider => Learned::Provider,
        }
    }
    /// Default local-pref of the class.
    pub fn local_pref(self) -> u32 {
        self as u32 * 100
    }
    /// Valley-free export: may a route of this class be announced to a
    /// neighbour that is `to` to us? Customer and own routes go to everyone;
    /// peer and provider routes only to customers.
    #[inline]
    pub fn exports_to(self, to: Rel) -> bool {
        match self {
            Learned::Origin | Learned::Customer => true,
            Learned::Peer | Learned::Provider => to == Rel::Customer,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Learned::Provider => "provider",
            Learned::Peer => "peer",
            Learned::Customer => "customer",
            Learned::Origin => "origin",
        }
    }
}

impl fmt::Display for Learned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The deterministic last step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TieBreak {
    /// Lowest neighbour ASN (BGPy's `_get_best_ann_by_lowest_neighbor_asn_tiebreaker`).
    #[default]
    LowestAsn,
    /// Lowest router id of the neighbour's border router, where router ids
    /// are a stable hash of (seed, neighbour ASN): the RFC 4271 9.1.2.2 (f)
    /// rule with ids uncorrelated with ASNs. Hash ties fall back to the ASN.
    RouterId { seed: u64 },
}

impl TieBreak {
    /// The key of neighbour `i`: lower wins.
    #[inline]
    pub fn key(self, graph: &AsGraph, i: AsIdx) -> u64 {
        match self {
            // Indices are assigned in increasing ASN order.
            TieBreak::LowestAsn => i.0 as u64,
            TieBreak::RouterId { seed } => {
                Streams::new(seed).hash("bgp/router-id", graph.asn(i).0 as u64) & !0xffff_ffff
                    | i.0 as u64
            }
        }
    }
    /// Keys of every AS, by index.
    pub fn keys(self, graph: &AsGraph) -> Vec<u64> {
        graph.indices().map(|i| self.key(graph, i)).collect()
    }
}

/// The step of the decision process that separated two routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    LocalPref,
    AsPathLength,
    TieBreak,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::LocalPref => "local-pref",
            Step::AsPathLength => "shortest-as-path",
            Step::TieBreak => "tie-break",
        })
    }
}

/// What the decision process looks at in one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub local_pref: u32,
    /// AS-path length, counting the receiving AS and prepends.
    pub path_len: u32,
    /// Tie-break key of the neighbour the route was learned from.
    pub key: u64,
    /// That neighbour (`None` for an origin's own route).
    pub neighbour: Option<AsIdx>,
}

/// Compares two candidates: `Ordering::Less` means `a` is preferred.
/// Returns the step that decided (`None` when they are equal in every step,
/// i.e. the same route).
#[inline]
pub fn compare(a: &Candidate, b: &Candidate) -> (Ordering, Option<Step>) {
    match b.local_pref.cmp(&a.local_pref) {
        Ordering::Equal => {}
        o => return (o, Some(Step::LocalPref)),
    }
    match a.path_len.cmp(&b.path_len) {
        Ordering::Equal => {}
        o => return (o, Some(Step::AsPathLength)),
    }
    match a.key.cmp(&b.key) {
        Ordering::Equal => (Ordering::Equal, None),
        o => (o, Some(Step::TieBreak)),
    }
}

/// Why `loser` lost to `winner`, in words.
pub fn reason(step: Step, winner: &Candidate, loser: &Candidate, graph: &AsGraph) -> String {
    let nb = |c: &Candidate| {
        c.neighbour
            .map_or("itself".to_string(), |n| graph.asn(n).to_string())
    };
    match step {
        Step::LocalPref => format!("local-pref {} vs {}", loser.local_pref, winner.local_pref),
        Step::AsPathLength => format!(
            "shortest-as-path: {} hops vs {}",
            loser.path_len - 1,
            winner.path_len - 1
        ),
        Step::TieBreak => format!("tie-break: neighbour {} vs {}", nb(loser), nb(winner)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lp: u32, len: u32, key: u64) -> Candidate {
        Candidate {
            local_pref: lp,
            path_len: len,
            key,
            neighbour: Some(AsIdx(key as u32)),
        }
    }

    #[test]
    fn steps_in_order() {
        assert_eq!(
            compare(&c(300, 9, 9), &c(200, 2, 1)),
            (Ordering::Less, Some(Step::LocalPref))
        );
        assert_eq!(
            compare(&c(200, 3, 9), &c(200, 2, 1)),
            (Ordering::Greater, Some(Step::AsPathLength))
        );
        assert_eq!(
            compare(&c(200, 2, 1), &c(200, 2, 5)),
            (Ordering::Less, Some(Step::TieBreak))
        );
        assert_eq!(
            compare(&c(200, 2, 1), &c(200, 2, 1)),
            (Ordering::Equal, None)
        );
    }

    #[test]
    fn export_is_valley_free() {
        for to in [Rel::Customer, Rel::Peer, Rel::Provider] {
            assert!(Learned::Customer.exports_to(to));
            assert!(Learned::Origin.exports_to(to));
            assert_eq!(Learned::Peer.exports_to(to), to == Rel::Customer);
            assert_eq!(Learned::Provider.exports_to(to), to == Rel::Customer);
        }
    }
}
