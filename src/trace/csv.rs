//! CSV request traces.
//!
//! A header line names the columns, in any order:
//!
//! | column   | required | meaning |
//! |----------|----------|---------|
//! | `time`   | yes | integer timestamp (any unit; non-decreasing is not required) |
//! | `object` | yes | object id: a decimal `u64`, or any other text (a URL, a key), which is hashed to a `u64` with FNV-1a 64 |
//! | `size`   | yes | object size [bytes], decimal `u64` |
//! | `client` | no  | client or client-group label |
//! | `region` | no  | region label |
//! | `catalog`| no  | catalog name (`cdnsim run`: a `workload.catalogs[].name`) |
//!
//! Other columns are rejected, naming the valid ones. Client, region and
//! catalog labels are interned: each request keeps an index into a label
//! table.

use super::{Request, io_error};
use crate::InputError;
use rustc_hash::FxHashMap;
use std::path::Path;

/// A CSV trace in memory.
#[derive(Debug, Default)]
pub struct CsvTrace {
    pub requests: Vec<Request>,
    /// Distinct client labels; `client_of[i]` indexes it (empty when the
    /// column is absent).
    pub clients: Vec<String>,
    pub client_of: Vec<u32>,
    /// Distinct region labels; `region_of[i]` indexes it.
    pub regions: Vec<String>,
    pub region_of: Vec<u32>,
    /// Distinct catalog labels, the line each first appears on, and
    /// `catalog_of[i]` indexing them.
    pub catalogs: Vec<String>,
    pub catalog_line: Vec<usize>,
    pub catalog_of: Vec<u32>,
}

/// FNV-1a 64 of a text object key (stable across builds and platforms).
pub fn object_id(key: &str) -> u64 {
    if let Ok(n) = key.parse::<u64>() {
        return n;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const VALID: &str = "time, object, size, client, region, catalog";

/// Reads a CSV trace (see the module docs for the columns).
pub fn read_csv(path: &Path) -> Result<CsvTrace, InputError> {
    let file = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    parse_csv(&text, &file)
}

pub fn parse_csv(text: &[u8], file: &str) -> Result<CsvTrace, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| InputError::at_line(file, Some(1), "", format!("cannot read header: {e}")))?
        .clone();
    let (mut time, mut object, mut size, mut client, mut region) = (None, None, None, None, None);
    let mut catalog = None;
    for (i, h) in headers.iter().enumerate() {
        let slot = match h.to_ascii_lowercase().as_str() {
            "time" => &mut time,
            "object" => &mut object,
            "size" => &mut size,
            "client" => &mut client,
            "region" => &mut region,
            "catalog" => &mut catalog,
            _ => {
                return Err(InputError::at_line(
                    file,
                    Some(1),
                    "",
                    format!("unknown column {h:?} (valid: {VALID})"),
                ));
            }
        };
        if slot.replace(i).is_some() {
            return Err(InputError::at_line(
                file,
                Some(1),
                "",
                format!("column {h:?} appears twice"),
            ));
        }
    }
    let need = |c: Option<usize>, name: &str| {
        c.ok_or_else(|| {
            InputError::at_line(
                file,
                Some(1),
                "",
                format!("missing column {name:?} (header must have time, object, size; optional client, region, catalog)"),
            )
        })
    };
    let (time, object, size) = (
        need(time, "time")?,
        need(object, "object")?,
        need(size, "size")?,
    );

    let mut out = CsvTrace::default();
    let mut client_ix: FxHashMap<String, u32> = FxHashMap::default();
    let mut region_ix: FxHashMap<String, u32> = FxHashMap::default();
    let mut catalog_ix: FxHashMap<String, u32> = FxHashMap::default();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            InputError::at_line(file, line, "", format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let field = |i: usize, name: &str| -> Result<&str, InputError> {
            rec.get(i).ok_or_else(|| {
                InputError::at_line(file, Some(line), name, "missing value".to_string())
            })
        };
        let int = |i: usize, name: &str| -> Result<u64, InputError> {
            let v = field(i, name)?;
            v.parse::<u64>().map_err(|_| {
                InputError::at_line(
                    file,
                    Some(line),
                    name,
                    if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
                        format!("{v:?} is too large (at most {})", u64::MAX)
                    } else {
                        format!("{v:?} is not a non-negative integer")
                    },
                )
            })
        };
        out.requests.push(Request {
            time: int(time, "time")?,
            id: object_id(field(object, "object")?),
            size: int(size, "size")?,
        });
        for (col, labels, ix, of) in [
            (client, &mut out.clients, &mut client_ix, &mut out.client_of),
            (region, &mut out.regions, &mut region_ix, &mut out.region_of),
        ] {
            if let Some(c) = col {
                let v = rec.get(c).unwrap_or("");
                let n = match ix.get(v) {
                    Some(&n) => n,
                    None => {
                        let n = labels.len() as u32;
                        labels.push(v.to_string());
                        ix.insert(v.to_string(), n);
                        n
                    }
                };
                of.push(n);
            }
        }
        if let Some(c) = catalog {
            let v = rec.get(c).unwrap_or("");
            let n = match catalog_ix.get(v) {
                Some(&n) => n,
                None => {
                    let n = out.catalogs.len() as u32;
                    out.catalogs.push(v.to_string());
                    out.catalog_line.push(line);
                    catalog_ix.insert(v.to_string(), n);
                    n
                }
            };
            out.catalog_of.push(n);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_in_any_order_with_labels() {
        let t = parse_csv(
            b"size,time,object,region\n100,1,7,eu\n200,2,/img/a.png,us\n100,3,7,eu\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(t.requests.len(), 3);
        assert_eq!(
            t.requests[0],
            Request {
                time: 1,
                id: 7,
                size: 100
            }
        );
        assert_eq!(t.requests[1].id, object_id("/img/a.png"));
        assert_ne!(t.requests[1].id, 7);
        assert_eq!(t.regions, ["eu", "us"]);
        assert_eq!(t.region_of, [0, 1, 0]);
        assert!(t.client_of.is_empty());
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = parse_csv(b"time,object,size\n1,2,3\n2,5,big\n", "t.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:3: size: \"big\" is not a non-negative integer"
        );
        let e = parse_csv(b"time,obj,size\n", "t.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:1: unknown column \"obj\" (valid: time, object, size, client, region, catalog)"
        );
        let e = parse_csv(b"time,size\n", "t.csv").unwrap_err();
        assert!(e.to_string().contains("missing column \"object\""));
    }
}
