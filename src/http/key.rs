//! Cache keys: normalising the request target's query string and adding the
//! request fields named by `Vary` (RFC 9111 §4.1).
//!
//! A key is a 64-bit FNV-1a hash of the normalised target and the varying
//! field values, so it is stable across runs and machines.

use super::headers::Vary;
use crate::rng::fnv1a64;
use serde::{Deserialize, Serialize};

/// What the key keeps of the query string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryMode {
    /// The query string as sent (every distinct query is a distinct object).
    #[default]
    Keep,
    /// Parameters sorted by name, then value (`?b=1&a=2` = `?a=2&b=1`).
    Sort,
    /// No query string at all.
    Strip,
    /// Only the listed parameters, sorted.
    Only,
    /// All but the listed parameters, sorted.
    Except,
}

/// Cache-key normalisation, a scenario option of each cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// `keep` (default), `sort`, `strip`, `only` or `except`.
    #[serde(default)]
    pub query: QueryMode,
    /// Parameter names for `only` / `except`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
}

/// A cache key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CacheKey(pub u64);

impl KeyConfig {
    /// Checks that `params` is given exactly when the mode uses it.
    pub fn check(&self) -> Result<(), String> {
        match (self.query, self.params.is_empty()) {
            (QueryMode::Only | QueryMode::Except, true) => Err(format!(
                "query = \"{}\" needs a non-empty `params` list",
                if self.query == QueryMode::Only {
                    "only"
                } else {
                    "except"
                }
            )),
            (QueryMode::Keep | QueryMode::Sort | QueryMode::Strip, false) => {
                Err("`params` is only used with query = \"only\" or \"except\"".to_string())
            }
            _ => Ok(()),
        }
    }

    /// Whether parameter `name` survives normalisation.
    pub fn keeps_param(&self, name: &str) -> bool {
        match self.query {
            QueryMode::Keep | QueryMode::Sort => true,
            QueryMode::Strip => false,
            QueryMode::Only => self.params.iter().any(|p| p == name),
            QueryMode::Except => !self.params.iter().any(|p| p == name),
        }
    }

