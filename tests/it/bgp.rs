//! The BGP static solver against BGPy (PyPI `bgpy-pkg` 13.0.13, run by
//! ../shared/peers/bgpy_anycast.py), and hand-made topologies.
//!
//! - Golden files (always run): BGPy's output on a synthetic 1000-AS graph
//!   written by the peer script (`--n-ases 1000 --seed 7 --write-caida`),
//!   tests/data/bgpy_synth1k*.
//! - Live (run when python3 is present): the peer script on fresh synthetic
//!   graphs; the venv is made under target/bgpy-venv with pip if absent.
//! - CAIDA 2025 (`#[ignore]`, slow: ~1 min of BGPy per origin set): several
//!   single origins and an anycast set on ../shared/data/caida/20250901.
//!   Run with `cargo test --test it bgp::caida -- --ignored --nocapture`.

use cdnsim::bgp::{
    AnnounceTo, Announcement, Learned, Lost, Method, NeighbourOverride, OriginPolicy, SolveOptions,
    Step, TieBreak, solve,
};
use cdnsim::topology::{AsGraph, Asn, caida};

fn load_as_rel(p: &Path) -> AsGraph {
    caida::load(p).unwrap().0
}
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A path inside ../shared (see `cdnsim::reference_data`); a path that does
/// not exist when the data is absent, so callers skip.
fn shared(p: &str) -> PathBuf {
    cdnsim::reference_data::shared_dir()
        .unwrap_or_else(|| Path::new(ROOT).join("../shared"))
        .join(p)
}

fn data(p: &str) -> PathBuf {
    Path::new(ROOT).join("tests/data").join(p)
}

/// Compares our routes with a BGPy TSV (`asn\torigin\tas_path`, `-` = none).
/// Returns (ASes compared, mismatch descriptions).
fn compare_with_bgpy(graph: &AsGraph, origins: &[u32], tsv: &str) -> (usize, Vec<String>) {
    let ann = Announcement::from_origins(origins.iter().map(|&o| Asn(o)));
    let routes = solve(graph, &ann, &SolveOptions::default()).expect("solve");
    let mut compared = 0;
    let mut bad = Vec::new();
    let mut seen = 0;
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "bad BGPy line {line:?}");
        let asn: u32 = f[0].parse().expect("asn");
        let Some(i) = graph.idx(Asn(asn)) else {
            bad.push(format!("AS{asn} is in BGPy's output but not in our graph"));
            continue;
        };
        seen += 1;
        compared += 1;
        let ours: Vec<String> = routes
            .as_path(graph, i)
            .iter()
            .map(|a| a.0.to_string())
            .collect();
        let ours = if ours.is_empty() {
            "-".to_string()
        } else {
            ours.join(" ")
        };
        let our_origin = routes
            .route(i)
            .map_or("-".to_string(), |r| graph.asn(r.origin).0.to_string());
        if ours != f[2] || our_origin != f[1] {
            bad.push(format!(
                "AS{asn}: bgpy [{}] origin {}, ours [{ours}] origin {our_origin}",
                f[2], f[1]
            ));
        }
    }
    if seen != graph.len() {
        bad.push(format!(
            "BGPy listed {seen} ASes, our graph has {}",
            graph.len()
        ));
    }
    (compared, bad)
}

