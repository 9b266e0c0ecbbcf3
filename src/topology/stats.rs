//! Structural statistics of an AS graph: degrees, customer cones, AS-path
//! lengths, connected components. Used by `cdnsim topology info`, by the
//! placement heuristic (cone sizes), and to compare generated worlds with
//! CAIDA's (docs/topology.md).
//!
//! **Path lengths** are measured two ways from a seeded sample of source
//! ASes, by breadth-first search to every other AS:
//! - *valley-free*: the shortest path that BGP export rules allow
//!   (zero or more customer->provider hops, at most one peer hop, then zero
//!   or more provider->customer hops; sibling hops allowed anywhere). This
//!   is the length of the shortest route an AS *could* learn, a lower bound
//!   on the route Gao-Rexford preference actually selects.
//! - *plain*: shortest path ignoring relationships.

use super::graph::{AsGraph, AsIdx};
use crate::rng::Streams;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// Size of each AS's customer cone: the AS itself plus every AS reachable
/// from it by provider->customer links (CAIDA's definition, by AS count).
/// Inside p2c cycles every member's cone holds the whole cycle's cone.
pub fn customer_cone_sizes(g: &AsGraph) -> Vec<u32> {
    let n = g.len();
    let mut sizes = vec![1u32; n];
    let mut stamp = vec![u32::MAX; n];
    let mut stack: Vec<AsIdx> = Vec::new();
    for a in g.indices() {
        if g.customers(a).is_empty() {
            continue;
        }
        stamp[a.ix()] = a.0;
        stack.push(a);
        let mut count = 0u32;
        while let Some(x) = stack.pop() {
            count += 1;
            for &c in g.customers(x) {
                if stamp[c.ix()] != a.0 {
                    stamp[c.ix()] = a.0;
                    stack.push(c);
                }
            }
        }
        sizes[a.ix()] = count;
    }
    sizes
}

/// Connected components ignoring relationships; sizes, largest first.
pub fn component_sizes(g: &AsGraph) -> Vec<usize> {
    let n = g.len();
    let mut seen = vec![false; n];
    let mut sizes = Vec::new();
    let mut queue = VecDeque::new();
    for s in g.indices() {
        if seen[s.ix()] {
            continue;
        }
        seen[s.ix()] = true;
        queue.push_back(s);
        let mut size = 0;
        while let Some(x) = queue.pop_front() {
            size += 1;
            for (y, _) in g.neighbours(x) {
                if !seen[y.ix()] {
                    seen[y.ix()] = true;
                    queue.push_back(y);
                }
            }
        }
        sizes.push(size);
    }
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

/// Unreached marker in BFS distance arrays.
const FAR: u16 = u16::MAX;

/// Valley-free hop distances from `s` to every AS (`u16::MAX` = no
/// valley-free path). Two BFS states per AS: still climbing, or descending.
pub fn valley_free_distances(g: &AsGraph, s: AsIdx) -> Vec<u16> {
    let n = g.len();
    let mut up = vec![FAR; n];
    let mut down = vec![FAR; n];
    let mut q: VecDeque<(AsIdx, bool)> = VecDeque::new();
    up[s.ix()] = 0;
    q.push_back((s, false));
    while let Some((x, descending)) = q.pop_front() {
        let d = if descending { down[x.ix()] } else { up[x.ix()] } + 1;
        let mut visit = |y: AsIdx, desc: bool, q: &mut VecDeque<(AsIdx, bool)>| {
            let slot = if desc {
                &mut down[y.ix()]
            } else {
                &mut up[y.ix()]
            };
            if *slot == FAR {
                *slot = d;
                q.push_back((y, desc));
            }
        };
        for &y in g.customers(x) {
            visit(y, true, &mut q);
        }
        for &y in g.siblings(x) {
            visit(y, descending, &mut q);
        }
        if !descending {
            for &y in g.providers(x) {
                visit(y, false, &mut q);
            }
            for &y in g.peers(x) {
                visit(y, true, &mut q);
            }
        }
    }
    up.iter().zip(&down).map(|(&a, &b)| a.min(b)).collect()
}

/// Plain hop distances from `s` (relationships ignored).
pub fn hop_distances(g: &AsGraph, s: AsIdx) -> Vec<u16> {
    let mut dist = vec![FAR; g.len()];
    let mut q = VecDeque::new();
    dist[s.ix()] = 0;
    q.push_back(s);
    while let Some(x) = q.pop_front() {
        let d = dist[x.ix()] + 1;
        for (y, _) in g.neighbours(x) {
            if dist[y.ix()] == FAR {
                dist[y.ix()] = d;
                q.push_back(y);
            }
        }
    }
    dist
}

/// Order statistics of a non-negative integer quantity.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl Summary {
    pub fn of(values: &mut [u64]) -> Summary {
        if values.is_empty() {
            return Summary {
                mean: 0.0,
                p50: 0,
                p90: 0,
                p99: 0,
                max: 0,
            };
        }
        values.sort_unstable();
        let q = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
        Summary {
            mean: values.iter().sum::<u64>() as f64 / values.len() as f64,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            max: values[values.len() - 1],
        }
    }
}

