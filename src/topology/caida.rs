//! Loader and writer for CAIDA AS-relationship files.
//!
//! Two formats, one line per link, `#` lines are comments:
//!
//! - **serial-1** (`YYYYMMDD.as-rel.txt`): `as1|as2|rel`
//! - **serial-2** (`YYYYMMDD.as-rel2.txt`): `as1|as2|rel|source`
//!   (`source` is how CAIDA inferred the link, e.g. `bgp` or `mlp`; kept
//!   only as a syntax check).
//!
//! `rel` is `-1` when `as1` is a provider of `as2`, `0` for peers, and `2`
//! for siblings (not in current CAIDA files; accepted so hand-written files
//! can say it). The Tier-1 clique is read from the comment
//! `# input clique: 174 209 ...` (files from 2016 on) or
//! `# inferred clique: ...` (older files) into [`AsGraph::clique`].
//!
//! The file may be plain text or bzip2-compressed; compression is detected
//! by the `BZh` magic bytes, not by the file name.
//!
//! A malformed line is an [`InputError`] naming `file:line` and the
//! expected syntax. Data that parses but is inconsistent (self-links,
//! duplicate links, links given with two relationships, p2c cycles, clique
//! members without links) is kept out of the graph where it must be and
//! reported in [`LoadReport`] as counted warnings with a few examples.

use super::graph::{AsGraph, AsGraphBuilder, AsIdx, Asn, BuildReport, LinkRel};
use crate::error::{Error, InputError};
use std::io::{Read, Write};
use std::path::Path;

/// How many examples a warning shows.
pub const WARNING_EXAMPLES: usize = 3;

/// Which CAIDA serialisation a file used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serial {
    /// `as1|as2|rel`
    One,
    /// `as1|as2|rel|source`
    Two,
}

/// What loading noticed besides the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadReport {
    /// The format of the data lines (serial-1 for a file without any).
    pub serial: Serial,
    /// Whether the file was bzip2-compressed.
    pub compressed: bool,
    /// Number of link lines read.
    pub link_lines: usize,
    /// Self-links, duplicates and conflicting relationships (see
    /// [`AsGraphBuilder::build`]: the first occurrence of a link is kept).
    pub build: BuildReport,
    /// Provider-to-customer cycles (each sorted by ASN). They are kept in
    /// the graph; valley-free routing stays well defined but "customer
    /// cone" loses its meaning inside a cycle.
    pub p2c_cycles: Vec<Vec<Asn>>,
    /// Clique members the file declares but that have no link.
    pub clique_without_links: Vec<Asn>,
}

impl LoadReport {
    /// One line per kind of problem: count, what was done, examples.
    pub fn warnings(&self) -> Vec<String> {
        fn ex<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
            let mut s: Vec<String> = v.iter().take(WARNING_EXAMPLES).map(f).collect();
            if v.len() > WARNING_EXAMPLES {
                s.push("...".into());
            }
            s.join(", ")
        }
        let pair = |&(a, b): &(Asn, Asn)| format!("{}-{}", a.0, b.0);
        let mut w = Vec::new();
        let b = &self.build;
        if !b.self_links.is_empty() {
            w.push(format!(
                "{} self-link(s) dropped (e.g. {})",
                b.self_links.len(),
                ex(&b.self_links, |a| a.to_string())
            ));
        }
        if !b.duplicate_links.is_empty() {
            w.push(format!(
                "{} duplicate link(s) ignored (e.g. {})",
                b.duplicate_links.len(),
                ex(&b.duplicate_links, pair)
            ));
        }
        if !b.conflicting_links.is_empty() {
            w.push(format!(
                "{} link(s) given again with a different relationship; first kept (e.g. {})",
                b.conflicting_links.len(),
                ex(&b.conflicting_links, pair)
            ));
        }
        if !self.p2c_cycles.is_empty() {
            w.push(format!(
                "{} provider-customer cycle(s) kept, {} ASes involved (e.g. {})",
                self.p2c_cycles.len(),
                self.p2c_cycles.iter().map(Vec::len).sum::<usize>(),
                ex(&self.p2c_cycles, |c| {
                    let names: Vec<String> = c.iter().take(6).map(|a| a.0.to_string()).collect();
                    format!(
                        "{{{}{}}}",
                        names.join(" "),
                        if c.len() > 6 { " ..." } else { "" }
                    )
                })
            ));
        }
        if !self.clique_without_links.is_empty() {
            w.push(format!(
                "{} clique member(s) have no link (e.g. {})",
                self.clique_without_links.len(),
                ex(&self.clique_without_links, |a| a.to_string())
            ));
        }
        w
    }
}

