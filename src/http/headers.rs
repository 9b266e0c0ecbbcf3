//! A compact model of the response header fields a shared cache acts on,
//! parsed from real field lines or built from scenario settings.
//!
//! Times are kept as durations relative to the response's `Date`, so the
//! model needs no clock: `Expires` becomes "Expires - Date" (RFC 9111
//! §4.2.1), `Last-Modified` becomes "Date - Last-Modified" (for the
//! heuristic of §4.2.2), `Age` stays a duration (§5.1).

use super::directives::{self, Directives, Parsed, TargetedError, split_list};
use crate::time::SimDuration;

/// The `Vary` field (RFC 9110 §12.5.5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Vary {
    #[default]
    None,
    /// `Vary: *`: no later request matches (RFC 9111 §4.1).
    Star,
    /// Request field names, lower-case, sorted, without duplicates.
    Fields(Vec<String>),
}

impl Vary {
    /// Parses a `Vary` value (all lines joined with `,`).
    pub fn parse(value: &str) -> Vary {
        let mut names: Vec<String> = Vec::new();
        for m in split_list(value) {
            let m = m.trim_matches([' ', '\t']);
            if m == "*" {
                return Vary::Star;
            }
            if directives::is_token(m) {
                names.push(m.to_ascii_lowercase());
            }
        }
        names.sort();
        names.dedup();
        if names.is_empty() {
            Vary::None
        } else {
            Vary::Fields(names)
        }
    }
}

/// `Expires` relative to `Date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expires {
    /// Expires - Date, positive.
    After(SimDuration),
    /// At or before `Date`, or invalid (RFC 9111 §5.3: "A cache recipient
    /// MUST interpret invalid date formats, especially the value "0", as
    /// representing a time in the past").
    Past,
}

/// What a shared cache needs from a response's header fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    /// `Cache-Control`, all lines combined.
    pub cache_control: Directives,
    /// `CDN-Cache-Control` (RFC 9213); `None` when absent, empty or not a
    /// valid dictionary, in which case it is ignored.
    pub cdn_cache_control: Option<Directives>,
    /// `Surrogate-Control`; `None` when absent or empty.
    pub surrogate_control: Option<Directives>,
    pub expires: Option<Expires>,
    /// `Age` [s] (RFC 9111 §5.1); zero when absent or invalid.
    pub age: SimDuration,
    /// `Date - Last-Modified`, when `Last-Modified` is present and valid.
    pub last_modified_age: Option<SimDuration>,
    /// An `ETag` is present (a strong or weak validator).
    pub etag: bool,
    /// A `Set-Cookie` field is present.
    pub set_cookie: bool,
    pub vary: Vary,
    /// `Surrogate-Key` values (space-separated), for purge by key.
    pub surrogate_keys: Vec<String>,
}

