//! `cdnsim validate FILE...`: read and validate scenarios, run nothing.

use crate::scenario::{load_file, validate};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files (TOML, or JSON by extension).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Prints `ok FILE` per valid file and one error line per invalid one;
/// fails with the first error (exit 2) after checking every file.
pub fn execute(args: &ValidateArgs) -> crate::Result<()> {
    let mut first_err = None;
    for f in &args.files {
        let machine = crate::scenario::memory::machine();
        let checked = load_file(f, &[]).and_then(|l| {
            let cfg = validate(&l)?;
            crate::scenario::memory::check(&cfg, &l.locator, &machine)
        });
        match checked {
            Ok(_) => println!("ok {}", f.display()),
            Err(e) => {
                if first_err.is_some() {
                    eprintln!("{e}");
                }
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
