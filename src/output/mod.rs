//! Run folders: written whole or not at all.
//!
//! A run writes into a hidden sibling `.<name>.partial-<pid>` and renames it
//! into place only when every file is written, so an interrupted run never
//! leaves a folder that looks complete. A previous complete result in the
//! final folder is replaced only at that last step.

pub mod events;
pub mod steering;
pub mod summary;

use crate::error::Error;
use std::path::{Path, PathBuf};

/// A run folder being written.
pub struct RunDir {
    final_dir: PathBuf,
    tmp_dir: PathBuf,
    committed: bool,
}

impl RunDir {
    /// Starts writing a folder that will become `final_dir`.
    pub fn create(final_dir: &Path) -> Result<RunDir, Error> {
        let parent = final_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = final_dir
            .file_name()
            .ok_or_else(|| {
                crate::error::InputError::new(
                    "--out",
                    "",
                    format!(
                        "output folder {} has no name (expected a folder path such as results/run1)",
                        final_dir.display()
                    ),
                )
            })?
            .to_string_lossy()
            .to_string();
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        let tmp_dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp_dir.exists() {
            std::fs::remove_dir_all(&tmp_dir)
                .map_err(|e| Error::io(format!("removing {}", tmp_dir.display()), e))?;
        }
        std::fs::create_dir(&tmp_dir)
            .map_err(|e| Error::io(format!("creating {}", tmp_dir.display()), e))?;
        Ok(RunDir {
            final_dir: final_dir.to_path_buf(),
            tmp_dir,
            committed: false,
        })
    }

    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// The folder being written (for run folders nested inside it).
    pub fn path(&self) -> &Path {
        &self.tmp_dir
    }

    /// Writes one file into the folder.
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), Error> {
        let p = self.tmp_dir.join(file);
        std::fs::write(&p, bytes).map_err(|e| Error::io(format!("writing {}", p.display()), e))
    }

    /// Moves the finished folder into place, replacing an older result.
    pub fn commit(mut self) -> Result<PathBuf, Error> {
        let io = |what: &str, p: &Path, e| Error::io(format!("{what} {}", p.display()), e);
        if self.final_dir.exists() {
            let old = self.tmp_dir.with_extension("old");
            std::fs::rename(&self.final_dir, &old)
                .map_err(|e| io("moving aside", &self.final_dir, e))?;
            std::fs::rename(&self.tmp_dir, &self.final_dir)
                .map_err(|e| io("renaming into", &self.final_dir, e))?;
            std::fs::remove_dir_all(&old).map_err(|e| io("removing", &old, e))?;
        } else {
            std::fs::rename(&self.tmp_dir, &self.final_dir)
                .map_err(|e| io("renaming into", &self.final_dir, e))?;
        }
        self.committed = true;
        Ok(self.final_dir.clone())
    }
}

impl Drop for RunDir {
    /// An abandoned folder (error, or Ctrl-C handled by the caller) is removed.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp_dir);
        }
    }
}

/// Serializes rows as CSV with a header.
pub fn csv_bytes<T: serde::Serialize>(rows: &[T]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::Runtime(format!("CSV serialization: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::Runtime(format!("CSV serialization: {e}")))
}

/// Rounds to `digits` decimals so outputs stay readable (and stable).
pub fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    // `+ 0.0` turns -0.0 (e.g. an empty f64 sum) into 0.0.
    (x * k).round() / k + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_folder_leaves_nothing_and_commit_replaces() {
        let base = std::env::temp_dir().join(format!("cdnsim-rundir-{}", std::process::id()));
        let target = base.join("run");
        {
            let d = RunDir::create(&target).unwrap();
            d.write("summary.json", b"{}").unwrap();
            // dropped without commit
        }
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_dir(&base).unwrap().count(),
            0,
            "no partial folder left"
        );
        let d = RunDir::create(&target).unwrap();
        d.write("a", b"1").unwrap();
        d.commit().unwrap();
        let d = RunDir::create(&target).unwrap();
        d.write("b", b"2").unwrap();
        d.commit().unwrap();
        assert!(target.join("b").exists() && !target.join("a").exists());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