/// Reads a whole file, decompressing it if it starts with the bzip2 magic.
/// Returns the bytes and whether they were compressed.
pub fn read_maybe_bz2(path: &Path) -> Result<(Vec<u8>, bool), Error> {
    let raw = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    if !is_bz2(&raw) {
        return Ok((raw, false));
    }
    let mut out = Vec::with_capacity(raw.len() * 8);
    bzip2::read::MultiBzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .map_err(|e| {
            InputError::new(
                path.display().to_string(),
                "",
                format!("starts like a bzip2 file but does not decompress: {e} (truncated or corrupt; expected a whole .bz2 file)"),
            )
        })?;
    Ok((out, true))
}

/// Input bytes quoted for an error message: control characters escaped,
/// cut after [`SHOWN_CHARS`] characters.
pub fn shown(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(b);
    let mut out: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().count() > SHOWN_CHARS {
        out.push_str("...");
    }
    format!("{out:?}")
}

/// Longest line accepted from a compressed file.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How much of an offending line an error message quotes.
pub const SHOWN_CHARS: usize = 80;

/// An input file that cannot be read is the user's to fix (exit 2).
pub fn unreadable(path: &Path, e: &std::io::Error) -> InputError {
    InputError::new(
        path.display().to_string(),
        "",
        format!("cannot read: {e} (expected a readable file)"),
    )
}

/// `BZh` followed by a block-size digit `1`..`9`.
pub fn is_bz2(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && &bytes[..3] == b"BZh" && (b'1'..=b'9').contains(&bytes[3])
}

/// Loads a CAIDA as-rel file (serial-1 or serial-2, plain or bz2).
pub fn load(path: &Path) -> Result<(AsGraph, LoadReport), Error> {
    let raw = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    Ok(parse_any(&raw, &path.display().to_string())?)
}

/// Parses the bytes of an as-rel file, plain or bzip2-compressed (detected
/// by the magic bytes); `file` names it in errors.
pub fn parse_any(raw: &[u8], file: &str) -> Result<(AsGraph, LoadReport), InputError> {
    if is_bz2(raw) {
        let (g, mut r) = parse_bz2_pipelined(raw, file, 1 << 20)?;
        r.compressed = true;
        Ok((g, r))
    } else {
        parse(raw, file)
    }
}

