//! The AS graph: ASes and business relationships in a compact CSR layout.
//!
//! ASes are renumbered densely ([`AsIdx`], in increasing ASN order, so the
//! numbering is deterministic). For each AS the neighbours are kept in four
//! CSR lists by relationship as seen *from that AS*: its customers, peers,
//! providers and siblings, each sorted by ASN. This is the layout the BGP
//! solver's phases walk (up to providers, across to peers, down to
//! customers) without branching on the relationship.

use rustc_hash::FxHashMap;
use std::fmt;

/// An autonomous system number.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Asn(pub u32);

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

/// Dense index of an AS inside one [`AsGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsIdx(pub u32);

impl AsIdx {
    #[inline]
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// A link as written in an AS-relationship file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkRel {
    /// The first AS is a provider of the second (CAIDA `-1`).
    ProviderToCustomer,
    /// Settlement-free peers (CAIDA `0`).
    Peer,
    /// Same organisation (CAIDA serial-1 `2`, where present).
    Sibling,
}

/// What a neighbour is to a given AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rel {
    Customer,
    Peer,
    Provider,
    Sibling,
}

/// Compressed sparse rows: `targets[offsets[i]..offsets[i+1]]`.
#[derive(Clone, Debug, Default)]
struct Csr {
    offsets: Vec<u32>,
    targets: Vec<AsIdx>,
}

impl Csr {
    /// Counting sort by source (O(n)), then each row sorted by target
    /// (rows are short).
    fn build(n: usize, pairs: Vec<(AsIdx, AsIdx)>) -> Csr {
        let mut offsets = vec![0u32; n + 1];
        for &(a, _) in &pairs {
            offsets[a.ix() + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor: Vec<u32> = offsets[..n].to_vec();
        let mut targets = vec![AsIdx(0); pairs.len()];
        for (a, b) in pairs {
            targets[cursor[a.ix()] as usize] = b;
            cursor[a.ix()] += 1;
        }
        for i in 0..n {
            targets[offsets[i] as usize..offsets[i + 1] as usize].sort_unstable();
        }
        Csr { offsets, targets }
    }
    #[inline]
    fn of(&self, a: AsIdx) -> &[AsIdx] {
        &self.targets[self.offsets[a.ix()] as usize..self.offsets[a.ix() + 1] as usize]
    }
    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.targets.capacity() * 4
    }
}

/// The AS graph. Immutable once built.
#[derive(Clone, Debug, Default)]
pub struct AsGraph {
    asns: Vec<Asn>,
    index: FxHashMap<Asn, AsIdx>,
    customers: Csr,
    peers: Csr,
    providers: Csr,
    siblings: Csr,
    /// The Tier-1 clique declared by the input, if any.
    pub clique: Vec<Asn>,
}

impl AsGraph {
    pub fn len(&self) -> usize {
        self.asns.len()
    }
    pub fn is_empty(&self) -> bool {
        self.asns.is_empty()
    }
    #[inline]
    pub fn asn(&self, i: AsIdx) -> Asn {
        self.asns[i.ix()]
    }
    pub fn idx(&self, asn: Asn) -> Option<AsIdx> {
        self.index.get(&asn).copied()
    }
    /// All ASes in index (= ASN) order.
    pub fn indices(&self) -> impl ExactSizeIterator<Item = AsIdx> + use<> {
        (0..self.asns.len() as u32).map(AsIdx)
    }
    #[inline]
    pub fn customers(&self, i: AsIdx) -> &[AsIdx] {
        self.customers.of(i)
    }
    #[inline]
    pub fn peers(&self, i: AsIdx) -> &[AsIdx] {
        self.peers.of(i)
    }
    #[inline]
    pub fn providers(&self, i: AsIdx) -> &[AsIdx] {
        self.providers.of(i)
    }
    #[inline]
    pub fn siblings(&self, i: AsIdx) -> &[AsIdx] {
        self.siblings.of(i)
    }
    /// Neighbours with what each is to `i`, customers first.
    pub fn neighbours(&self, i: AsIdx) -> impl Iterator<Item = (AsIdx, Rel)> + '_ {
        let c = self.customers(i).iter().map(|&n| (n, Rel::Customer));
        let p = self.peers(i).iter().map(|&n| (n, Rel::Peer));
        let v = self.providers(i).iter().map(|&n| (n, Rel::Provider));
        let s = self.siblings(i).iter().map(|&n| (n, Rel::Sibling));
        c.chain(p).chain(v).chain(s)
    }
    /// What `b` is to `a`, if they are linked.
    pub fn rel(&self, a: AsIdx, b: AsIdx) -> Option<Rel> {
        // Each list is sorted (Csr::build): O(log degree), which matters for
        // ASes with tens of thousands of neighbours (a CDN, a Tier-1).
        [
            (self.customers(a), Rel::Customer),
            (self.peers(a), Rel::Peer),
            (self.providers(a), Rel::Provider),
            (self.siblings(a), Rel::Sibling),
        ]
        .into_iter()
        .find(|(list, _)| list.binary_search(&b).is_ok())
        .map(|(_, r)| r)
    }
    /// Number of provider-customer links.
    pub fn p2c_links(&self) -> usize {
        self.customers.targets.len()
    }
    /// Number of peer links (each counted once).
    pub fn p2p_links(&self) -> usize {
        self.peers.targets.len() / 2
    }
    /// Number of sibling links (each counted once).
    pub fn sibling_links(&self) -> usize {
        self.siblings.targets.len() / 2
    }
    /// Every link once, in (lower index, higher index) order for peers and
    /// siblings and (provider, customer) order for p2c links; sorted.
    pub fn links(&self) -> Vec<(AsIdx, AsIdx, LinkRel)> {
        let mut out =
            Vec::with_capacity(self.p2c_links() + self.p2p_links() + self.sibling_links());
        for a in self.indices() {
            out.extend(
                self.customers(a)
                    .iter()
                    .map(|&c| (a, c, LinkRel::ProviderToCustomer)),
            );
            out.extend(
                self.peers(a)
                    .iter()
                    .filter(|&&b| b > a)
                    .map(|&b| (a, b, LinkRel::Peer)),
            );
            out.extend(
                self.siblings(a)
                    .iter()
                    .filter(|&&b| b > a)
                    .map(|&b| (a, b, LinkRel::Sibling)),
            );
        }
        out
    }
    /// Total degree of `i` (all relationships).
    pub fn degree(&self, i: AsIdx) -> usize {
        self.customers(i).len()
            + self.peers(i).len()
            + self.providers(i).len()
            + self.siblings(i).len()
    }
    /// Provider-to-customer cycles: the strongly connected components of
    /// more than one AS in the p2c digraph (found with petgraph's Tarjan
    /// SCC). Each cycle is sorted by index; the list is sorted too.
    pub fn p2c_cycles(&self) -> Vec<Vec<AsIdx>> {
        let mut g =
            petgraph::graph::DiGraph::<(), (), u32>::with_capacity(self.len(), self.p2c_links());
        for _ in 0..self.len() {
            g.add_node(());
        }
        for a in self.indices() {
            for &c in self.customers(a) {
                g.add_edge(
                    petgraph::graph::NodeIndex::new(a.ix()),
                    petgraph::graph::NodeIndex::new(c.ix()),
                    (),
                );
            }
        }
        let mut cycles: Vec<Vec<AsIdx>> = petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1)
            .map(|scc| {
                let mut v: Vec<AsIdx> = scc.into_iter().map(|n| AsIdx(n.index() as u32)).collect();
                v.sort_unstable();
                v
            })
            .collect();
        cycles.sort();
        cycles
    }
    /// Heap memory held by the graph [bytes].
    pub fn heap_bytes(&self) -> usize {
        self.asns.capacity() * 4
            + self.index.capacity() * (8 + 1)
            + self.customers.heap_bytes()
            + self.peers.heap_bytes()
            + self.providers.heap_bytes()
            + self.siblings.heap_bytes()
    }
}

