//! Cache directives: `Cache-Control` (RFC 9111 §5.2), `Surrogate-Control`
//! (W3C Edge Architecture 1.0, as CDNs read it) and the targeted fields such
//! as `CDN-Cache-Control` (RFC 9213, Structured Field Dictionaries of
//! RFC 8941).
//!
//! Parsing is tolerant where the RFCs say so and strict where they say so:
//!
//! - `Cache-Control`: unknown directives are ignored (§5.2.3); for a
//!   directive given twice the first occurrence wins (§4.2.1); an invalid
//!   `max-age`/`s-maxage` argument makes the response stale (§4.2.1:
//!   "caches are encouraged to consider responses that have invalid
//!   freshness information ... to be stale"); arguments may be tokens or
//!   quoted strings (§5.2: "recipients SHOULD accept both forms"); a
//!   delta-seconds above 2^31 is taken as 2^31 (§1.2.2).
//! - Targeted fields (RFC 9213 §2.1): the whole field is a Dictionary; a
//!   parse error makes the cache ignore the whole field; a key given twice
//!   keeps its last value (RFC 8941 §4.2.2); a directive whose value has an
//!   unexpected type is not consumed ("Implementations SHOULD NOT consume
//!   values that violate these inferred constraints").
//! - `Surrogate-Control`: parsed with the `Cache-Control` rules; a
//!   `max-age=A+B` argument is freshness `A` plus `B` seconds during which a
//!   stale copy may be served on origin errors (Edge Architecture §3.3,
//!   read as stale-if-error); a `;device` target suffix is dropped (the
//!   simulated CDN is the only surrogate).
//!
//! Simplification: the qualified forms `no-cache="field"` and
//! `private="field"` are treated as their unqualified forms, which RFC 9111
//! permits as the more restrictive reading (§5.2.2.4, §5.2.2.7).

use crate::time::SimDuration;

/// Largest delta-seconds a cache needs to represent (RFC 9111 §1.2.2).
pub const DELTA_SECONDS_MAX: u64 = 1 << 31;

/// The directives a shared cache acts on, from one field (or the lines of
/// one field combined). Durations are whole seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    /// `max-age` (§5.2.2.1); an invalid argument is recorded as zero.
    pub max_age: Option<SimDuration>,
    /// `s-maxage` (§5.2.2.10); an invalid argument is recorded as zero.
    pub s_maxage: Option<SimDuration>,
    /// `no-store` (§5.2.2.5).
    pub no_store: bool,
    /// `no-cache` (§5.2.2.4).
    pub no_cache: bool,
    /// `private` (§5.2.2.7).
    pub private: bool,
    /// `public` (§5.2.2.9).
    pub public: bool,
    /// `must-revalidate` (§5.2.2.2).
    pub must_revalidate: bool,
    /// `proxy-revalidate` (§5.2.2.8).
    pub proxy_revalidate: bool,
    /// `stale-while-revalidate` (RFC 5861 §3).
    pub stale_while_revalidate: Option<SimDuration>,
    /// `stale-if-error` (RFC 5861 §4).
    pub stale_if_error: Option<SimDuration>,
    /// `immutable` (RFC 8246).
    pub immutable: bool,
}

/// Directive names this module acts on.
pub const KNOWN_DIRECTIVES: &[&str] = &[
    "max-age",
    "s-maxage",
    "no-store",
    "no-cache",
    "private",
    "public",
    "must-revalidate",
    "proxy-revalidate",
    "stale-while-revalidate",
    "stale-if-error",
    "immutable",
];

/// A parsed field and what was ignored in it (for strict checking of
/// scenario files; caches themselves ignore both lists).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub directives: Directives,
    /// Directive names not in [`KNOWN_DIRECTIVES`] (ignored, §5.2.3).
    pub unknown: Vec<String>,
    /// Directives present with an unusable argument, as written.
    pub invalid: Vec<String>,
    /// Number of list members seen (0: the field is empty).
    pub members: usize,
}

/// Why a targeted field (RFC 9213) was not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetedError {
    #[error("empty field")]
    Empty,
    #[error("not a structured-field dictionary: {0}")]
    Syntax(String),
}

/// An argument as written.
#[derive(Clone, Debug, PartialEq)]
enum Arg {
    None,
    /// Token or quoted string (RFC 9111 syntax).
    Text(String),
    /// Structured-field items (RFC 8941).
    Int(i64),
    Bool(bool),
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    CacheControl,
    Surrogate,
    Targeted,
}

