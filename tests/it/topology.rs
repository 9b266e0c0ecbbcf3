//! AS topology: CAIDA loading, geography files, the generator, `topology` CLI.

use cdnsim::Error;
use cdnsim::cli::topology::{GenerateArgs, InfoArgs, TopologyCommand, generate_files, info};
use cdnsim::geo::Cities;
use cdnsim::rng::Streams;
use cdnsim::topology::generate::{AsKind, generate};
use cdnsim::topology::stats::{self, component_sizes};
use cdnsim::topology::{Asn, Geography, caida};
use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A file of the shared reference data, if present (`../shared/data`, or
/// `../../shared/data` from a worktree one level deeper).
fn data(rel: &str) -> Option<PathBuf> {
    cdnsim::reference_data::file(rel)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cdnsim-it-topology-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn shipped(name: &str) -> PathBuf {
    Path::new(ROOT).join("topologies").join(name)
}

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: TopologyCommand,
}

fn info_args(file: &Path, geo: Option<&Path>) -> InfoArgs {
    InfoArgs {
        file: file.to_path_buf(),
        geo: geo.map(Path::to_path_buf),
        place: false,
        seed: 1,
        top: 5,
        paths: 0,
    }
}

#[test]
fn caida_2025_info_reports_the_published_counts() {
    let Some(p) = data("caida/20250901.as-rel2.txt.bz2") else {
        eprintln!("skipped: ../shared/data/caida/20250901.as-rel2.txt.bz2 is absent");
        return;
    };
    let out = info(&info_args(&p, None)).unwrap();
    assert!(
        out.contains("(serial-2, bzip2, 570696 link lines)"),
        "{out}"
    );
    assert!(out.contains("\nASes: 78643\n"), "{out}");
    assert!(
        out.contains("\nlinks: 570696 (p2c 161166, p2p 409530, sibling 0)\n"),
        "{out}"
    );
    assert!(out.contains("\nclique (19): 174 209 286 701 1239 1299 2828 2914 3257 3320 3356 3491 5511 6453 6461 6762 6830 7018 12956\n"), "{out}");
    assert!(out.contains("\ncomponents: 1 "), "{out}");
}

#[test]
fn caida_old_file_uses_inferred_clique() {
    let Some(p) = data("caida/19980101.as-rel.txt.bz2") else {
        eprintln!("skipped: ../shared/data/caida/19980101.as-rel.txt.bz2 is absent");
        return;
    };
    let (g, r) = caida::load(&p).unwrap();
    assert_eq!(r.serial, caida::Serial::One);
    assert_eq!((g.len(), g.p2c_links(), g.p2p_links()), (3233, 4921, 852));
    assert_eq!(g.clique.len(), 9);
    assert_eq!(g.clique[0], Asn(1));
}

#[test]
fn bz2_and_plain_load_the_same_graph() {
    let text = std::fs::read(shipped("tiny.as-rel.txt")).unwrap();
    let plain = tmp("tiny-plain.txt");
    std::fs::write(&plain, &text).unwrap();
    // A misleading name on purpose: detection is by magic bytes.
    let packed = tmp("tiny-packed.txt");
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(&text).unwrap();
    std::fs::write(&packed, enc.finish().unwrap()).unwrap();
    let (a, ra) = caida::load(&plain).unwrap();
    let (b, rb) = caida::load(&packed).unwrap();
    assert!(!ra.compressed && rb.compressed);
    assert_eq!(a.links(), b.links());
    assert_eq!(a.clique, vec![Asn(1), Asn(2)]);
    assert_eq!(a.clique, b.clique);
}

#[test]
fn malformed_topology_file_is_an_input_error_with_its_line() {
    let p = tmp("bad.as-rel.txt");
    std::fs::write(&p, "# input clique: 1 2\n1|2|0\n1|3|-2\n").unwrap();
    let e = caida::load(&p).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(matches!(e, Error::Input(_)));
    let msg = e.to_string();
    assert!(msg.ends_with("bad.as-rel.txt:3: relationship \"-2\" is not one of -1 (as1 is a provider of as2), 0 (peers), 2 (siblings)"), "{msg}");
    let corrupt = tmp("corrupt.bz2");
    std::fs::write(&corrupt, b"BZh91AY&SYgarbage").unwrap();
    assert_eq!(caida::load(&corrupt).unwrap_err().exit_code(), 2);
}

#[test]
fn p2c_cycle_is_a_warning_in_info() {
    let p = tmp("cycle.as-rel.txt");
    std::fs::write(&p, "1|2|-1\n2|3|-1\n3|1|-1\n3|4|-1\n4|4|0\n").unwrap();
    let out = info(&info_args(&p, None)).unwrap();
    assert!(out.contains("load warnings: 2\n"), "{out}");
    assert!(
        out.contains("1 provider-customer cycle(s) kept, 3 ASes involved (e.g. {1 2 3})"),
        "{out}"
    );
    assert!(out.contains("1 self-link(s) dropped (e.g. AS4)"), "{out}");
}

#[test]
fn tiny_topology_loads_with_its_geography() {
    let (g, r) = caida::load(&shipped("tiny.as-rel.txt")).unwrap();
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    assert_eq!(g.len(), 12);
    assert!(g.p2c_cycles().is_empty());
    assert_eq!(component_sizes(&g), vec![12]);
    let cities = Cities::embedded();
    let (geo, rep) = Geography::load(&shipped("tiny.geo"), &g, &cities, &Streams::new(1)).unwrap();
    assert_eq!((rep.from_file, rep.placed, rep.explicit_links), (12, 0, 1));
    let i = |a| g.idx(Asn(a)).unwrap();
    let c = |q| cities.lookup(q).unwrap();
    assert_eq!(geo.interconnections(i(10), i(11)), &[c("JFK")]);
    assert_eq!(geo.interconnections(i(200), i(21)), &[c("DEN")]);
    assert_eq!(geo.interconnections(i(101), i(21)), &[c("PHX")]);
    // AS12 (SIN Tokyo SYD BOM) and AS2 (... BOM SYD ...) share two cities.
    let mut both = vec![c("BOM"), c("SYD")];
    both.sort();
    assert_eq!(geo.interconnections(i(2), i(12)), both.as_slice());
    let out = info(&info_args(
        &shipped("tiny.as-rel.txt"),
        Some(&shipped("tiny.geo")),
    ))
    .unwrap();
    assert!(out.contains("geography: "), "{out}");
    assert!(out.contains("12 ASes from the file, 0 placed"), "{out}");
}

#[test]
fn bad_geography_file_is_an_input_error_with_its_line() {
    let (g, _) = caida::load(&shipped("tiny.as-rel.txt")).unwrap();
    let p = tmp("bad.geo");
    std::fs::write(&p, "# x\nas|1|FRA\nas|2|Atlantis,XX\n").unwrap();
    let e = Geography::load(&p, &g, &Cities::embedded(), &Streams::new(1)).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .contains("bad.geo:3: unknown city \"Atlantis,XX\" ("),
        "{e}"
    );
    let args = info_args(&shipped("tiny.as-rel.txt"), Some(&p));
    assert_eq!(info(&args).unwrap_err().exit_code(), 2);
}

