//! `cdnsim sweep FILE --emit-slurm DIR`: sbatch scripts that run a sweep
//! as a Slurm job array (task K runs `--shard K/N`) and a merge job that
//! starts when every task succeeded (`--dependency=afterok`).
//!
//! The scripts use absolute paths (this binary, the sweep file, the output
//! folder), so the output folder must be on a file system every node sees.

use super::spec::Sweep;
use crate::error::Error;
use std::path::{Path, PathBuf};

/// Largest array the emitted script asks for (Slurm's default
/// MaxArraySize is 1001).
pub const MAX_SHARDS: usize = 1000;

pub struct Emit {
    /// Folder for the scripts and the jobs' logs.
    pub dir: PathBuf,
    /// Array size (shards).
    pub shards: usize,
    /// CPUs per task; each task runs its shard with that many jobs.
    pub cpus: usize,
    /// Extra `#SBATCH` options, e.g. `--partition=short`, `--time=1:00:00`.
    pub sbatch: Vec<String>,
    /// The cdnsim binary the jobs run.
    pub cdnsim: PathBuf,
    /// The sweep file.
    pub file: PathBuf,
    /// The sweep's output folder.
    pub out: PathBuf,
    /// `--set` arguments given to the sweep.
    pub sets: Vec<String>,
}

/// Single-quotes a word for bash.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn abs(p: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(p).map_err(|e| Error::io(format!("resolving {}", p.display()), e))
}

fn q(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// Writes `array.sbatch`, `merge.sbatch` and `submit.sh` into `e.dir`
/// (and creates `logs/`); returns the path of `submit.sh`.
pub fn emit(sweep: &Sweep, e: &Emit) -> Result<PathBuf, Error> {
    let dir = abs(&e.dir)?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)
        .map_err(|x| Error::io(format!("creating {}", logs.display()), x))?;
    let (cdnsim, file, out, cwd) = (
        abs(&e.cdnsim)?,
        abs(&e.file)?,
        abs(&e.out)?,
        abs(Path::new("."))?,
    );
    let n = e.shards;
    let extra: String = e.sbatch.iter().map(|o| format!("#SBATCH {o}\n")).collect();
    let sets: String = e
        .sets
        .iter()
        .map(|s| format!(" --set {}", quote(s)))
        .collect();
    let array = format!(
        "#!/bin/bash
# Sweep {name}: {points} points in {n} shards, one array task per shard
# (point i runs in shard i mod {n} + 1). Written by `cdnsim sweep --emit-slurm`;
# submit with submit.sh, which also queues the merge.
#SBATCH --job-name=cdnsim-{name}
#SBATCH --array=1-{n}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={cpus}
#SBATCH --output={logs}/shard-%a.out
{extra}set -euo pipefail
cd {cwd}
exec {cdnsim} sweep {file} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --jobs \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --out {out} --quiet{sets}
",
        name = sweep.name,
        points = sweep.points.len(),
        cpus = e.cpus,
        logs = logs.display(),
        cwd = q(&cwd),
        cdnsim = q(&cdnsim),
        file = q(&file),
        out = q(&out),
    );
    let merge = format!(
        "#!/bin/bash
# Merge of sweep {name}: writes sweep.csv and plots/ once every shard succeeded.
#SBATCH --job-name=cdnsim-{name}-merge
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output={logs}/merge.out
{extra}set -euo pipefail
cd {cwd}
exec {cdnsim} sweep merge {out}
",
        name = sweep.name,
        logs = logs.display(),
        cwd = q(&cwd),
        cdnsim = q(&cdnsim),
        out = q(&out),
    );
    let submit = format!(
        "#!/bin/bash
# Submits sweep {name}: the array job, then the merge after all its tasks succeed.
# Prints one line: array_job=ID merge_job=ID
set -euo pipefail
here={here}
array=$(sbatch --parsable \"$here/array.sbatch\")
array=${{array%%;*}}
merge=$(sbatch --parsable --dependency=afterok:\"$array\" \"$here/merge.sbatch\")
merge=${{merge%%;*}}
echo \"array_job=$array merge_job=$merge\"
",
        name = sweep.name,
        here = q(&dir),
    );
    let write = |name: &str, text: &str| -> Result<PathBuf, Error> {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|x| Error::io(format!("writing {}", p.display()), x))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755));
        }
        Ok(p)
    };
    write("array.sbatch", &array)?;
    write("merge.sbatch", &merge)?;
    write("submit.sh", &submit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