fn check(graph: &AsGraph, origins: &[u32], tsv: &str, what: &str) {
    let (n, bad) = compare_with_bgpy(graph, origins, tsv);
    eprintln!("{what}: {n} ASes compared, {} mismatches", bad.len());
    assert!(
        bad.is_empty(),
        "{what}: {} mismatches, first: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    assert!(n > 0);
}

#[test]
fn golden_synthetic_1k_agrees_with_bgpy() {
    let g = load_as_rel(&data("bgpy_synth1k.as-rel.txt"));
    assert_eq!(g.len(), 1000);
    for (file, origins) in [
        ("bgpy_synth1k_anycast.tsv", &[165, 311, 741, 952, 991][..]),
        ("bgpy_synth1k_origin40.tsv", &[40][..]),
        ("bgpy_synth1k_origin500.tsv", &[500][..]),
    ] {
        let tsv = std::fs::read_to_string(data(file)).unwrap();
        check(&g, origins, &tsv, file);
    }
}

// ---------------------------------------------------------------- live BGPy

/// The python of a venv with bgpy-pkg, made under target/ if needed.
fn bgpy_python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| {
        if let Ok(p) = std::env::var("CDNSIM_BGPY_PYTHON") {
            return Some(PathBuf::from(p));
        }
        let venv = Path::new(ROOT).join("target/bgpy-venv");
        let py = venv.join("bin/python");
        let has_bgpy = |py: &Path| {
            Command::new(py)
                .args([
                    "-c",
                    "import importlib.util,sys; sys.exit(importlib.util.find_spec('bgpy') is None)",
                ])
                .status()
                .is_ok_and(|s| s.success())
        };
        if py.exists() && has_bgpy(&py) {
            return Some(py);
        }
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("skipped: python3 not found");
            return None;
        }
        eprintln!("creating {} with bgpy-pkg==13.0.13 ...", venv.display());
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "bgpy-pkg==13.0.13"])
                .status()
                .is_ok_and(|s| s.success());
        if ok && has_bgpy(&py) {
            Some(py)
        } else {
            eprintln!(
                "skipped: could not install bgpy-pkg into {}",
                venv.display()
            );
            None
        }
    })
    .clone()
}

fn peer_script() -> Option<PathBuf> {
    let p = shared("peers/bgpy_anycast.py");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} absent", p.display());
        None
    }
}

