//! Command-line subcommands (the lead wires them into `main`).

pub mod latency;
