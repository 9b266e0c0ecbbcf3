//! Command-line subcommands (the lead merges this with the main CLI).

pub mod topology;
