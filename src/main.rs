//! The `cdnsim` command. Everything lives in the library; this file only
//! turns errors into one-line messages and exit codes: 0 ok, 1 runtime
//! failure, 2 invalid input (scenario, topology, trace or flags), 130
//! interrupted by Ctrl-C (nothing written).

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
                    eprintln!("cdnsim: {} (see 'cdnsim --help')", clap_one_line(&e));
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

/// clap's message on one line: its first line plus the indented detail
/// lines that follow (e.g. the missing arguments), without the usage.
fn clap_one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let mut out = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .trim_end()
        .to_string();
    for l in lines.take_while(|l| l.starts_with("  ")) {
        out.push(' ');
        out.push_str(l.trim());
    }
    out.trim_end_matches(':').to_string()
}
