//! The `cdnsim` command. Everything lives in the library; this file only
//! turns errors into one-line messages and exit codes: 0 ok, 1 runtime
//! failure, 2 invalid input (scenario, topology, trace or flags).

use cdnsim::cli::{Cli, execute};
use clap::Parser;
use clap::error::ErrorKind;

fn main() {
    std::process::exit(cdnsim_main());
}

fn cdnsim_main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    }
                }
                _ => {
                    // clap's message spans several lines; keep its first.
                    let text = e.render().to_string();
                    let line = text
                        .lines()
                        .next()
                        .unwrap_or("invalid arguments")
                        .trim_start_matches("error: ");
                    eprintln!("cdnsim: {line} (see 'cdnsim --help')");
                    2
                }
            };
        }
    };
    match execute(&cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}
