//! `cdnsim validate FILE...`: read and validate scenarios (and sweep files,
//! recognised by their top-level `scenario` key), run nothing.

use crate::scenario::{load_file, validate};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files (TOML, or JSON by extension), or sweep files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Prints `ok FILE` per valid file and one error line per invalid one;
/// fails with the first error (exit 2) after checking every file.
pub fn execute(args: &ValidateArgs) -> crate::Result<()> {
    let mut first_err = None;
    for f in &args.files {
        if crate::sweep::spec::is_sweep_file(f) {
            match crate::sweep::spec::load(f, &[])
                .and_then(|(sw, src)| crate::sweep::check(&sw, &src).map(|()| sw))
            {
                Ok(sw) => println!("ok {} (sweep of {} points)", f.display(), sw.points.len()),
                Err(e) => {
                    if first_err.is_some() {
                        eprintln!("{e}");
                    }
                    first_err.get_or_insert(e);
                }
            }
            continue;
        }
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
