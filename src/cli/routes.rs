//! `cdnsim routes`: the AS-level route dump of one prefix, for comparison
//! with other simulators (BGPy).
//!
//! One CSV row per AS of the graph, in ASN order: `asn,as_path,relationship,origin`.
//! `as_path` is space-separated, the AS itself first and the origin last;
//! `relationship` is the kind of neighbour the route was learned from
//! (`customer`, `peer`, `provider`, or `origin`). An AS with no route keeps
//! its row with the other three fields empty (BGPy writes `-` there).

use crate::bgp::{Announcement, SolveOptions, TieBreak, solve};
use crate::topology::{AsGraph, Asn};
use crate::{Error, InputError};
use std::io::Write;
use std::path::PathBuf;

/// The tie-break named on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TieBreakArg {
    /// Lowest neighbour ASN (BGPy).
    #[default]
    LowestAsn,
    /// Lowest router id, ids hashed from (--seed, neighbour ASN).
    RouterId,
}

#[derive(clap::Args, Debug, Clone)]
pub struct RoutesArgs {
    /// CAIDA AS-relationship file (serial-1 or serial-2, plain or .bz2).
    #[arg(long, value_name = "FILE")]
    pub relationships: PathBuf,
    /// Announcing AS(es), comma-separated: several = anycast.
    #[arg(
        long,
        value_name = "ASN[,ASN...]",
        value_delimiter = ',',
        required = true
    )]
    pub origin: Vec<u32>,
    /// Last step of the decision process.
    #[arg(long, value_enum, default_value_t = TieBreakArg::LowestAsn)]
    pub tiebreak: TieBreakArg,
    /// Seed of the router-id tie-break.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output CSV (default: stdout).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// Print wall-clock seconds of loading, solving and writing to stderr
    /// (`timings: load_s=.. solve_s=.. write_s=..`), for side-by-side runs.
    #[arg(long)]
    pub timings: bool,
}

/// Runs `cdnsim routes`.
pub fn execute(args: &RoutesArgs) -> crate::Result<()> {
    // Wall time is only reported (--timings), never used by the model.
    let started = std::time::Instant::now();
    let (graph, _report) = crate::topology::caida::load(&args.relationships)?;
    let loaded = started.elapsed();
    for &o in &args.origin {
        if graph.idx(Asn(o)).is_none() {
            return Err(InputError::new(
                "--origin",
                "",
                format!(
                    "AS{o} is not in {} ({} ASes)",
                    args.relationships.display(),
                    graph.len()
                ),
            )
            .into());
        }
    }
    let ann = Announcement::from_origins(args.origin.iter().map(|&o| Asn(o)));
    let opts = SolveOptions {
        tiebreak: match args.tiebreak {
            TieBreakArg::LowestAsn => TieBreak::LowestAsn,
            TieBreakArg::RouterId => TieBreak::RouterId { seed: args.seed },
        },
        ..SolveOptions::default()
    };
    let t = std::time::Instant::now();
    let routes = solve(&graph, &ann, &opts)?;
    let solved = t.elapsed();
    let t = std::time::Instant::now();
    match &args.out {
        Some(p) => {
            let ctx = || format!("writing {}", p.display());
            let f = std::fs::File::create(p).map_err(|e| Error::io(ctx(), e))?;
            let mut w = std::io::BufWriter::new(f);
            write_csv(&graph, &routes, &mut w).map_err(|e| Error::io(ctx(), e))?;
            w.flush().map_err(|e| Error::io(ctx(), e))?;
        }
        None => {
            let out = std::io::stdout();
            let mut w = std::io::BufWriter::new(out.lock());
            write_csv(&graph, &routes, &mut w).map_err(|e| Error::io("writing stdout", e))?;
            w.flush().map_err(|e| Error::io("writing stdout", e))?;
        }
    }
    if args.timings {
        eprintln!(
            "timings: load_s={:.6} solve_s={:.6} write_s={:.6}",
            loaded.as_secs_f64(),
            solved.as_secs_f64(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Writes the route dump (header + one row per AS, ASN order).
pub fn write_csv(
    graph: &AsGraph,
    routes: &crate::bgp::Routes,
    w: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(w, "asn,as_path,relationship,origin")?;
    let mut path = String::new();
    for i in graph.indices() {
        let asn = graph.asn(i).0;
        match routes.route(i) {
            None => writeln!(w, "{asn},,,")?,
            Some(r) => {
                path.clear();
                for (k, a) in routes.path(i).into_iter().enumerate() {
                    if k > 0 {
                        path.push(' ');
                    }
                    path.push_str(&graph.asn(a).0.to_string());
                }
                writeln!(w, "{asn},{path},{},{}", r.learned, graph.asn(r.origin).0)?;
            }
        }
    }
    Ok(())
}