#[test]
fn generator_invariants_at_2000_ases() {
    let cities = Cities::embedded();
    let w = generate(2000, 11, &cities).unwrap();
    let g = &w.graph;
    assert_eq!(g.len(), 2000);
    assert!(g.p2c_cycles().is_empty(), "no p2c cycles");
    assert_eq!(component_sizes(g), vec![2000], "connected");
    for i in g.indices() {
        assert!(
            !w.geography.footprint(i).is_empty(),
            "{} has a footprint",
            g.asn(i)
        );
        if w.kinds[i.ix()] == AsKind::Stub {
            assert_eq!(w.geography.footprint(i).len(), 1);
        }
    }
    let again = generate(2000, 11, &cities).unwrap();
    assert_eq!(again.graph.links(), g.links(), "same seed, same world");
    assert_eq!(again.geography, w.geography);
    let st = stats::compute(g, 20, 1);
    assert_eq!(
        st.valley_free.unreachable, 0,
        "every pair has a valley-free path"
    );
}

#[test]
fn generate_command_writes_files_that_load_back() {
    let prefix = tmp("gen");
    let cli = Cli::try_parse_from([
        "topology",
        "generate",
        "--ases",
        "500",
        "--seed",
        "3",
        "--out",
        prefix.to_str().unwrap(),
    ])
    .unwrap();
    let TopologyCommand::Generate(args) = &cli.cmd else {
        panic!("parsed as generate")
    };
    let msg = generate_files(args).unwrap();
    assert!(msg.contains("500 ASes"), "{msg}");
    let cities = Cities::embedded();
    let w = generate(500, 3, &cities).unwrap();
    let (g, r) = caida::load(&tmp("gen.as-rel.txt")).unwrap();
    assert!(r.warnings().is_empty());
    assert_eq!(g.links(), w.graph.links());
    assert_eq!(g.clique, w.graph.clique);
    let (geo, rep) = Geography::load(&tmp("gen.geo"), &g, &cities, &Streams::new(99)).unwrap();
    assert_eq!(rep.placed, 0);
    assert_eq!(geo, w.geography);
    let bad = GenerateArgs {
        ases: 500,
        seed: 3,
        out: tmp("no/such/dir/x"),
    };
    assert_eq!(generate_files(&bad).unwrap_err().exit_code(), 2);
}