    /// Normalises a request target `path[?query][#fragment]` (the fragment
    /// is never sent, so it is dropped). Parameter names and values are
    /// compared as written (no percent-decoding).
    pub fn normalize(&self, target: &str) -> String {
        let target = target.split('#').next().unwrap_or(target);
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, q),
            None => return target.to_string(),
        };
        if self.query == QueryMode::Keep {
            return target.to_string();
        }
        let mut params: Vec<(&str, &str)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .filter(|(n, _)| self.keeps_param(n))
            .collect();
        if params.is_empty() {
            return path.to_string();
        }
        params.sort();
        let q: Vec<String> = params
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    n.to_string()
                } else {
                    format!("{n}={v}")
                }
            })
            .collect();
        format!("{path}?{}", q.join("&"))
    }

    /// The key of a request for `target` with `request_fields` (name,
    /// value), against a stored response's `Vary`. `None` for `Vary: *`
    /// (never matches, §4.1). Each varying field contributes its combined
    /// value with whitespace runs collapsed (§4.1 allows normalising
    /// whitespace) or an "absent" marker distinct from an empty value.
    pub fn key(
        &self,
        target: &str,
        request_fields: &[(&str, &str)],
        vary: &Vary,
    ) -> Option<CacheKey> {
        let mut material = self.normalize(target);
        match vary {
            Vary::Star => return None,
            Vary::None => {}
            Vary::Fields(names) => {
                for n in names {
                    let values: Vec<String> = request_fields
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(n))
                        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
                        .collect();
                    material.push('\0');
                    material.push_str(n);
                    if values.is_empty() {
                        material.push('\u{1}'); // absent
                    } else {
                        material.push('=');
                        material.push_str(&values.join(", "));
                    }
                }
            }
        }
        Some(CacheKey(fnv1a64(material.as_bytes())))
    }

    /// The key of a simulated request: object `object`, and when the
    /// request carries a cache-busting parameter `bust_param` with value
    /// `bust`, that parameter too unless normalisation drops it; `variant`
    /// is the index of the request's value of the varying fields (0 when
    /// the response does not vary).
    pub fn object_key(
        &self,
        object: u64,
        bust: Option<u64>,
        bust_param: &str,
        variant: u32,
    ) -> CacheKey {
        let mut h = object ^ 0x6b43_a9b5_d2f1_0e37;
        let mut mix = |x: u64| {
            h = crate::rng::splitmix64(&mut (h ^ x));
        };
        if let Some(b) = bust.filter(|_| self.keeps_param(bust_param)) {
            mix(b.rotate_left(1) | 1);
        }
        if variant != 0 {
            mix(u64::from(variant) << 32);
        }
        mix(0);
        CacheKey(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(query: QueryMode, params: &[&str]) -> KeyConfig {
        KeyConfig {
            query,
            params: params.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn query_modes() {
        let t = "/a/b.js?v=2&cb=123&a=1#frag";
        assert_eq!(
            cfg(QueryMode::Keep, &[]).normalize(t),
            "/a/b.js?v=2&cb=123&a=1"
        );
        assert_eq!(
            cfg(QueryMode::Sort, &[]).normalize(t),
            "/a/b.js?a=1&cb=123&v=2"
        );
        assert_eq!(cfg(QueryMode::Strip, &[]).normalize(t), "/a/b.js");
        assert_eq!(cfg(QueryMode::Only, &["v"]).normalize(t), "/a/b.js?v=2");
        assert_eq!(
            cfg(QueryMode::Except, &["cb"]).normalize(t),
            "/a/b.js?a=1&v=2"
        );
        assert_eq!(cfg(QueryMode::Only, &["x"]).normalize(t), "/a/b.js");
        assert!(cfg(QueryMode::Only, &[]).check().is_err());
        assert!(cfg(QueryMode::Sort, &["x"]).check().is_err());
    }

    #[test]
    fn sorted_keys_collapse_permutations() {
        let k = cfg(QueryMode::Sort, &[]);
        let a = k.key("/x?b=1&a=2", &[], &Vary::None);
        let b = k.key("/x?a=2&b=1", &[], &Vary::None);
        assert_eq!(a, b);
        let keep = KeyConfig::default();
        assert_ne!(
            keep.key("/x?b=1&a=2", &[], &Vary::None),
            keep.key("/x?a=2&b=1", &[], &Vary::None)
        );
    }

    #[test]
    fn vary_adds_request_fields() {
        // RFC 9111 §4.1.
        let k = KeyConfig::default();
        let v = Vary::Fields(vec!["accept-encoding".into()]);
        let gz = k.key("/x", &[("Accept-Encoding", "gzip")], &v);
        let gz2 = k.key("/x", &[("accept-encoding", "gzip")], &v);
        let br = k.key("/x", &[("Accept-Encoding", "br")], &v);
        let none = k.key("/x", &[], &v);
        let empty = k.key("/x", &[("Accept-Encoding", "")], &v);
        assert_eq!(gz, gz2, "field names are case-insensitive");
        assert_ne!(gz, br);
        assert_ne!(none, empty, "absent differs from empty");
        // A field not named by Vary does not matter.
        assert_eq!(
            k.key("/x", &[("Accept-Encoding", "gzip"), ("X", "1")], &v),
            gz
        );
        assert_eq!(k.key("/x", &[], &Vary::Star), None);
    }

    #[test]
    fn object_keys_and_busting() {
        let keep = KeyConfig::default();
        let strip = cfg(QueryMode::Strip, &[]);
        let only = cfg(QueryMode::Only, &["v"]);
        let base = keep.object_key(7, None, "cb", 0);
        assert_ne!(keep.object_key(7, Some(1), "cb", 0), base);
        assert_ne!(
            keep.object_key(7, Some(1), "cb", 0),
            keep.object_key(7, Some(2), "cb", 0)
        );
        assert_eq!(
            strip.object_key(7, Some(1), "cb", 0),
            strip.object_key(7, None, "cb", 0)
        );
        assert_eq!(
            only.object_key(7, Some(1), "cb", 0),
            only.object_key(7, None, "cb", 0)
        );
        assert_ne!(keep.object_key(7, None, "cb", 1), base);
        assert_ne!(keep.object_key(8, None, "cb", 0), base);
    }
}