/// What the builder dropped or noticed while building.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// Links given more than once with the same relationship.
    pub duplicate_links: Vec<(Asn, Asn)>,
    /// Links given more than once with different relationships (first kept).
    pub conflicting_links: Vec<(Asn, Asn)>,
    /// Links from an AS to itself (dropped).
    pub self_links: Vec<Asn>,
}

/// Collects links, then builds an [`AsGraph`].
#[derive(Clone, Debug, Default)]
pub struct AsGraphBuilder {
    links: Vec<(Asn, Asn, LinkRel)>,
    extra_ases: Vec<Asn>,
    clique: Vec<Asn>,
}

impl AsGraphBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a link. For [`LinkRel::ProviderToCustomer`], `a` is the provider.
    pub fn add_link(&mut self, a: Asn, b: Asn, rel: LinkRel) {
        self.links.push((a, b, rel));
    }
    /// Adds an AS that may have no links.
    pub fn add_as(&mut self, a: Asn) {
        self.extra_ases.push(a);
    }
    pub fn set_clique(&mut self, clique: Vec<Asn>) {
        self.clique = clique;
    }

    /// Builds the graph. Self-links are dropped; of links given twice (in
    /// either direction) the first is kept; both are reported.
    pub fn build(self) -> (AsGraph, BuildReport) {
        let mut report = BuildReport::default();
        let mut asns: Vec<Asn> = self
            .links
            .iter()
            .flat_map(|&(a, b, _)| [a, b])
            .chain(self.extra_ases.iter().copied())
            .collect();
        asns.sort_unstable();
        asns.dedup();
        let index: FxHashMap<Asn, AsIdx> = asns
            .iter()
            .enumerate()
            .map(|(i, &a)| (a, AsIdx(i as u32)))
            .collect();
        let n = asns.len();
        // A link's identity regardless of the order it was written in is
        // its (lower ASN, higher ASN) key. Sorting (key, input position)
        // puts each link's first occurrence first in its run; later ones
        // are duplicates or conflicts. (Sorting replaced a hash set: parse +
        // build of CAIDA 2025 went from 470 to 323 ms on a busy machine.)
        let oriented = |a: Asn, b: Asn, rel: LinkRel| match rel {
            LinkRel::ProviderToCustomer if a < b => Oriented::LowProvidesHigh,
            LinkRel::ProviderToCustomer => Oriented::HighProvidesLow,
            LinkRel::Peer => Oriented::Peer,
            LinkRel::Sibling => Oriented::Sibling,
        };
        let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(self.links.len());
        for (i, &(a, b, _)) in self.links.iter().enumerate() {
            if a == b {
                report.self_links.push(a);
            } else {
                keyed.push((((a.min(b).0 as u64) << 32) | a.max(b).0 as u64, i as u32));
            }
        }
        keyed.sort_unstable();
        let mut keep = vec![false; self.links.len()];
        let mut later: Vec<(u32, bool)> = Vec::new(); // (position, is duplicate)
        let mut run = 0;
        while run < keyed.len() {
            let (key, first) = keyed[run];
            keep[first as usize] = true;
            let (fa, fb, fr) = self.links[first as usize];
            let first_o = oriented(fa, fb, fr);
            let mut j = run + 1;
            while j < keyed.len() && keyed[j].0 == key {
                let (a, b, r) = self.links[keyed[j].1 as usize];
                later.push((keyed[j].1, oriented(a, b, r) == first_o));
                j += 1;
            }
            run = j;
        }
        later.sort_unstable();
        for (pos, dup) in later {
            let (a, b, _) = self.links[pos as usize];
            if dup {
                report.duplicate_links.push((a, b));
            } else {
                report.conflicting_links.push((a, b));
            }
        }
        let (mut c, mut p, mut v, mut s) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (a, b, rel)) in self.links.into_iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let (ia, ib) = (index[&a], index[&b]);
            match rel {
                LinkRel::ProviderToCustomer => {
                    c.push((ia, ib));
                    v.push((ib, ia));
                }
                LinkRel::Peer => {
                    p.push((ia, ib));
                    p.push((ib, ia));
                }
                LinkRel::Sibling => {
                    s.push((ia, ib));
                    s.push((ib, ia));
                }
            }
        }
        let graph = AsGraph {
            index,
            customers: Csr::build(n, c),
            peers: Csr::build(n, p),
            providers: Csr::build(n, v),
            siblings: Csr::build(n, s),
            clique: self.clique,
            asns,
        };
        (graph, report)
    }
}

