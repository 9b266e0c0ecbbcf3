//! Integration tests: one binary, a module per behaviour (STYLE.md #14).

mod cli;
mod determinism;
mod geo;
mod report;
mod scenarios;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built `cdnsim` binary with `args` from the repository root.
pub fn cdnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("cdnsim binary runs")
}

/// A fresh temporary folder for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cdnsim-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
