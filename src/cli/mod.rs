//! The command line: one module per verb. Each command returns a
//! [`crate::Result`]; `main` prints errors on one line and exits with
//! [`crate::Error::exit_code`].

pub mod cache;
pub mod catchment;
pub mod compare;
pub mod interrupt;
pub mod latency;
pub mod routes;
pub mod run;
pub mod sweep;
pub mod topology;
pub mod validate;

use clap::{Parser, Subcommand};

pub const EXIT_CODES: &str = "Exit codes: 0 success; 1 runtime failure; 2 invalid input (scenario, topology, trace or flags); 130 interrupted (Ctrl-C), nothing written.";

#[derive(Parser, Debug)]
#[command(name = "cdnsim", version, about = "Discrete-event simulator of anycast CDNs", after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write its results folder.
    Run(run::RunArgs),
    /// Check scenario files without running them.
    Validate(validate::ValidateArgs),
    /// Model round-trip time between two places, or for a CSV of pairs.
    Latency(latency::LatencyArgs),
    /// Inspect or generate AS topologies.
    #[command(subcommand)]
    Topology(topology::TopologyCommand),
    /// Replay a request trace through one cache.
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Anycast catchments of a scenario's client groups (no traffic).
    Catchment(catchment::CatchmentArgs),
    /// AS-level routes for one prefix (comparable with other BGP simulators).
    Routes(routes::RoutesArgs),
    /// Compare run folders: headline metrics side by side and overlay plots.
    Compare(compare::CompareArgs),
    /// Run a parameter sweep (or one shard of it), or merge shard outputs.
    Sweep(sweep::SweepArgs),
}

/// Runs a parsed command line.
pub fn execute(cli: &Cli) -> crate::Result<()> {
    match &cli.command {
        Command::Run(a) => run::execute(a),
        Command::Validate(a) => validate::execute(a),
        Command::Latency(a) => latency::execute(a),
        Command::Topology(c) => topology::execute(c),
        Command::Routes(a) => routes::execute(a),
        Command::Catchment(a) => catchment::execute(a),
        Command::Cache(c) => cache::execute(c),
        Command::Compare(a) => compare::execute(a),
        Command::Sweep(a) => sweep::execute(a),
    }
}