#[test]
fn shipped_world_3k_is_what_the_command_generates() {
    let rel = shipped("world-3k.as-rel.txt");
    let geo = shipped("world-3k.geo");
    let prefix = tmp("world-3k");
    generate_files(&GenerateArgs {
        ases: 3000,
        seed: 1,
        out: prefix.clone(),
    })
    .unwrap();
    let fresh_rel = std::fs::read_to_string(tmp("world-3k.as-rel.txt")).unwrap();
    let fresh_geo = std::fs::read_to_string(tmp("world-3k.geo")).unwrap();
    let regen =
        "regenerate with: cdnsim topology generate --ases 3000 --seed 1 --out topologies/world-3k";
    assert!(
        std::fs::read_to_string(&rel).unwrap() == fresh_rel,
        "topologies/world-3k.as-rel.txt is stale; {regen}"
    );
    assert!(
        std::fs::read_to_string(&geo).unwrap() == fresh_geo,
        "topologies/world-3k.geo is stale; {regen}"
    );
}

/// Writes topologies/world-3k.* (the command, without the binary).
#[test]
#[ignore = "writes into topologies/; run on purpose"]
fn regenerate_world_3k() {
    let msg = generate_files(&GenerateArgs {
        ases: 3000,
        seed: 1,
        out: shipped("world-3k"),
    })
    .unwrap();
    print!("{msg}");
}

/// Prints the statistics table of docs/topology.md:
/// `cargo test --release --test it -- --ignored topology_stats_table --nocapture`
#[test]
#[ignore = "slow; produces the docs table"]
fn topology_stats_table() {
    let sources = 200;
    let mut cols = Vec::new();
    for (name, file) in [
        ("CAIDA 2025-09", "caida/20250901.as-rel2.txt.bz2"),
        ("CAIDA 2018-01", "caida/20180101.as-rel.txt.bz2"),
    ] {
        match data(file) {
            Some(p) => {
                let (g, _) = caida::load(&p).unwrap();
                cols.push((name.to_string(), stats::compute(&g, sources, 1)));
            }
            None => eprintln!("skipped column {name}: {file} is absent"),
        }
    }
    let cities = Cities::embedded();
    for n in [3_000, 30_000, 100_000] {
        let w = generate(n, 1, &cities).unwrap();
        cols.push((
            format!("generated {}k", n / 1000),
            stats::compute(&w.graph, sources, 1),
        ));
    }
    let refs: Vec<(&str, &stats::TopologyStats)> =
        cols.iter().map(|(n, s)| (n.as_str(), s)).collect();
    println!("{}", stats::markdown_table(&refs));
}