/// Runs the peer script; returns its TSV output.
fn run_bgpy(args: &[&str]) -> String {
    let (Some(py), Some(script)) = (bgpy_python(), peer_script()) else {
        unreachable!("callers check first")
    };
    let out = Command::new(py)
        .arg(script)
        .args(args)
        .output()
        .expect("run bgpy");
    assert!(
        out.status.success(),
        "bgpy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn live_synthetic_graphs_agree_with_bgpy() {
    if peer_script().is_none() || bgpy_python().is_none() {
        return;
    }
    let dir = Path::new(ROOT).join("target/bgpy-live");
    std::fs::create_dir_all(&dir).unwrap();
    for (seed, n, k) in [(11u64, 2000u32, 1u32), (12, 3000, 7)] {
        let graph_file = dir.join(format!("synth{seed}.as-rel.txt"));
        let tsv = run_bgpy(&[
            "--n-ases",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
            "--origins",
            &k.to_string(),
            "--write-caida",
            graph_file.to_str().unwrap(),
        ]);
        let g = load_as_rel(&graph_file);
        // The script picks the origins: read them back from its output.
        let mut origins: Vec<u32> = tsv
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').nth(1).and_then(|o| o.parse().ok()))
            .collect();
        origins.sort_unstable();
        origins.dedup();
        check(
            &g,
            &origins,
            &tsv,
            &format!("synthetic seed {seed}, {n} ASes, {k} origins"),
        );
    }
}

#[test]
#[ignore = "slow: about a minute of BGPy per origin set on the 78k-AS graph"]
fn caida_2025_agrees_with_bgpy() {
    let file = shared("data/caida/20250901.as-rel2.txt.bz2");
    if !file.exists() {
        eprintln!("skipped: {} absent", file.display());
        return;
    }
    if peer_script().is_none() || bgpy_python().is_none() {
        return;
    }
    let g = load_as_rel(&file);
    let sets: &[&[u32]] = &[
        &[13335], // Cloudflare (large transit-free content network)
        &[15169], // Google
        &[3356],  // Lumen, tier-1
        &[54257], // a multihomed edge AS
        &[13335, 15169, 16509, 20940, 54113],
    ];
    for set in sets {
        assert!(
            set.iter().all(|&a| g.idx(Asn(a)).is_some()),
            "{set:?} not in the graph"
        );
        let list = set.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let tsv = run_bgpy(&["--caida", file.to_str().unwrap(), "--origin-asns", &list]);
        check(&g, set, &tsv, &format!("CAIDA 20250901, origins {list}"));
    }
}

// ---------------------------------------------------------------- hand-made topologies

/// Builds a graph from `a|b|rel` lines (CAIDA notation).
fn graph(lines: &str) -> AsGraph {
    caida::parse(lines.as_bytes(), "test").unwrap().0
}

fn path(g: &AsGraph, ann: &Announcement, at: u32) -> Vec<u32> {
    let r = solve(g, ann, &SolveOptions::default()).unwrap();
    r.as_path(g, g.idx(Asn(at)).unwrap())
        .iter()
        .map(|a| a.0)
        .collect()
}

fn learned(g: &AsGraph, ann: &Announcement, at: u32) -> Option<Learned> {
    let r = solve(g, ann, &SolveOptions::default()).unwrap();
    r.route(g.idx(Asn(at)).unwrap()).map(|r| r.learned)
}

/// Customer over peer over provider, whatever the lengths.
///
/// ```text
///        1 (provider of 10)
///        |
///  2 --- 10 --- 3        10 peers with 2 and 3... no: 10 has provider 1,
///        |               peer 2, customer 4; the origin 9 hangs below each:
///        4
///  9 is a customer of 1, of 2 and (via 5, 6, 7) of 4:
///  1 -> 9 ; 2 -> 9 ; 4 -> 5 -> 6 -> 7 -> 9
/// ```
/// AS10 hears 9 from its provider (path 10 1 9), its peer (10 2 9) and its
/// customer (10 4 5 6 7 9): the customer route wins although longest.
#[test]
fn customer_over_peer_over_provider() {
    let g = graph("1|10|-1\n2|10|0\n10|4|-1\n1|9|-1\n2|9|-1\n4|5|-1\n5|6|-1\n6|7|-1\n7|9|-1\n");
    let a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 10), vec![10, 4, 5, 6, 7, 9]);
    assert_eq!(learned(&g, &a, 10), Some(Learned::Customer));
    // Without the customer chain, the peer route beats the provider route.
    let g2 = graph("1|10|-1\n2|10|0\n1|9|-1\n2|9|-1\n");
    assert_eq!(path(&g2, &a, 10), vec![10, 2, 9]);
    assert_eq!(learned(&g2, &a, 10), Some(Learned::Peer));
    let r = solve(&g, &a, &SolveOptions::default()).unwrap();
    let e = r.explain(&g, g.idx(Asn(10)).unwrap());
    let lost: Vec<Step> = e
        .alternatives
        .iter()
        .filter_map(|x| match &x.lost {
            Lost::At { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(lost, vec![Step::LocalPref, Step::LocalPref], "{e:?}");
}

/// Within a class the shorter path wins.
///
/// ```text
///        1
///       / \
///      2   3
///      |   |
///      |   4
///       \ /
///        9 (origin)
/// ```
#[test]
fn shorter_path_wins_within_class() {
    let g = graph("1|2|-1\n1|3|-1\n2|9|-1\n3|4|-1\n4|9|-1\n");
    let a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 1), vec![1, 2, 9]);
    let r = solve(&g, &a, &SolveOptions::default()).unwrap();
    let e = r.explain(&g, g.idx(Asn(1)).unwrap());
    match &e.alternatives[0].lost {
        Lost::At { step, reason } => {
            assert_eq!(*step, Step::AsPathLength);
            assert_eq!(reason, "shortest-as-path: 3 hops vs 2");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.render(&g, &r),
        "AS1: best customer route [1 2 9]\n  via AS3 (customer route, 3 hops): shortest-as-path: 3 hops vs 2\n"
    );
}

/// Prepending moves an anycast catchment.
///
/// ```text
///          1 ------- 2        (peers)
///          |         |
///          3         4
///          |         |
///         10 (A)    20 (B)    origins A=10, B=20; 5 is a customer of 1 and 2
///   5 hangs below 1 and 2:  1 -> 5, 2 -> 5
/// ```
/// AS5 hears A as 5 1 3 10 and B as 5 2 4 20: equal, tie-break picks AS1
/// (lower ASN) so A. With A prepending twice, B wins on path length.
#[test]
fn prepending_moves_catchment() {
    let g = graph("1|2|0\n1|3|-1\n2|4|-1\n3|10|-1\n4|20|-1\n1|5|-1\n2|5|-1\n");
    let plain = Announcement::from_origins([Asn(10), Asn(20)]);
    assert_eq!(path(&g, &plain, 5), vec![5, 1, 3, 10]);
    let mut pre = plain.clone();
    pre.origins[0].prepend = 2;
    assert_eq!(path(&g, &pre, 5), vec![5, 2, 4, 20]);
    assert_eq!(
        path(&g, &pre, 3),
        vec![3, 10, 10, 10],
        "prepends show in the path"
    );
    // Prepending toward one neighbour only (AS3) does the same here.
    let mut one = plain.clone();
    one.origins[0].neighbours.push(NeighbourOverride {
        neighbour: Asn(3),
        prepend: Some(1),
        no_export: None,
        local_pref: None,
    });
    assert_eq!(path(&g, &one, 5), vec![5, 2, 4, 20]);
}

/// Selective announcement: only to peers.
///
/// ```text
///    1          (provider of 9)
///    |
///    9 ---- 2   (9 peers with 2; 3 is a customer of 2; 1 peers with nobody)
///           |
///           3
/// ```
#[test]
fn selective_announcement_only_to_peers() {
    let g = graph("1|9|-1\n9|2|0\n2|3|-1\n");
    let mut a = Announcement::from_origins([Asn(9)]);
    a.origins[0].announce_to = AnnounceTo::Peers;
    assert_eq!(path(&g, &a, 2), vec![2, 9]);
    assert_eq!(path(&g, &a, 3), vec![3, 2, 9]);
    assert_eq!(learned(&g, &a, 1), None, "the provider hears nothing");
    a.origins[0].announce_to = AnnounceTo::Providers;
    assert_eq!(path(&g, &a, 1), vec![1, 9]);
    assert_eq!(learned(&g, &a, 2), None);
    a.origins[0].announce_to = AnnounceTo::Only(vec![Asn(2)]);
    assert_eq!(learned(&g, &a, 1), None);
    assert_eq!(path(&g, &a, 3), vec![3, 2, 9]);
}

/// Valley-free export: a peer route goes to customers only.
///
/// ```text
///   5        6           5 is a provider of 2, 6 a peer of 2's... see links:
///   |        :           2 -- 1 peers; 1 -> 9 (origin); 5 -> 2 (provider);
///   2 ------ 1           2 .. 6 peers; 2 -> 7 (customer)
///   |        |
///   7        9
/// ```
/// AS2 learns 9 from its peer 1: it tells its customer 7, not its provider 5
/// nor its other peer 6.
#[test]
fn valley_free_export() {
    let g = graph("2|1|0\n1|9|-1\n5|2|-1\n2|6|0\n2|7|-1\n");
    let a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 2), vec![2, 1, 9]);
    assert_eq!(path(&g, &a, 7), vec![7, 2, 1, 9]);
    assert_eq!(learned(&g, &a, 5), None);
    assert_eq!(learned(&g, &a, 6), None);
}