fn parse_asn(field: &[u8]) -> Option<Asn> {
    if field.is_empty() || field.len() > 10 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in field {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u64;
    }
    u32::try_from(v).ok().map(Asn)
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Parses the text of an as-rel file; `file` names it in errors.
pub fn parse(bytes: &[u8], file: &str) -> Result<(AsGraph, LoadReport), InputError> {
    let mut p = LineParser::new(file);
    for raw in bytes.split(|&c| c == b'\n') {
        p.line(raw)?;
    }
    p.finish()
}

/// Decompresses on a second thread while this one parses, so a bz2 load
/// costs about max(decode, parse) instead of their sum. Chunks arrive in
/// order, so the result is the same as [`parse`] on the whole text.
fn parse_bz2_pipelined(
    raw: &[u8],
    file: &str,
    chunk: usize,
) -> Result<(AsGraph, LoadReport), InputError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut dec = bzip2::read::MultiBzDecoder::new(raw);
            loop {
                let mut buf = vec![0u8; chunk];
                let mut filled = 0;
                let res = loop {
                    match dec.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(k) => {
                            filled += k;
                            if filled == chunk {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(filled);
                let last = filled < chunk;
                let msg = res.map(|()| buf);
                let failed = msg.is_err();
                if tx.send(msg).is_err() || last || failed {
                    return;
                }
            }
        });
        let mut p = LineParser::new(file);
        let mut carry: Vec<u8> = Vec::new();
        let mut result = Ok(());
        'chunks: for chunk in rx.iter() {
            match chunk {
                Ok(c) => carry.extend_from_slice(&c),
                Err(e) => {
                    result = Err(InputError::new(
                        file,
                        "",
                        format!(
                            "starts like a bzip2 file but does not decompress: {e} (truncated or corrupt; expected a whole .bz2 file)"
                        ),
                    ));
                    break;
                }
            }
            // Parse the complete lines; keep the partial last one.
            if let Some(end) = carry.iter().rposition(|&c| c == b'\n') {
                for raw in carry[..end].split(|&c| c == b'\n') {
                    if let Err(e) = p.line(raw) {
                        result = Err(e);
                        break 'chunks;
                    }
                }
                carry.drain(..=end);
            }
            // A line without end (a bz2 bomb of one byte repeated) would
            // grow without bound: no as-rel line is anywhere near this.
            if carry.len() > MAX_LINE_BYTES {
                result = Err(InputError::at_line(
                    file,
                    Some(p.lineno + 1),
                    "",
                    format!(
                        "line longer than {MAX_LINE_BYTES} bytes (expected `as1|as2|rel` lines), starting {}",
                        shown(&carry[..SHOWN_CHARS])
                    ),
                ));
                break;
            }
        }
        drop(rx);
        result?;
        p.line(&carry)?;
        p.finish()
    })
}

/// The line-by-line state of [`parse`].
struct LineParser<'f> {
    file: &'f str,
    lineno: usize,
    b: AsGraphBuilder,
    serial: Option<Serial>,
    clique: Option<Vec<Asn>>,
    link_lines: usize,
}

impl<'f> LineParser<'f> {
    fn new(file: &'f str) -> Self {
        LineParser {
            file,
            lineno: 0,
            b: AsGraphBuilder::new(),
            serial: None,
            clique: None,
            link_lines: 0,
        }
    }