/// Histogram of path lengths: `counts[h]` = pairs at `h` hops
/// (`h` >= [`PATH_BINS`]-1 folded into the last bin); plus unreachable pairs.
pub const PATH_BINS: usize = 9;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PathLengths {
    pub counts: [u64; PATH_BINS],
    pub unreachable: u64,
    pub mean: f64,
}

impl PathLengths {
    fn new() -> Self {
        PathLengths {
            counts: [0; PATH_BINS],
            unreachable: 0,
            mean: 0.0,
        }
    }
    fn add(&mut self, dist: &[u16], src: AsIdx) {
        for (i, &d) in dist.iter().enumerate() {
            if i == src.ix() {
                continue;
            }
            if d == FAR {
                self.unreachable += 1;
            } else {
                self.counts[(d as usize).min(PATH_BINS - 1)] += 1;
                self.mean += d as f64;
            }
        }
    }
    fn finish(&mut self) {
        let reached: u64 = self.counts.iter().sum();
        if reached > 0 {
            self.mean /= reached as f64;
        }
    }
    /// Share of reachable pairs at exactly `h` hops (last bin: `h` or more).
    pub fn share(&self, h: usize) -> f64 {
        let reached: u64 = self.counts.iter().sum();
        if reached == 0 {
            0.0
        } else {
            self.counts[h] as f64 / reached as f64
        }
    }
}

/// Everything `topology info` and the docs table report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TopologyStats {
    pub ases: usize,
    pub p2c: usize,
    pub p2p: usize,
    pub siblings: usize,
    pub degree: Summary,
    /// Share of ASes with degree 1.
    pub degree_one_share: f64,
    pub cone: Summary,
    /// Share of ASes without customers (cone size 1).
    pub stub_share: f64,
    /// Share of ASes without providers.
    pub no_provider_share: f64,
    pub components: usize,
    pub largest_component: usize,
    pub path_sources: usize,
    pub valley_free: PathLengths,
    pub plain: PathLengths,
}

/// Computes the statistics; `path_sources` ASes (drawn with the seeded
/// stream `topology/stats/path-sources`) are BFS sources.
pub fn compute(g: &AsGraph, path_sources: usize, seed: u64) -> TopologyStats {
    let n = g.len();
    let mut deg: Vec<u64> = g.indices().map(|i| g.degree(i) as u64).collect();
    let degree_one = deg.iter().filter(|&&d| d == 1).count();
    let cones = customer_cone_sizes(g);
    let stubs = cones.iter().filter(|&&c| c == 1).count();
    let mut cone: Vec<u64> = cones.iter().map(|&c| c as u64).collect();
    let no_provider = g.indices().filter(|&i| g.providers(i).is_empty()).count();
    let comps = component_sizes(g);
    let mut vf = PathLengths::new();
    let mut plain = PathLengths::new();
    let k = path_sources.min(n);
    if k > 0 {
        let mut rng = Streams::new(seed).stream("topology/stats/path-sources");
        let mut sources: Vec<u32> = rand::seq::index::sample(&mut rng, n, k)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        sources.sort_unstable();
        for s in sources {
            let s = AsIdx(s);
            vf.add(&valley_free_distances(g, s), s);
            plain.add(&hop_distances(g, s), s);
        }
    }
    vf.finish();
    plain.finish();
    let share = |x: usize| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    TopologyStats {
        ases: n,
        p2c: g.p2c_links(),
        p2p: g.p2p_links(),
        siblings: g.sibling_links(),
        degree: Summary::of(&mut deg),
        degree_one_share: share(degree_one),
        cone: Summary::of(&mut cone),
        stub_share: share(stubs),
        no_provider_share: share(no_provider),
        components: comps.len(),
        largest_component: comps.first().copied().unwrap_or(0),
        path_sources: k,
        valley_free: vf,
        plain,
    }
}