/// Parses a `Cache-Control` value (all field lines joined with `,`).
pub fn parse_cache_control(value: &str) -> Parsed {
    parse_list(value, Syntax::CacheControl)
}

/// Parses a `Surrogate-Control` value.
pub fn parse_surrogate_control(value: &str) -> Parsed {
    parse_list(value, Syntax::Surrogate)
}

/// Parses a targeted field such as `CDN-Cache-Control` (RFC 9213 §2.1).
/// An empty or unparseable field is an error: the cache then ignores it.
pub fn parse_targeted(value: &str) -> Result<Parsed, TargetedError> {
    let dict = sf::parse_dictionary(value).map_err(TargetedError::Syntax)?;
    if dict.is_empty() {
        return Err(TargetedError::Empty);
    }
    let mut out = Parsed {
        members: dict.len(),
        ..Parsed::default()
    };
    let mut seen = 0u32;
    for (k, v) in dict {
        apply(&mut out, &mut seen, &k, v, Syntax::Targeted);
    }
    Ok(out)
}

fn parse_list(value: &str, syntax: Syntax) -> Parsed {
    let mut out = Parsed::default();
    let mut seen = 0u32;
    for member in split_list(value) {
        let member = member.trim_matches([' ', '\t']);
        if member.is_empty() {
            continue; // empty list elements are allowed and ignored (RFC 9110 §5.6.1)
        }
        out.members += 1;
        let (name, arg) = match member.split_once('=') {
            Some((n, a)) => (
                n.trim_matches([' ', '\t']),
                Some(a.trim_matches([' ', '\t'])),
            ),
            None => (member, None),
        };
        let mut name = name.to_ascii_lowercase(); // directives are case-insensitive (§5.2)
        if syntax == Syntax::Surrogate {
            if let Some((n, _target)) = name.split_once(';') {
                name = n.trim().to_string();
            }
        }
        if !is_token(&name) {
            out.invalid.push(member.to_string());
            continue;
        }
        let arg = match arg {
            None => Arg::None,
            Some(a) => {
                let a = if syntax == Syntax::Surrogate {
                    a.split(';').next().unwrap_or(a).trim()
                } else {
                    a
                };
                match unquote(a) {
                    Some(t) => Arg::Text(t),
                    // Neither token nor quoted string: kept as written;
                    // the delta-seconds check then rejects it.
                    None => Arg::Text(a.to_string()),
                }
            }
        };
        apply(&mut out, &mut seen, &name, arg, syntax);
    }
    out
}

fn bit(name: &str) -> u32 {
    KNOWN_DIRECTIVES
        .iter()
        .position(|&k| k == name)
        .map_or(0, |i| 1 << i)
}

/// delta-seconds = 1*DIGIT (§1.2.2), saturating at 2^31.
fn delta_seconds(s: &str) -> Option<SimDuration> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    let v = if digits.len() > 10 {
        DELTA_SECONDS_MAX
    } else {
        digits.parse::<u64>().unwrap_or(0).min(DELTA_SECONDS_MAX)
    };
    Some(SimDuration::from_secs(v))
}