impl ResponseHeaders {
    /// Parses field lines `(name, value)`; names are case-insensitive and
    /// lines of one field are combined in order (RFC 9110 §5.3). `Date`
    /// defaults to `received_unix` [s since 1970], the time the response
    /// was received (RFC 9110 §6.6.1). Unknown fields are ignored.
    pub fn parse<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
        received_unix: i64,
    ) -> ResponseHeaders {
        let mut combined: Vec<(String, String)> = Vec::new();
        for (n, v) in fields {
            let n = n.trim().to_ascii_lowercase();
            match combined.iter_mut().find(|(k, _)| *k == n) {
                // Set-Cookie lines must not be combined, but presence is all we need.
                Some((_, acc)) => {
                    acc.push(',');
                    acc.push_str(v);
                }
                None => combined.push((n, v.to_string())),
            }
        }
        let get = |name: &str| {
            combined
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        // Date, Expires, Last-Modified and Age are singletons; take the
        // first line (RFC 9111 §4.2.1 "the first occurrence should be used").
        let first = |name: &str| get(name).map(split_first_date);
        let date = first("date")
            .and_then(parse_http_date)
            .unwrap_or(received_unix);
        let expires = first("expires").map(|v| match parse_http_date(v) {
            Some(t) if t > date => Expires::After(SimDuration::from_secs((t - date) as u64)),
            _ => Expires::Past,
        });
        let last_modified_age = first("last-modified")
            .and_then(parse_http_date)
            .map(|t| SimDuration::from_secs(date.saturating_sub(t).max(0) as u64));
        let age = get("age")
            .and_then(|v| v.split(',').next())
            .and_then(|v| {
                let v = v.trim();
                (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| {
                    let x = v.parse::<u64>().unwrap_or(directives::DELTA_SECONDS_MAX);
                    SimDuration::from_secs(x.min(directives::DELTA_SECONDS_MAX))
                })
            })
            .unwrap_or(SimDuration::ZERO);
        ResponseHeaders {
            cache_control: get("cache-control")
                .map(|v| directives::parse_cache_control(v).directives)
                .unwrap_or_default(),
            cdn_cache_control: get("cdn-cache-control")
                .and_then(|v| directives::parse_targeted(v).ok())
                .map(|p| p.directives),
            surrogate_control: get("surrogate-control")
                .map(directives::parse_surrogate_control)
                .filter(|p| p.members > 0)
                .map(|p| p.directives),
            expires,
            age,
            last_modified_age,
            etag: get("etag").is_some_and(|v| !v.trim().is_empty()),
            set_cookie: get("set-cookie").is_some(),
            vary: get("vary").map(Vary::parse).unwrap_or_default(),
            surrogate_keys: get("surrogate-key")
                .map(|v| {
                    v.split([' ', '\t', ','])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Settings from which a scenario builds a response's header fields
/// (each object of a header profile gets these). Strings are parsed
/// strictly: an unknown or invalid directive is an error, since in a
/// scenario it is a typo rather than a future extension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderSpec<'a> {
    pub cache_control: Option<&'a str>,
    pub cdn_cache_control: Option<&'a str>,
    pub surrogate_control: Option<&'a str>,
    pub set_cookie: bool,
    pub vary: Option<&'a str>,
    pub etag: bool,
    /// Date - Last-Modified.
    pub last_modified_age: Option<SimDuration>,
    /// Expires - Date (zero: already expired).
    pub expires: Option<SimDuration>,
    /// Age on arrival from the origin.
    pub age: SimDuration,
}

/// A scenario header setting that is not valid; `field` names the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    pub field: &'static str,
    pub message: String,
}

impl HeaderSpec<'_> {
    /// Builds the header model, rejecting unknown or invalid directives.
    pub fn build(&self) -> Result<ResponseHeaders, SpecError> {
        fn strict(field: &'static str, p: Parsed) -> Result<Directives, SpecError> {
            if let Some(u) = p.unknown.first() {
                return Err(SpecError {
                    field,
                    message: format!(
                        "unknown directive {u:?} (known: {})",
                        directives::KNOWN_DIRECTIVES.join(", ")
                    ),
                });
            }
            if let Some(i) = p.invalid.first() {
                return Err(SpecError {
                    field,
                    message: format!(
                        "invalid directive {i:?} (durations are whole seconds, e.g. max-age=3600)"
                    ),
                });
            }
            Ok(p.directives)
        }
        let cdn = match self.cdn_cache_control {
            None => None,
            Some(v) => match directives::parse_targeted(v) {
                Ok(p) => Some(strict("cdn_cache_control", p)?),
                Err(TargetedError::Empty) => None,
                Err(TargetedError::Syntax(e)) => {
                    return Err(SpecError {
                        field: "cdn_cache_control",
                        message: format!(
                            "{e}: expected a structured-field dictionary such as \"max-age=3600, stale-while-revalidate=60\" (RFC 9213)"
                        ),
                    });
                }
            },
        };
        let vary = match self.vary {
            None => Vary::None,
            Some(v) => {
                if let Some(bad) = split_list(v)
                    .into_iter()
                    .map(|m| m.trim())
                    .find(|m| !m.is_empty() && *m != "*" && !directives::is_token(m))
                {
                    return Err(SpecError {
                        field: "vary",
                        message: format!(
                            "{bad:?} is not a header field name (expected e.g. \"Accept-Encoding\" or \"*\")"
                        ),
                    });
                }
                Vary::parse(v)
            }
        };
        Ok(ResponseHeaders {
            cache_control: match self.cache_control {
                Some(v) => strict("cache_control", directives::parse_cache_control(v))?,
                None => Directives::default(),
            },
            cdn_cache_control: cdn,
            surrogate_control: match self.surrogate_control {
                Some(v) => {
                    let p = directives::parse_surrogate_control(v);
                    (p.members > 0)
                        .then(|| strict("surrogate_control", p))
                        .transpose()?
                }
                None => None,
            },
            expires: self.expires.map(|d| {
                if d == SimDuration::ZERO {
                    Expires::Past
                } else {
                    Expires::After(d)
                }
            }),
            age: self.age,
            last_modified_age: self.last_modified_age,
            etag: self.etag,
            set_cookie: self.set_cookie,
            vary,
            surrogate_keys: Vec::new(),
        })
    }
}

/// Splits off the first of several comma-joined date lines. IMF-fixdate
/// contains one comma after the day name, so split after the second comma.
fn split_first_date(v: &str) -> &str {
    match v.match_indices(',').nth(1) {
        Some((i, _)) if v.starts_with(|c: char| c.is_ascii_alphabetic()) => &v[..i],
        _ => v,
    }
}

/// Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three formats
/// (IMF-fixdate, obsolete RFC 850, asctime) into seconds since 1970 UTC.
/// Two-digit RFC 850 years below 70 are 20xx, others 19xx (the RFC's
/// "50 years in the future" rule needs a clock; this is its fixed form).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .chars()
        .map(|c| if c == ',' || c == '-' { ' ' } else { c })
        .collect();
    let t: Vec<&str> = cleaned.split_whitespace().collect();
    let month = |m: &str| {
        [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .iter()
        .position(|&x| x.eq_ignore_ascii_case(m))
        .map(|i| i as u32 + 1)
    };
    let (day, mon, year, time) = match t.as_slice() {
        // IMF-fixdate / RFC 850: day-name, DD Mon YYYY|YY HH:MM:SS GMT
        [_, d, m, y, hms, gmt] if gmt.eq_ignore_ascii_case("GMT") => {
            let y: i64 = y.parse().ok()?;
            let y = match y {
                0..=69 if t[3].len() == 2 => 2000 + y,
                70..=99 if t[3].len() == 2 => 1900 + y,
                _ => y,
            };
            (d.parse::<u32>().ok()?, month(m)?, y, *hms)
        }
        // asctime: day-name Mon D HH:MM:SS YYYY
        [_, m, d, hms, y] => (d.parse().ok()?, month(m)?, y.parse().ok()?, *hms),
        _ => return None,
    };
    let hms: Vec<u32> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, sec] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *mi > 59 || *sec > 60 {
        return None;
    }
    Some(
        days_from_civil(year, mon, day) * 86_400
            + (*h as i64) * 3600
            + (*mi as i64) * 60
            + *sec as i64,
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

    #[test]
    fn http_dates_in_all_three_formats() {
        // RFC 9110 §5.6.7: recipients MUST accept all three formats.
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(T));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(T));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(T));
        assert_eq!(parse_http_date("0"), None);
        assert_eq!(parse_http_date("Sun, 32 Nov 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn parses_fields_relative_to_date() {
        let h = ResponseHeaders::parse(
            [
                ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT"),
                ("Last-Modified", "Sat, 05 Nov 1994 08:49:37 GMT"),
                ("cache-control", "public"),
                ("Cache-Control", "max-age=60"),
                ("Age", "12"),
                ("ETag", "\"abc\""),
                ("Vary", "Accept-Encoding, accept-language"),
                ("Surrogate-Key", "a b  c"),
            ],
            0,
        );
        assert_eq!(
            h.expires,
            Some(Expires::After(SimDuration::from_secs(3600)))
        );
        assert_eq!(h.last_modified_age, Some(SimDuration::from_secs(86_400)));
        assert!(h.cache_control.public, "lines of one field are combined");
        assert_eq!(h.cache_control.max_age, Some(SimDuration::from_secs(60)));
        assert_eq!(h.age, SimDuration::from_secs(12));
        assert!(h.etag && !h.set_cookie);
        assert_eq!(
            h.vary,
            Vary::Fields(vec!["accept-encoding".into(), "accept-language".into()])
        );
        assert_eq!(h.surrogate_keys, vec!["a", "b", "c"]);
    }

    #[test]
    fn invalid_expires_is_in_the_past() {
        // RFC 9111 §5.3.
        let h = ResponseHeaders::parse([("Expires", "0")], T);
        assert_eq!(h.expires, Some(Expires::Past));
        // Without Date, the receive time stands in (RFC 9110 §6.6.1).
        let h = ResponseHeaders::parse([("Expires", "Sun, 06 Nov 1994 08:50:37 GMT")], T);
        assert_eq!(h.expires, Some(Expires::After(SimDuration::from_secs(60))));
    }

    #[test]
    fn invalid_cdn_cache_control_is_ignored() {
        // RFC 9213 §2.1.
        let h = ResponseHeaders::parse([("CDN-Cache-Control", "max-age=60;;")], 0);
        assert_eq!(h.cdn_cache_control, None);
        let h = ResponseHeaders::parse([("CDN-Cache-Control", "")], 0);
        assert_eq!(h.cdn_cache_control, None);
        let h = ResponseHeaders::parse([("CDN-Cache-Control", "max-age=60")], 0);
        assert!(h.cdn_cache_control.is_some());
    }

    #[test]
    fn age_takes_the_first_valid_value_and_ignores_junk() {
        // RFC 9111 §5.1: Age is a non-negative delta-seconds.
        let h = ResponseHeaders::parse([("Age", "30"), ("Age", "99")], 0);
        assert_eq!(h.age, SimDuration::from_secs(30));
        let h = ResponseHeaders::parse([("Age", "-3")], 0);
        assert_eq!(h.age, SimDuration::ZERO);
        let h = ResponseHeaders::parse([("Set-Cookie", "a=1"), ("set-cookie", "b=2")], 0);
        assert!(h.set_cookie);
    }

    #[test]
    fn vary_star_wins() {
        assert_eq!(Vary::parse("accept, *"), Vary::Star);
        assert_eq!(Vary::parse(""), Vary::None);
    }

    #[test]
    fn spec_is_strict() {
        let ok = HeaderSpec {
            cache_control: Some("public, max-age=3600"),
            vary: Some("Accept-Encoding"),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        assert_eq!(ok.cache_control.max_age, Some(SimDuration::from_secs(3600)));
        let e = HeaderSpec {
            cache_control: Some("max_age=3600"),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap_err();
        assert_eq!(e.field, "cache_control");
        assert!(e.message.contains("unknown directive \"max_age\""), "{e}");
        let e = HeaderSpec {
            cdn_cache_control: Some("Max-Age=1"),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap_err();
        assert_eq!(e.field, "cdn_cache_control");
        assert!(
            HeaderSpec {
                cache_control: Some("max-age=1h"),
                ..HeaderSpec::default()
            }
            .build()
            .is_err()
        );
    }
}