/// A Markdown table with one column per named topology.
pub fn markdown_table(cols: &[(&str, &TopologyStats)]) -> String {
    let mut s = String::new();
    let _ = write!(s, "| |");
    for (name, _) in cols {
        let _ = write!(s, " {name} |");
    }
    let _ = write!(s, "\n|---|");
    for _ in cols {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    let mut row = |label: &str, f: &dyn Fn(&TopologyStats) -> String| {
        let _ = write!(s, "| {label} |");
        for (_, st) in cols {
            let _ = write!(s, " {} |", f(st));
        }
        s.push('\n');
    };
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    row("ASes", &|t| t.ases.to_string());
    row("p2c links", &|t| t.p2c.to_string());
    row("p2p links", &|t| t.p2p.to_string());
    row("links per AS", &|t| {
        format!(
            "{:.2}",
            (t.p2c + t.p2p + t.siblings) as f64 / t.ases.max(1) as f64
        )
    });
    row("degree mean", &|t| format!("{:.1}", t.degree.mean));
    row("degree p50 / p90 / p99", &|t| {
        format!("{} / {} / {}", t.degree.p50, t.degree.p90, t.degree.p99)
    });
    row("degree max", &|t| t.degree.max.to_string());
    row("ASes of degree 1", &|t| pct(t.degree_one_share));
    row("stubs (cone = 1)", &|t| pct(t.stub_share));
    row("ASes without provider", &|t| pct(t.no_provider_share));
    row("cone p90 / p99", &|t| {
        format!("{} / {}", t.cone.p90, t.cone.p99)
    });
    row("cone max (share of ASes)", &|t| {
        format!(
            "{} ({})",
            t.cone.max,
            pct(t.cone.max as f64 / t.ases.max(1) as f64)
        )
    });
    row("valley-free path mean [hops]", &|t| {
        format!("{:.2}", t.valley_free.mean)
    });
    for h in 1..PATH_BINS {
        let label = if h == PATH_BINS - 1 {
            format!("valley-free paths of {h}+ hops")
        } else {
            format!("valley-free paths of {h} hops")
        };
        row(&label, &|t| pct(t.valley_free.share(h)));
    }
    row("pairs without valley-free path", &|t| {
        let all = t.valley_free.unreachable + t.valley_free.counts.iter().sum::<u64>();
        pct(t.valley_free.unreachable as f64 / all.max(1) as f64)
    });
    row("plain path mean [hops]", &|t| {
        format!("{:.2}", t.plain.mean)
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{AsGraphBuilder, Asn, LinkRel};

    ///   1 --- 2          peers
    ///   |     |
    ///   3     4
    ///   |
    ///   5 --- 6 (peers; 6 has no provider)
    fn g() -> AsGraph {
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::Peer);
        b.add_link(Asn(1), Asn(3), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(4), LinkRel::ProviderToCustomer);
        b.add_link(Asn(3), Asn(5), LinkRel::ProviderToCustomer);
        b.add_link(Asn(5), Asn(6), LinkRel::Peer);
        b.build().0
    }

    #[test]
    fn cones_components_and_paths() {
        let g = g();
        assert_eq!(customer_cone_sizes(&g), vec![3, 2, 2, 1, 1, 1]);
        assert_eq!(component_sizes(&g), vec![6]);
        let vf = valley_free_distances(&g, AsIdx(4)); // from AS5
        // 5 -> 3 -> 1 -> 2 -> 4 is valley-free; 5 -> 6 is a peer hop; 6 is
        // reachable from 5 but 4 -> ... -> 6 would need two peer hops.
        assert_eq!(vf, vec![2, 3, 1, 4, 0, 1]);
        let from4 = valley_free_distances(&g, AsIdx(3));
        assert_eq!(from4[5], FAR);
        assert_eq!(hop_distances(&g, AsIdx(3))[5], 5);
        let st = compute(&g, 6, 1);
        assert_eq!(st.path_sources, 6);
        assert!(st.valley_free.unreachable >= 2);
        assert!(markdown_table(&[("g", &st)]).contains("| ASes | 6 |"));
    }
}
