//! `cdnsim topology info|generate`.

use crate::error::{Error, InputError};
use crate::geo::{Cities, CityId};
use crate::rng::Streams;
use crate::topology::geography::{Geography, city_token};
use crate::topology::stats::{self, Summary};
use crate::topology::{AsGraph, caida, generate};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Inspect or generate AS topologies.
#[derive(clap::Subcommand, Debug)]
pub enum TopologyCommand {
    /// Summarise an AS-relationship file: ASes, links by type, clique,
    /// largest customer cones, components, load warnings, and footprint
    /// statistics when a geography is given (or --place).
    Info(InfoArgs),
    /// Generate a synthetic Internet: writes PREFIX.as-rel.txt (CAIDA
    /// serial-1) and PREFIX.geo (geography file).
    Generate(GenerateArgs),
}

#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// CAIDA as-rel file: serial-1 or serial-2, plain or bzip2.
    pub file: PathBuf,
    /// Geography file (`as|ASN|CITY;...` lines); ASes it omits are placed
    /// by the heuristic.
    #[arg(long, value_name = "GEOFILE")]
    pub geo: Option<PathBuf>,
    /// Without --geo: place every AS with the heuristic and report footprints.
    #[arg(long)]
    pub place: bool,
    /// Seed of the placement heuristic and of the path-length sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many of the largest customer cones to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Sample AS-path lengths from this many source ASes (0: skip).
    #[arg(long, default_value_t = 0)]
    pub paths: usize,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Number of ASes (10..=200000).
    #[arg(long)]
    pub ases: usize,
    /// Seed; the same seed and city table give the same world.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output prefix: writes PREFIX.as-rel.txt and PREFIX.geo.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

pub fn execute(cmd: &TopologyCommand) -> crate::Result<()> {
    let text = match cmd {
        TopologyCommand::Info(a) => info(a)?,
        TopologyCommand::Generate(a) => generate_files(a)?,
    };
    print!("{text}");
    Ok(())
}

fn pct(x: usize, of: usize) -> String {
    format!("{:.1}%", 100.0 * x as f64 / of.max(1) as f64)
}

fn summary_line(s: &Summary) -> String {
    format!(
        "mean {:.2}, p50 {}, p90 {}, p99 {}, max {}",
        s.mean, s.p50, s.p90, s.p99, s.max
    )
}

/// The report `topology info` prints.
pub fn info(args: &InfoArgs) -> crate::Result<String> {
    let (g, report) = caida::load(&args.file)?;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "file: {} ({}, {}, {} link lines)",
        args.file.display(),
        match report.serial {
            caida::Serial::One => "serial-1",
            caida::Serial::Two => "serial-2",
        },
        if report.compressed { "bzip2" } else { "plain" },
        report.link_lines
    );
    let _ = writeln!(o, "ASes: {}", g.len());
    let _ = writeln!(
        o,
        "links: {} (p2c {}, p2p {}, sibling {})",
        g.p2c_links() + g.p2p_links() + g.sibling_links(),
        g.p2c_links(),
        g.p2p_links(),
        g.sibling_links()
    );
    let clique: Vec<String> = g.clique.iter().map(|a| a.0.to_string()).collect();
    let _ = writeln!(o, "clique ({}): {}", clique.len(), clique.join(" "));
    let st = stats::compute(&g, args.paths, args.seed);
    let cones = stats::customer_cone_sizes(&g);
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cones[i]), i));
    let _ = writeln!(o, "largest customer cones:");
    for &i in order.iter().take(args.top) {
        let a = crate::topology::AsIdx(i as u32);
        let _ = writeln!(
            o,
            "  {:<10} cone {:>6} ({:>5} of ASes)  customers {}, peers {}, providers {}",
            g.asn(a).to_string(),
            cones[i],
            pct(cones[i] as usize, g.len()),
            g.customers(a).len(),
            g.peers(a).len(),
            g.providers(a).len()
        );
    }
    let _ = writeln!(
        o,
        "components: {} (largest {} ASes)",
        st.components, st.largest_component
    );
    let _ = writeln!(o, "degree: {}", summary_line(&st.degree));
    let _ = writeln!(
        o,
        "customer cone: {}; stubs (no customers) {}",
        summary_line(&st.cone),
        pct((st.stub_share * g.len() as f64).round() as usize, g.len())
    );
    if st.path_sources > 0 {
        let _ = writeln!(
            o,
            "AS-path length from {} sampled sources: valley-free mean {:.2} hops ({} of pairs without a valley-free path), plain mean {:.2} hops",
            st.path_sources,
            st.valley_free.mean,
            pct(
                st.valley_free.unreachable as usize,
                (st.valley_free.unreachable + st.valley_free.counts.iter().sum::<u64>()) as usize
            ),
            st.plain.mean
        );
    }
    let warnings = report.warnings();
    let _ = writeln!(o, "load warnings: {}", warnings.len());
    for w in &warnings {
        let _ = writeln!(o, "  {w}");
    }
    if args.geo.is_some() || args.place {
        let cities = Cities::embedded();
        let streams = Streams::new(args.seed);
        let (geo, source) = match &args.geo {
            Some(p) => {
                let (geo, r) = Geography::load(p, &g, &cities, &streams)?;
                let s = format!(
                    "{}: {} ASes from the file, {} placed by the heuristic (seed {}), {} explicit link(s)",
                    p.display(),
                    r.from_file,
                    r.placed,
                    args.seed,
                    r.explicit_links
                );
                (geo, s)
            }
            None => (
                Geography::place(&g, &cities, &streams),
                format!("placement heuristic, seed {}", args.seed),
            ),
        };
        o.push_str(&footprint_report(&g, &geo, &cities, &source));
    }
    Ok(o)
}

