//! `cdnsim compare DIR DIR ...`: headline metrics side by side and overlay
//! plots of several run folders, written to a folder of their own.

use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Run folders written by `cdnsim run` (two or more).
    #[arg(required = true, num_args = 2..)]
    pub dirs: Vec<PathBuf>,
    /// Output folder [default: results/compare-<label>-vs-<label>...].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn execute(args: &CompareArgs) -> crate::Result<()> {
    let dirs: Vec<&Path> = args.dirs.iter().map(PathBuf::as_path).collect();
    let out = args.out.clone().unwrap_or_else(|| {
        let labels = crate::report::compare::labels(&dirs);
        PathBuf::from("results").join(format!("compare-{}", labels.join("-vs-")))
    });
    let c = crate::report::compare::compare(&dirs, &out)?;
    print!("{}", c.text);
    println!("  results: {}", c.dir.display());
    Ok(())
}
