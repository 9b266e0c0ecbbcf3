//! libCacheSim's oracleGeneral binary trace: a sequence of 24-byte
//! little-endian records
//!
//! ```text
//! u32 clock_time   [s]
//! u64 obj_id
//! u32 obj_size     [bytes]
//! i64 next_access_vtime   (-1: never again; unused by cdnsim)
//! ```
//!
//! with no header. A file whose length is not a multiple of 24 is
//! truncated: that is an input error naming the byte offset and the record
//! number of the incomplete record (libCacheSim only warns and drops it).

use super::{Request, io_error};
use crate::InputError;
use std::path::Path;

/// Bytes per record.
pub const RECORD_BYTES: usize = 24;

#[derive(Debug)]
pub struct OracleGeneral {
    data: Vec<u8>,
}

impl OracleGeneral {
    /// Reads the whole file.
    pub fn open(path: &Path) -> Result<OracleGeneral, InputError> {
        let data = std::fs::read(path).map_err(|e| io_error(path, &e))?;
        Self::from_bytes(data, &path.display().to_string())
    }

    /// Checks and wraps a trace already in memory; `name` is used in errors.
    pub fn from_bytes(data: Vec<u8>, name: &str) -> Result<OracleGeneral, InputError> {
        let rem = data.len() % RECORD_BYTES;
        if rem != 0 {
            let n = data.len() / RECORD_BYTES;
            let offset = n * RECORD_BYTES;
            return Err(InputError::new(
                name,
                "",
                format!(
                    "truncated oracleGeneral trace: record {} at byte offset {offset} has {rem} of \
                     {RECORD_BYTES} bytes (a valid file is a whole number of 24-byte records \
                     u32 time, u64 id, u32 size, i64 next_access)",
                    n + 1
                ),
            ));
        }
        Ok(OracleGeneral { data })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.data.len() / RECORD_BYTES
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// All records, decoded on the fly.
    pub fn requests(&self) -> impl Iterator<Item = Request> + '_ {
        self.data.chunks_exact(RECORD_BYTES).map(|r| Request {
            time: u32::from_le_bytes([r[0], r[1], r[2], r[3]]) as u64,
            id: u64::from_le_bytes([r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]]),
            size: u32::from_le_bytes([r[12], r[13], r[14], r[15]]) as u64,
        })
    }

    /// `(id, size)` of every record, decoded on the fly.
    #[inline]
    pub fn id_sizes(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.data.chunks_exact(RECORD_BYTES).map(|r| {
            (
                u64::from_le_bytes([r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]]),
                u32::from_le_bytes([r[12], r[13], r[14], r[15]]) as u64,
            )
        })
    }

    /// Encodes requests as oracleGeneral records (next access = -1).
    pub fn encode(requests: &[Request]) -> Vec<u8> {
        let mut out = Vec::with_capacity(requests.len() * RECORD_BYTES);
        for r in requests {
            out.extend_from_slice(&(r.time as u32).to_le_bytes());
            out.extend_from_slice(&r.id.to_le_bytes());
            out.extend_from_slice(&(r.size as u32).to_le_bytes());
            out.extend_from_slice(&(-1i64).to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_truncation() {
        let reqs = [
            Request {
                time: 1,
                id: 42,
                size: 512,
            },
            Request {
                time: 2,
                id: u64::MAX,
                size: 65536,
            },
        ];
        let mut bytes = OracleGeneral::encode(&reqs);
        let t = OracleGeneral::from_bytes(bytes.clone(), "t.bin").unwrap();
        assert_eq!(t.requests().collect::<Vec<_>>(), reqs);
        assert_eq!(t.id_sizes().nth(1), Some((u64::MAX, 65536)));
        bytes.extend_from_slice(&[0; 7]);
        let e = OracleGeneral::from_bytes(bytes, "t.bin")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "t.bin: truncated oracleGeneral trace: record 3 at byte offset 48 has 7 of 24 bytes"
            ),
            "{e}"
        );
    }
}