/// Footprint statistics of a geography.
pub fn footprint_report(g: &AsGraph, geo: &Geography, cities: &Cities, source: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "geography: {source}");
    let mut sizes: Vec<u64> = g.indices().map(|i| geo.footprint(i).len() as u64).collect();
    let mut per_city = vec![0usize; cities.len()];
    for i in g.indices() {
        for c in geo.footprint(i) {
            per_city[c.0 as usize] += 1;
        }
    }
    let used = per_city.iter().filter(|&&n| n > 0).count();
    let bins = [(1, 1), (2, 4), (5, 16), (17, u64::MAX)];
    let bin_text: Vec<String> = bins
        .iter()
        .map(|&(lo, hi)| {
            let n = sizes.iter().filter(|&&s| s >= lo && s <= hi).count();
            let label = match (lo, hi) {
                (1, 1) => "1".to_string(),
                (l, u64::MAX) => format!("{l}+"),
                (l, h) => format!("{l}-{h}"),
            };
            format!("{label}: {n}")
        })
        .collect();
    let _ = writeln!(
        o,
        "footprint [cities]: {}; ASes by size {}",
        summary_line(&Summary::of(&mut sizes)),
        bin_text.join(", ")
    );
    let mut busiest: Vec<(usize, CityId)> = per_city
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, CityId(i as u32)))
        .collect();
    busiest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let top: Vec<String> = busiest
        .iter()
        .take(5)
        .map(|&(n, c)| format!("{} ({n})", city_token(cities, c)))
        .collect();
    let _ = writeln!(
        o,
        "cities used: {used} of {}; most ASes: {}",
        cities.len(),
        top.join(", ")
    );
    let (mut shared, mut total, mut ic) = (0usize, 0usize, 0usize);
    for (a, b, _) in g.links() {
        let cs = geo.interconnections(a, b);
        total += 1;
        ic += cs.len();
        if cs
            .iter()
            .all(|c| geo.footprint(a).contains(c) && geo.footprint(b).contains(c))
        {
            shared += 1;
        }
    }
    let _ = writeln!(
        o,
        "interconnections: {:.2} cities per link; {} of links meet in cities both ASes are in",
        ic as f64 / total.max(1) as f64,
        pct(shared, total)
    );
    o
}

/// `topology generate`: writes the two files, returns what it did.
pub fn generate_files(args: &GenerateArgs) -> crate::Result<String> {
    let cities = Cities::embedded();
    let w = generate::generate(args.ases, args.seed, &cities)?;
    let header = format!(
        "generated by: cdnsim topology generate --ases {} --seed {} (city table: {} cities)",
        args.ases,
        args.seed,
        cities.len()
    );
    let rel_path = with_suffix(&args.out, ".as-rel.txt");
    let geo_path = with_suffix(&args.out, ".geo");
    let mut rel = Vec::new();
    caida::write_serial1(&w.graph, &header, &mut rel).map_err(|e| Error::io("formatting", e))?;
    let mut geo = Vec::new();
    w.geography
        .write(&w.graph, &cities, &header, &w.ixp_links, &mut geo)
        .map_err(|e| Error::io("formatting", e))?;
    write_file(&rel_path, &rel)?;
    write_file(&geo_path, &geo)?;
    let k = generate::kind_counts(args.ases);
    Ok(format!(
        "wrote {} ({} ASes: {} Tier-1, {} transit, {} access, {} stub; {} p2c, {} p2p links) and {} ({} IXPs, {} IXP peering links)\n",
        rel_path.display(),
        w.graph.len(),
        k[0],
        k[1],
        k[2],
        k[3],
        w.graph.p2c_links(),
        w.graph.p2p_links(),
        geo_path.display(),
        w.ixps.len(),
        w.ixp_links.len()
    ))
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn write_file(path: &Path, bytes: &[u8]) -> crate::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        return Err(InputError::new(
            path.display().to_string(),
            "",
            format!("directory {} does not exist", dir.display()),
        )
        .into());
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}