/// No-export: the neighbour uses the route but does not pass it on.
///
/// ```text
///   3
///   |
///   1      1 is 9's provider, 3 is 1's provider
///   |
///   9
/// ```
#[test]
fn no_export_stops_at_the_neighbour() {
    let g = graph("1|9|-1\n3|1|-1\n");
    let mut a = Announcement::from_origins([Asn(9)]);
    a.origins[0].no_export = true;
    assert_eq!(path(&g, &a, 1), vec![1, 9]);
    assert_eq!(learned(&g, &a, 3), None);
}

/// Loop prevention with a local-pref override: AS1 prefers routes from its
/// provider 2, so it would take 2's route, which goes through AS1 itself.
///
/// ```text
///    2
///    |
///    1
///    |
///    9
/// ```
/// 2 learns 2 1 9 (customer). 1 must not take 1 2 1 9: it keeps 1 9.
#[test]
fn loop_prevention() {
    let g = graph("2|1|-1\n1|9|-1\n");
    let a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 2), vec![2, 1, 9]);
    let r = solve(
        &g,
        &a,
        &SolveOptions {
            method: Method::Reference,
            ..Default::default()
        },
    )
    .unwrap();
    let e = r.explain(&g, g.idx(Asn(1)).unwrap());
    assert_eq!(e.alternatives.len(), 1);
    assert_eq!(e.alternatives[0].lost, Lost::Loop);
}

