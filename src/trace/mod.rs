//! Request trace readers: libCacheSim's oracleGeneral binary and a plain
//! CSV format. Both give [`Request`]s in file order; errors are
//! [`InputError`]s naming the file and the record (binary) or line (CSV).

pub mod csv;
mod oracle;

pub use csv::{CsvTrace, read_csv};
pub use oracle::{OracleGeneral, RECORD_BYTES};

use crate::InputError;
use std::path::Path;
use std::str::FromStr;

/// One request of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Timestamp as the trace gives it (oracleGeneral: seconds; CSV: any
    /// integer unit, only its order matters to a cache replay).
    pub time: u64,
    /// Object id.
    pub id: u64,
    /// Object size [bytes].
    pub size: u64,
}

/// Trace file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// libCacheSim oracleGeneral: 24-byte little-endian records.
    #[value(name = "oracleGeneral", alias = "oraclegeneral", alias = "oracle")]
    OracleGeneral,
    /// `time,object,size[,client][,region]` with a header line.
    #[value(name = "csv")]
    Csv,
}

impl TraceFormat {
    /// Guess from the file name: `.csv` (optionally `.csv.*`) is CSV,
    /// anything else oracleGeneral.
    pub fn from_path(path: &Path) -> TraceFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".csv") || name.contains(".csv.") {
            TraceFormat::Csv
        } else {
            TraceFormat::OracleGeneral
        }
    }
}

impl FromStr for TraceFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "oraclegeneral" | "oracle" => Ok(TraceFormat::OracleGeneral),
            "csv" => Ok(TraceFormat::Csv),
            _ => Err(format!(
                "unknown trace format {s:?} (valid: oracleGeneral, csv)"
            )),
        }
    }
}

/// A whole trace in memory, in either format.
#[derive(Debug)]
pub enum Trace {
    OracleGeneral(OracleGeneral),
    Csv(CsvTrace),
}

impl Trace {
    pub fn open(path: &Path, format: TraceFormat) -> Result<Trace, InputError> {
        Ok(match format {
            TraceFormat::OracleGeneral => Trace::OracleGeneral(OracleGeneral::open(path)?),
            TraceFormat::Csv => Trace::Csv(read_csv(path)?),
        })
    }

    pub fn len(&self) -> usize {
        match self {
            Trace::OracleGeneral(t) => t.len(),
            Trace::Csv(t) => t.requests.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(id, size)` pairs in order, for [`crate::cache::replay`].
    pub fn id_sizes(&self) -> Box<dyn Iterator<Item = (u64, u64)> + '_> {
        match self {
            Trace::OracleGeneral(t) => Box::new(t.id_sizes()),
            Trace::Csv(t) => Box::new(t.requests.iter().map(|r| (r.id, r.size))),
        }
    }
}

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> InputError {
    InputError::new(path.display().to_string(), "", format!("cannot read: {e}"))
}
