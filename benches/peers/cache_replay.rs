//! `cdnsim cache replay` as a stand-alone example binary, for the
//! side-by-side peer script (benches/peers/side_by_side.sh) while the main
//! `cdnsim` binary is wired up: same arguments, same code path
//! (`cdnsim::cli::cache::execute`).
//!
//! cargo run --release --example cache_replay -- replay --trace FILE --policy lru --capacity 128MiB

use cdnsim::cli::cache::{CacheCommand, execute};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: CacheCommand,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = execute(&cli.cmd) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