    fn line(&mut self, raw: &[u8]) -> Result<(), InputError> {
        self.lineno += 1;
        let lineno = self.lineno;
        let file = self.file;
        let err = |msg: String| InputError::at_line(file, Some(lineno), "", msg);
        let line = trim(raw);
        if line.is_empty() {
            return Ok(());
        }
        if line[0] == b'#' {
            let text = String::from_utf8_lossy(&line[1..]);
            let text = text.trim();
            let rest = text
                .strip_prefix("input clique:")
                .or_else(|| text.strip_prefix("inferred clique:"));
            if let Some(rest) = rest {
                let mut members = Vec::new();
                for tok in rest.split_whitespace() {
                    let asn = parse_asn(tok.as_bytes()).ok_or_else(|| {
                        err(format!("clique member \"{tok}\" is not an AS number (expected integers 0..4294967295 separated by spaces)"))
                    })?;
                    members.push(asn);
                }
                // The first clique comment wins (files have one).
                self.clique.get_or_insert(members);
            }
            return Ok(());
        }
        self.link_lines += 1;
        let mut fields = line.split(|&c| c == b'|');
        let (f1, f2, f3, f4, f5) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        );
        let this = match (f3, f4, f5) {
            (Some(_), None, _) => Serial::One,
            (Some(_), Some(_), None) => Serial::Two,
            _ => {
                return Err(err(format!(
                    "expected `as1|as2|rel` (serial-1) or `as1|as2|rel|source` (serial-2), got {}",
                    shown(line)
                )));
            }
        };
        match self.serial {
            None => self.serial = Some(this),
            Some(s) if s != this => {
                return Err(err(format!(
                    "{} fields, but earlier lines had {} (a file is either serial-1 `as1|as2|rel` or serial-2 `as1|as2|rel|source`)",
                    if this == Serial::One { 3 } else { 4 },
                    if s == Serial::One { 3 } else { 4 },
                )));
            }
            _ => {}
        }
        let asn = |f: Option<&[u8]>, which: &str| {
            let f = trim(f.unwrap_or_default());
            parse_asn(f).ok_or_else(|| {
                err(format!(
                    "{which} {} is not an AS number (expected an integer 0..4294967295)",
                    shown(f)
                ))
            })
        };
        let a = asn(f1, "as1")?;
        let c = asn(f2, "as2")?;
        let rel = match trim(f3.unwrap_or_default()) {
            b"-1" => LinkRel::ProviderToCustomer,
            b"0" => LinkRel::Peer,
            b"2" => LinkRel::Sibling,
            other => {
                return Err(err(format!(
                    "relationship {} is not one of -1 (as1 is a provider of as2), 0 (peers), 2 (siblings)",
                    shown(other)
                )));
            }
        };
        if this == Serial::Two && trim(f4.unwrap_or_default()).is_empty() {
            return Err(err(
                "empty source field (serial-2 expects `as1|as2|rel|source`, e.g. `bgp`)".into(),
            ));
        }
        self.b.add_link(a, c, rel);
        Ok(())
    }

    fn finish(self) -> Result<(AsGraph, LoadReport), InputError> {
        if self.link_lines == 0 {
            return Err(InputError::new(
                self.file,
                "",
                "no AS links (expected lines `as1|as2|rel` or `as1|as2|rel|source`; `#` lines are comments)",
            ));
        }
        let clique = self.clique.unwrap_or_default();
        let mut b = self.b;
        b.set_clique(clique.clone());
        let (graph, build) = b.build();
        let p2c_cycles = graph
            .p2c_cycles()
            .into_iter()
            .map(|c| c.into_iter().map(|i| graph.asn(i)).collect())
            .collect();
        // The graph holds only ASes that appear in a link line; clique members
        // without one are reported.
        let clique_without_links = clique
            .iter()
            .copied()
            .filter(|&a| graph.idx(a).is_none_or(|i| graph.degree(i) == 0))
            .collect();
        let report = LoadReport {
            serial: self.serial.unwrap_or(Serial::One),
            compressed: false,
            link_lines: self.link_lines,
            build,
            p2c_cycles,
            clique_without_links,
        };
        Ok((graph, report))
    }
}