fn apply(out: &mut Parsed, seen: &mut u32, name: &str, arg: Arg, syntax: Syntax) {
    let b = bit(name);
    if b == 0 {
        out.unknown.push(name.to_string());
        return;
    }
    // RFC 9111 syntax: the first occurrence wins (§4.2.1). Targeted fields
    // arrive de-duplicated (last wins, RFC 8941 §4.2.2).
    if *seen & b != 0 {
        return;
    }
    *seen |= b;
    let shown = || match &arg {
        Arg::None => name.to_string(),
        Arg::Text(t) => format!("{name}={t}"),
        Arg::Int(i) => format!("{name}={i}"),
        Arg::Bool(v) => format!("{name}=?{}", u8::from(*v)),
        Arg::Other => format!("{name}=<other>"),
    };
    let d = &mut out.directives;
    let seconds: Option<Option<SimDuration>> = match (&arg, syntax) {
        (Arg::Int(i), _) if *i >= 0 => Some(Some(SimDuration::from_secs(
            (*i as u64).min(DELTA_SECONDS_MAX),
        ))),
        (Arg::Text(t), Syntax::Surrogate) if name == "max-age" => match t.split_once('+') {
            Some((a, extra)) => {
                if let Some(e) = delta_seconds(extra.trim()) {
                    d.stale_if_error.get_or_insert(e);
                }
                Some(delta_seconds(a.trim()))
            }
            None => Some(delta_seconds(t)),
        },
        (Arg::Text(t), Syntax::CacheControl | Syntax::Surrogate) => Some(delta_seconds(t)),
        _ => None,
    };
    match name {
        "max-age" | "s-maxage" => {
            let v = match (seconds, syntax) {
                (Some(Some(v)), _) => Some(v),
                // Invalid under RFC 9111: treat as stale (§4.2.1).
                (_, Syntax::CacheControl | Syntax::Surrogate) => {
                    out.invalid.push(shown());
                    Some(SimDuration::ZERO)
                }
                // Invalid in a targeted field: not consumed (RFC 9213 §2.1).
                (_, Syntax::Targeted) => {
                    out.invalid.push(shown());
                    None
                }
            };
            if name == "max-age" {
                d.max_age = v;
            } else {
                d.s_maxage = v;
            }
        }
        "stale-while-revalidate" | "stale-if-error" => match seconds {
            Some(Some(v)) => {
                if name == "stale-while-revalidate" {
                    d.stale_while_revalidate = Some(v);
                } else {
                    d.stale_if_error = Some(v);
                }
            }
            // An unusable window grants nothing (the restrictive reading).
            _ => out.invalid.push(shown()),
        },
        _ => {
            let on = match (&arg, syntax) {
                (Arg::Bool(v), _) => *v,
                (Arg::None | Arg::Text(_), _) => true,
                (Arg::Int(_) | Arg::Other, _) => {
                    out.invalid.push(shown());
                    false
                }
            };
            match name {
                "no-store" => d.no_store |= on,
                "no-cache" => d.no_cache |= on,
                "private" => d.private |= on,
                "public" => d.public |= on,
                "must-revalidate" => d.must_revalidate |= on,
                "proxy-revalidate" => d.proxy_revalidate |= on,
                "immutable" => d.immutable |= on,
                _ => {}
            }
        }
    }
}

/// Splits a comma-separated list, not splitting inside quoted strings.
pub(crate) fn split_list(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ',' && !quoted {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

/// tchar (RFC 9110 §5.6.2).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A token as is, or the content of a quoted string (RFC 9110 §5.6.4).
fn unquote(a: &str) -> Option<String> {
    if let Some(rest) = a.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                '"' => return chars.as_str().is_empty().then_some(out),
                c => out.push(c),
            }
        }
        None
    } else {
        is_token(a).then(|| a.to_string())
    }
}

