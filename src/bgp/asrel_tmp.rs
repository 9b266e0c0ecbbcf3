//! TEMPORARY minimal CAIDA as-rel reader for `cdnsim routes`, the BGP tests
//! and the bench, until `crate::topology::caida` (branch `topo`) lands; then
//! callers switch to it and this file is deleted.
//!
//! Reads serial-1/serial-2 lines `a|b|rel[|source]` (plain or bz2): `-1` =
//! a is a provider of b, `0` = peers, `1`/`2` = siblings; `# input clique:`
//! header gives the clique; other `#` lines are comments.

use crate::topology::{AsGraph, AsGraphBuilder, Asn, LinkRel};
use crate::{Error, InputError};
use std::io::Read;
use std::path::Path;

/// Reads an as-rel file (bz2 when it starts with the bz2 magic).
pub fn load_as_rel(path: &Path) -> crate::Result<AsGraph> {
    let file = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| Error::io(format!("reading {file}"), e))?;
    let text = if raw.starts_with(b"BZh") {
        let mut s = String::new();
        bzip2::read::MultiBzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .map_err(|e| Error::io(format!("decompressing {file}"), e))?;
        s
    } else {
        String::from_utf8(raw).map_err(|_| {
            InputError::new(&file, "", "not UTF-8 text (expected a CAIDA as-rel file)")
        })?
    };
    parse_as_rel(&text, &file)
}

/// Parses as-rel text; `file` names it in errors.
pub fn parse_as_rel(text: &str, file: &str) -> crate::Result<AsGraph> {
    let mut b = AsGraphBuilder::new();
    let mut clique = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            if let Some(c) = rest.trim().strip_prefix("input clique:") {
                for t in c.split_whitespace() {
                    clique.push(Asn(t.parse().map_err(|_| {
                        InputError::at_line(file, Some(n + 1), "", format!("bad clique ASN {t:?}"))
                    })?));
                }
            }
            continue;
        }
        let mut f = line.split('|');
        let bad = |what: &str| {
            InputError::at_line(
                file,
                Some(n + 1),
                "",
                format!("{what} in {line:?} (expected <asn>|<asn>|-1, 0, 1 or 2[|source])"),
            )
        };
        let a: u32 = f
            .next()
            .and_then(|x| x.trim().parse().ok())
            .ok_or_else(|| bad("bad first ASN"))?;
        let c: u32 = f
            .next()
            .and_then(|x| x.trim().parse().ok())
            .ok_or_else(|| bad("bad second ASN"))?;
        let rel = match f.next().map(str::trim) {
            Some("-1") => LinkRel::ProviderToCustomer,
            Some("0") => LinkRel::Peer,
            Some("1") | Some("2") => LinkRel::Sibling,
            _ => return Err(bad("bad relationship").into()),
        };
        b.add_link(Asn(a), Asn(c), rel);
    }
    b.set_clique(clique);
    Ok(b.build().0)
}