/// A local-pref override at the origin's neighbour: AS1 (provider of 9)
/// ranks 9's route below peer routes ("backup"), so it uses its peer 2.
///
/// ```text
///   1 ---- 2
///   |      |
///   9      8    9 is customer of 1 and of 8; 8 is a customer of 2
///    \____/
/// ```
#[test]
fn local_pref_override_ranks_below_peers() {
    let g = graph("1|2|0\n1|9|-1\n2|8|-1\n8|9|-1\n");
    let mut a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 1), vec![1, 9]);
    a.origins[0].neighbours.push(NeighbourOverride {
        neighbour: Asn(1),
        prepend: None,
        no_export: None,
        local_pref: Some(150),
    });
    assert_eq!(path(&g, &a, 1), vec![1, 2, 8, 9]);
}

/// Tie-break: lowest neighbour ASN, or router id.
///
/// ```text
///      7   3          both providers of 9; 1 is a provider of 7 and 3
///       \ /
///        9
/// ```
#[test]
fn tie_break_lowest_asn_and_router_id() {
    let g = graph("1|7|-1\n1|3|-1\n7|9|-1\n3|9|-1\n");
    let a = Announcement::from_origins([Asn(9)]);
    assert_eq!(path(&g, &a, 1), vec![1, 3, 9]);
    // Router ids differ by seed; some seed must pick 7.
    let picks: std::collections::BTreeSet<u32> = (0..16)
        .map(|seed| {
            let o = SolveOptions {
                tiebreak: TieBreak::RouterId { seed },
                ..Default::default()
            };
            let r = solve(&g, &a, &o).unwrap();
            r.as_path(&g, g.idx(Asn(1)).unwrap())[1].0
        })
        .collect();
    assert_eq!(picks, [3, 7].into_iter().collect());
}

#[test]
fn bad_origin_is_an_input_error() {
    let g = graph("1|2|-1\n");
    let e = solve(
        &g,
        &Announcement::from_origins([Asn(5)]),
        &SolveOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "origin AS5 is not in the AS graph");
    let mut a = Announcement::from_origins([Asn(1)]);
    a.origins[0].announce_to = AnnounceTo::Only(vec![Asn(3)]);
    let e = solve(&g, &a, &SolveOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "AS3 is not a neighbour of origin AS1");
    let _ = OriginPolicy::plain(Asn(1));
}

#[test]
fn routes_cli_writes_one_row_per_as() {
    let dir = Path::new(ROOT).join("target/bgp-cli-test");
    std::fs::create_dir_all(&dir).unwrap();
    let rel = dir.join("g.as-rel.txt");
    std::fs::write(&rel, "1|2|0\n1|9|-1\n2|8|-1\n7|7|0\n").unwrap();
    let out = dir.join("routes.csv");
    let args = cdnsim::cli::routes::RoutesArgs {
        relationships: rel.clone(),
        origin: vec![9],
        tiebreak: cdnsim::cli::routes::TieBreakArg::LowestAsn,
        seed: 0,
        out: Some(out.clone()),
        timings: false,
    };
    cdnsim::cli::routes::execute(&args).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "asn,as_path,relationship,origin\n1,1 9,customer,9\n2,2 1 9,peer,9\n7,,,\n8,8 2 1 9,provider,9\n9,9,origin,9\n"
    );
    let bad = cdnsim::cli::routes::RoutesArgs {
        origin: vec![4],
        ..args
    };
    let e = cdnsim::cli::routes::execute(&bad).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}