/// A link's relationship relative to its (lower ASN, higher ASN) key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Oriented {
    LowProvidesHigh,
    HighProvidesLow,
    Peer,
    Sibling,
}

#[cfg(test)]
mod tests {
    use super::*;

    ///      1 ---- 2        (1, 2 peers; 1 provider of 3; 2 provider of 4)
    ///      |      |
    ///      3      4 ~~ 5   (4, 5 siblings)
    fn small() -> (AsGraph, BuildReport) {
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::Peer);
        b.add_link(Asn(1), Asn(3), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(4), LinkRel::ProviderToCustomer);
        b.add_link(Asn(4), Asn(5), LinkRel::Sibling);
        b.add_link(Asn(3), Asn(1), LinkRel::Peer); // conflicts with 1->3 p2c
        b.add_link(Asn(2), Asn(1), LinkRel::Peer); // duplicate of 1-2 peer
        b.add_link(Asn(7), Asn(7), LinkRel::Peer); // self-link
        b.build()
    }

    #[test]
    fn relationships_from_each_side() {
        let (g, _) = small();
        let i = |a| g.idx(Asn(a)).unwrap();
        assert_eq!(
            g.len(),
            6,
            "AS7 exists though its only link (a self-link) is dropped"
        );
        assert_eq!(g.customers(i(1)), &[i(3)]);
        assert_eq!(g.providers(i(3)), &[i(1)]);
        assert_eq!(g.peers(i(2)), &[i(1)]);
        assert_eq!(g.siblings(i(5)), &[i(4)]);
        assert_eq!(g.rel(i(4), i(2)), Some(Rel::Provider));
        assert_eq!(g.rel(i(3), i(4)), None);
        assert_eq!((g.p2c_links(), g.p2p_links(), g.sibling_links()), (2, 1, 1));
    }

    #[test]
    fn links_and_p2c_cycles() {
        let (g, _) = small();
        assert_eq!(g.links().len(), 4);
        assert!(g.p2c_cycles().is_empty());
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(3), LinkRel::ProviderToCustomer);
        b.add_link(Asn(3), Asn(1), LinkRel::ProviderToCustomer);
        b.add_link(Asn(3), Asn(4), LinkRel::ProviderToCustomer);
        let (g, _) = b.build();
        let i = |a| g.idx(Asn(a)).unwrap();
        assert_eq!(g.p2c_cycles(), vec![vec![i(1), i(2), i(3)]]);
        assert_eq!(g.degree(i(3)), 3);
    }

    #[test]
    fn duplicates_conflicts_and_self_links_are_reported() {
        let (_, r) = small();
        assert_eq!(r.duplicate_links, vec![(Asn(2), Asn(1))]);
        assert_eq!(r.conflicting_links, vec![(Asn(3), Asn(1))]);
        assert_eq!(r.self_links, vec![Asn(7)]);
    }
}