/// Writes `graph` in serial-1 format: a header comment, the clique as
/// `# input clique:`, then p2c links (`provider|customer|-1`), peer links
/// (`lower|higher|0`) and sibling links (`lower|higher|2`), sorted by ASN.
pub fn write_serial1(graph: &AsGraph, header: &str, mut w: impl Write) -> std::io::Result<()> {
    for l in header.lines() {
        writeln!(w, "# {l}")?;
    }
    if !graph.clique.is_empty() {
        let names: Vec<String> = graph.clique.iter().map(|a| a.0.to_string()).collect();
        writeln!(w, "# input clique: {}", names.join(" "))?;
    }
    let mut links: Vec<(Asn, Asn, i8)> = graph
        .links()
        .into_iter()
        .map(|(a, b, r): (AsIdx, AsIdx, LinkRel)| {
            let code = match r {
                LinkRel::ProviderToCustomer => -1,
                LinkRel::Peer => 0,
                LinkRel::Sibling => 2,
            };
            (graph.asn(a), graph.asn(b), code)
        })
        .collect();
    links.sort_unstable();
    for (a, b, r) in links {
        writeln!(w, "{}|{}|{}", a.0, b.0, r)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_serials_and_clique_variants() {
        let s1 = "# inferred clique: 1 2\n1|2|0\n1|3|-1\n2|4|-1\n4|5|2\n";
        let (g, r) = parse(s1.as_bytes(), "a.txt").unwrap();
        assert_eq!(r.serial, Serial::One);
        assert_eq!(g.clique, vec![Asn(1), Asn(2)]);
        assert_eq!((g.p2c_links(), g.p2p_links(), g.sibling_links()), (2, 1, 1));
        let s2 = "# input clique: 1 2\n1|2|0|bgp\n1|3|-1|mlp\n2|4|-1|bgp,mlp\n";
        let (g, r) = parse(s2.as_bytes(), "b.txt").unwrap();
        assert_eq!(r.serial, Serial::Two);
        assert_eq!(g.clique, vec![Asn(1), Asn(2)]);
        assert_eq!(g.len(), 4);
        assert!(r.warnings().is_empty());
    }

    #[test]
    fn malformed_lines_name_the_line_and_the_expectation() {
        let cases = [
            ("1|2|0\n1|x|0\n", "t:2: as2 \"x\" is not an AS number"),
            ("1|2\n", "t:1: expected `as1|as2|rel`"),
            ("# c\n1|2|1\n", "t:2: relationship \"1\" is not one of -1"),
            (
                "1|2|0\n1|3|0|bgp\n",
                "t:2: 4 fields, but earlier lines had 3",
            ),
            ("1|2|0||\n", "t:1: expected"),
            ("1|2|0|\n", "t:1: empty source field"),
            ("# input clique: 1 two\n", "t:1: clique member \"two\""),
            ("99999999999|2|0\n", "t:1: as1 \"99999999999\""),
        ];
        for (text, want) in cases {
            let e = parse(text.as_bytes(), "t").unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: got {e}");
        }
    }

    #[test]
    fn inconsistencies_are_counted_warnings() {
        let text = "1|1|0\n1|2|-1\n2|3|-1\n3|1|-1\n1|2|-1\n2|1|0\n";
        let (g, r) = parse(text.as_bytes(), "t").unwrap();
        assert_eq!(g.p2c_links(), 3);
        let w = r.warnings();
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w[0].starts_with("1 self-link(s) dropped (e.g. AS1)"));
        assert!(w[3].contains("1 provider-customer cycle(s) kept, 3 ASes involved (e.g. {1 2 3})"));
    }

    #[test]
    fn write_then_parse_round_trips() {
        let text = "# input clique: 1 2\n1|2|0\n1|3|-1\n2|4|-1\n4|5|2\n";
        let (g, _) = parse(text.as_bytes(), "t").unwrap();
        let mut out = Vec::new();
        write_serial1(&g, "test", &mut out).unwrap();
        let (g2, _) = parse(&out, "t2").unwrap();
        assert_eq!(g.links(), g2.links());
        assert_eq!(g.clique, g2.clique);
        let mut out2 = Vec::new();
        write_serial1(&g2, "test", &mut out2).unwrap();
        assert_eq!(out, out2);
    }

    #[test]
    fn pipelined_bz2_parse_equals_plain_across_chunk_boundaries() {
        use std::io::Write as _;
        // ~60 kB of text in 1000-byte chunks: lines cross chunk boundaries.
        let mut text = String::from("# input clique: 1 2\n");
        for i in 0..3_000u32 {
            text.push_str(&format!(
                "{}|{}|{}|bgp\n",
                1 + i % 997,
                1000 + i,
                -((i % 2) as i32)
            ));
        }
        let pack = |t: &str| {
            let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            enc.write_all(t.as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let (a, ra) = parse(text.as_bytes(), "t").unwrap();
        let (b, rb) = parse_bz2_pipelined(&pack(&text), "t", 1000).unwrap();
        assert_eq!(a.links(), b.links());
        assert_eq!((ra.link_lines, &ra.build), (rb.link_lines, &rb.build));
        assert_eq!(b.clique, vec![Asn(1), Asn(2)]);
        // An error far into the file keeps its line number.
        text.push_str("5|6|7|bgp\n");
        let e = parse_bz2_pipelined(&pack(&text), "t", 1000).unwrap_err();
        assert!(
            e.to_string().starts_with("t:3002: relationship \"7\""),
            "{e}"
        );
    }

    #[test]
    fn bz2_magic_is_detected() {
        assert!(is_bz2(b"BZh91AY&SY"));
        assert!(!is_bz2(b"BZh0"));
        assert!(!is_bz2(b"1|2|0\n"));
    }
}