/// The part of RFC 8941 (Structured Field Values) that dictionaries need.
mod sf {
    use super::Arg;

    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }
        fn err<T>(&self, what: &str) -> Result<T, String> {
            Err(format!("{what} at byte {}", self.i))
        }
        fn sp(&mut self) {
            while self.peek() == Some(b' ') {
                self.i += 1;
            }
        }
        fn ows(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.i += 1;
            }
        }
        /// key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )
        fn key(&mut self) -> Result<String, String> {
            match self.peek() {
                Some(c) if c.is_ascii_lowercase() || c == b'*' => {}
                _ => return self.err("expected a lowercase key"),
            }
            let start = self.i;
            while let Some(c) = self.peek() {
                if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(&c) {
                    self.i += 1;
                } else {
                    break;
                }
            }
            Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
        }
        fn bare_item(&mut self) -> Result<Arg, String> {
            match self.peek() {
                Some(b'-' | b'0'..=b'9') => self.number(),
                Some(b'"') => {
                    self.i += 1;
                    let mut out = String::new();
                    loop {
                        match self.peek() {
                            None => return self.err("unterminated string"),
                            Some(b'\\') => {
                                self.i += 1;
                                match self.peek() {
                                    Some(c @ (b'"' | b'\\')) => {
                                        out.push(c as char);
                                        self.i += 1;
                                    }
                                    _ => return self.err("bad escape"),
                                }
                            }
                            Some(b'"') => {
                                self.i += 1;
                                return Ok(Arg::Text(out));
                            }
                            Some(c @ 0x20..=0x7e) => {
                                out.push(c as char);
                                self.i += 1;
                            }
                            Some(_) => return self.err("bad character in string"),
                        }
                    }
                }
                Some(c) if c.is_ascii_alphabetic() || c == b'*' => {
                    let start = self.i;
                    while let Some(c) = self.peek() {
                        if super::is_token(std::str::from_utf8(&[c]).unwrap_or(" "))
                            || c == b':'
                            || c == b'/'
                        {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                    Ok(Arg::Text(
                        String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                    ))
                }
                Some(b':') => {
                    self.i += 1;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == b':' {
                            return Ok(Arg::Other);
                        }
                        if !(c.is_ascii_alphanumeric() || b"+/=".contains(&c)) {
                            return self.err("bad byte sequence");
                        }
                    }
                    self.err("unterminated byte sequence")
                }
                Some(b'?') => {
                    self.i += 1;
                    let v = match self.peek() {
                        Some(b'0') => false,
                        Some(b'1') => true,
                        _ => return self.err("bad boolean"),
                    };
                    self.i += 1;
                    Ok(Arg::Bool(v))
                }
                _ => self.err("expected an item"),
            }
        }
        fn number(&mut self) -> Result<Arg, String> {
            let neg = self.peek() == Some(b'-');
            if neg {
                self.i += 1;
            }
            let start = self.i;
            let mut dot = None;
            while let Some(c) = self.peek() {
                if c.is_ascii_digit() {
                    self.i += 1;
                } else if c == b'.' && dot.is_none() {
                    dot = Some(self.i);
                    self.i += 1;
                } else {
                    break;
                }
            }
            let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
            if text.is_empty() || !text.as_bytes()[0].is_ascii_digit() {
                return self.err("expected a digit");
            }
            match dot {
                None if text.len() <= 15 => {
                    let v: i64 = text.parse().map_err(|_| "bad integer".to_string())?;
                    Ok(Arg::Int(if neg { -v } else { v }))
                }
                None => self.err("integer longer than 15 digits"),
                Some(d) if d - start <= 12 && (2..=4).contains(&(self.i - d)) => Ok(Arg::Other),
                Some(_) => self.err("bad decimal"),
            }
        }
        fn params(&mut self) -> Result<(), String> {
            while self.peek() == Some(b';') {
                self.i += 1;
                self.sp();
                self.key()?;
                if self.peek() == Some(b'=') {
                    self.i += 1;
                    self.bare_item()?;
                }
            }
            Ok(())
        }
        fn item_or_inner_list(&mut self) -> Result<Arg, String> {
            if self.peek() == Some(b'(') {
                self.i += 1;
                loop {
                    self.sp();
                    if self.peek() == Some(b')') {
                        self.i += 1;
                        self.params()?;
                        return Ok(Arg::Other);
                    }
                    self.bare_item()?;
                    self.params()?;
                    match self.peek() {
                        Some(b' ' | b')') => {}
                        _ => return self.err("bad inner list"),
                    }
                }
            }
            let v = self.bare_item()?;
            self.params()?;
            Ok(v)
        }
    }

    /// RFC 8941 §4.2.2. Duplicate keys keep the last value.
    pub(super) fn parse_dictionary(input: &str) -> Result<Vec<(String, Arg)>, String> {
        let mut p = P {
            s: input.as_bytes(),
            i: 0,
        };
        p.sp();
        let end = input.trim_end_matches(' ').len();
        p.s = &p.s[..end];
        let mut out: Vec<(String, Arg)> = Vec::new();
        while p.peek().is_some() {
            let k = p.key()?;
            let v = if p.peek() == Some(b'=') {
                p.i += 1;
                p.item_or_inner_list()?
            } else {
                p.params()?;
                Arg::Bool(true)
            };
            match out.iter_mut().find(|(e, _)| *e == k) {
                Some(e) => e.1 = v,
                None => out.push((k, v)),
            }
            p.ows();
            if p.peek().is_none() {
                break;
            }
            if p.peek() != Some(b',') {
                return p.err("expected ','");
            }
            p.i += 1;
            p.ows();
            if p.peek().is_none() {
                return p.err("trailing ','");
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Option<SimDuration> {
        Some(SimDuration::from_secs(n))
    }

    #[test]
    fn cache_control_basic_directives_case_insensitive() {
        // §5.2: directive names are case-insensitive.
        let p = parse_cache_control("Public, MAX-AGE=3600, s-maxage=60, must-revalidate");
        let d = p.directives;
        assert!(d.public && d.must_revalidate);
        assert_eq!((d.max_age, d.s_maxage), (s(3600), s(60)));
        assert!(p.unknown.is_empty() && p.invalid.is_empty());
        assert_eq!(p.members, 4);
    }

    #[test]
    fn unknown_directives_are_ignored() {
        // §5.2.3: caches ignore directives they do not understand.
        let p = parse_cache_control("max-age=10, community=\"UCI\", foo");
        assert_eq!(p.directives.max_age, s(10));
        assert_eq!(p.unknown, vec!["community", "foo"]);
    }

    #[test]
    fn first_duplicate_wins() {
        // §4.2.1: "either the first occurrence should be used ...".
        let p = parse_cache_control("max-age=60, max-age=3600");
        assert_eq!(p.directives.max_age, s(60));
    }

    #[test]
    fn quoted_arguments_are_accepted() {
        // §5.2: recipients SHOULD accept both token and quoted-string forms.
        let p = parse_cache_control("max-age=\"120\", no-cache=\"Set-Cookie, X-Foo\"");
        assert_eq!(p.directives.max_age, s(120));
        assert!(
            p.directives.no_cache,
            "qualified no-cache read as unqualified"
        );
        assert_eq!(p.members, 2, "the comma inside quotes does not split");
    }

    #[test]
    fn invalid_max_age_means_stale() {
        // §4.2.1: responses with invalid freshness information are stale.
        for v in ["max-age=-1", "max-age=1.5", "max-age=", "max-age=abc"] {
            let p = parse_cache_control(v);
            assert_eq!(p.directives.max_age, s(0), "{v}");
            assert_eq!(p.invalid.len(), 1, "{v}");
        }
    }

    #[test]
    fn huge_delta_seconds_saturate_at_2_pow_31() {
        // §1.2.2.
        let p = parse_cache_control("max-age=99999999999999999999");
        assert_eq!(p.directives.max_age, s(DELTA_SECONDS_MAX));
    }

    #[test]
    fn stale_windows_parse_and_invalid_ones_grant_nothing() {
        // RFC 5861 §3, §4.
        let p = parse_cache_control("max-age=1, stale-while-revalidate=30, stale-if-error=x");
        assert_eq!(p.directives.stale_while_revalidate, s(30));
        assert_eq!(p.directives.stale_if_error, None);
    }

    #[test]
    fn empty_members_and_whitespace() {
        let p = parse_cache_control(" , no-store ,, ");
        assert!(p.directives.no_store);
        assert_eq!(p.members, 1);
        assert_eq!(parse_cache_control("").members, 0);
    }

    #[test]
    fn targeted_field_is_a_dictionary() {
        // RFC 9213 §2.1 with RFC 8941 §4.2.2: last duplicate wins.
        let p = parse_targeted("max-age=60, max-age=600, private").unwrap();
        assert_eq!(p.directives.max_age, s(600));
        assert!(p.directives.private);
        // Parameters and the unregistered `none` are allowed.
        let p = parse_targeted("none").unwrap();
        assert_eq!(p.directives, Directives::default());
    }

    #[test]
    fn targeted_field_parse_errors_void_the_field() {
        // RFC 9213 §2.1: a field that fails to parse is ignored entirely.
        assert!(matches!(
            parse_targeted("Max-Age=60"),
            Err(TargetedError::Syntax(_))
        ));
        assert!(parse_targeted("max-age=60,").is_err());
        assert!(parse_targeted("max-age=\"60").is_err());
        assert_eq!(parse_targeted("  "), Err(TargetedError::Empty));
    }

    #[test]
    fn targeted_values_of_the_wrong_type_are_not_consumed() {
        // RFC 9213 §2.1: "SHOULD NOT consume values that violate these
        // inferred constraints" (max-age must be a non-negative Integer).
        let p = parse_targeted("max-age=1.5, s-maxage=\"60\", no-store=?0").unwrap();
        assert_eq!(p.directives.max_age, None);
        assert_eq!(p.directives.s_maxage, None);
        assert!(!p.directives.no_store);
        assert_eq!(p.invalid.len(), 2);
    }

    #[test]
    fn surrogate_control_plus_syntax_and_targets() {
        let p = parse_surrogate_control("content=\"ESI/1.0\", max-age=300+60, no-store;edge");
        assert_eq!(p.directives.max_age, s(300));
        assert_eq!(p.directives.stale_if_error, s(60));
        assert!(p.directives.no_store);
        assert_eq!(p.unknown, vec!["content"]);
    }
}
