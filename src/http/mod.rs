//! HTTP caching semantics for a shared (CDN) cache, as pure functions.
//!
//! - [`directives`]: `Cache-Control` (RFC 9111 §5.2), `Surrogate-Control`
//!   and targeted fields such as `CDN-Cache-Control` (RFC 9213), parsed
//!   tolerantly as the RFCs require.
//! - [`headers`]: [`ResponseHeaders`], the compact header model, parsed from
//!   real field lines or built from scenario settings ([`HeaderSpec`]).
//! - [`freshness`]: storability (§3), freshness lifetime and its precedence
//!   (RFC 9213 §2.2, RFC 9111 §4.2.1-§4.2.2), age (§4.2.3), and the
//!   decision for a stored response at `now`: fresh, stale-while-revalidate,
//!   validate (conditional or full), stale-if-error.
//! - [`key`]: cache-key normalisation (query strings, `Vary`).
//!
//! Nothing here reads a clock: callers pass `now` and stored times. The
//! choices made where the RFCs leave room are in `docs/http-caching.md`.

pub mod directives;
pub mod freshness;
pub mod headers;
pub mod key;

pub use directives::Directives;
pub use freshness::{
    Decision, LifetimeSource, NotStored, OnError, Policy, Stored, decide, on_origin_error,
};
pub use headers::{Expires, HeaderSpec, ResponseHeaders, Vary};
pub use key::{CacheKey, KeyConfig, QueryMode};

use crate::time::SimDuration;
use crate::units::{Duration, Share};
use serde::{Deserialize, Serialize};

/// Default heuristic fraction of `Date - Last-Modified` (RFC 9111 §4.2.2:
/// "a typical setting of this fraction might be 10%").
pub const DEFAULT_HEURISTIC_FRACTION: f64 = 0.10;

/// How a shared cache treats responses that carry `Set-Cookie`.
///
/// RFC 9111 does not forbid storing them, but CDNs do not by default:
/// Fastly's default VCL passes (does not cache) any response with
/// `Set-Cookie`; Cloudflare with origin cache control does not cache it,
/// and caches it (dropping the cookie) only when an edge TTL is set
/// explicitly. See docs/http-caching.md.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetCookiePolicy {
    /// Never store (Fastly's default). The default.
    #[default]
    Bypass,
    /// Store only when the response gives a shared cache an explicit
    /// lifetime: a valid `CDN-Cache-Control`/`Surrogate-Control`, or
    /// `s-maxage` (like Cloudflare with an explicit edge TTL).
    StoreIfExplicit,
    /// Store as if the cookie were absent (the letter of RFC 9111).
    Store,
}

/// A shared cache's HTTP-semantics options (a scenario table).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, from = "RawCacheConfig", into = "RawCacheConfig")]
pub struct CacheConfig {
    pub set_cookie: SetCookiePolicy,
    /// Fraction of `Date - Last-Modified` used as heuristic lifetime; 0
    /// turns the heuristic off.
    pub heuristic_fraction: f64,
    /// Upper bound of a heuristic lifetime.
    pub heuristic_max: Option<SimDuration>,
    /// Lifetime for storable responses with no explicit freshness and no
    /// `Last-Modified` (zero: none, the RFC behaviour).
    pub default_ttl: SimDuration,
    /// Honour `CDN-Cache-Control` (RFC 9213).
    pub cdn_cache_control: bool,
    /// Honour `Surrogate-Control` (after `CDN-Cache-Control`).
    pub surrogate_control: bool,
}

impl Default for CacheConfig {
    fn default() -> Self {
        RawCacheConfig::default().into()
    }
}

fn yes() -> bool {
    true
}
fn default_heuristic() -> Share {
    Share(DEFAULT_HEURISTIC_FRACTION)
}

/// The scenario form of [`CacheConfig`], with human units.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCacheConfig {
    /// `bypass` (default), `store-if-explicit` or `store`.
    #[serde(default)]
    pub set_cookie: SetCookiePolicy,
    /// Share of `Date - Last-Modified`; `0%` turns the heuristic off.
    #[serde(default = "default_heuristic")]
    pub heuristic: Share,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heuristic_max: Option<Duration>,
    #[serde(default)]
    pub default_ttl: Duration,
    #[serde(default = "yes")]
    pub cdn_cache_control: bool,
    #[serde(default = "yes")]
    pub surrogate_control: bool,
}

impl Default for RawCacheConfig {
    fn default() -> Self {
        RawCacheConfig {
            set_cookie: SetCookiePolicy::default(),
            heuristic: default_heuristic(),
            heuristic_max: None,
            default_ttl: Duration::default(),
            cdn_cache_control: true,
            surrogate_control: true,
        }
    }
}

impl From<RawCacheConfig> for CacheConfig {
    fn from(r: RawCacheConfig) -> Self {
        CacheConfig {
            set_cookie: r.set_cookie,
            heuristic_fraction: r.heuristic.0,
            heuristic_max: r.heuristic_max.map(Duration::get),
            default_ttl: r.default_ttl.get(),
            cdn_cache_control: r.cdn_cache_control,
            surrogate_control: r.surrogate_control,
        }
    }
}

impl From<CacheConfig> for RawCacheConfig {
    fn from(c: CacheConfig) -> Self {
        RawCacheConfig {
            set_cookie: c.set_cookie,
            heuristic: Share(c.heuristic_fraction),
            heuristic_max: c.heuristic_max.map(Duration),
            default_ttl: Duration(c.default_ttl),
            cdn_cache_control: c.cdn_cache_control,
            surrogate_control: c.surrogate_control,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_config_from_toml_with_defaults() {
        let c: CacheConfig =
            toml::from_str("set_cookie = \"store-if-explicit\"\ndefault_ttl = \"1h\"").unwrap();
        assert_eq!(c.set_cookie, SetCookiePolicy::StoreIfExplicit);
        assert_eq!(c.default_ttl, SimDuration::from_secs(3600));
        assert_eq!(c.heuristic_fraction, DEFAULT_HEURISTIC_FRACTION);
        assert!(c.cdn_cache_control && c.surrogate_control);
        assert!(toml::from_str::<CacheConfig>("set_cookies = \"store\"").is_err());
        let d = CacheConfig::default();
        assert_eq!(d.set_cookie, SetCookiePolicy::Bypass);
        assert_eq!(d.default_ttl, SimDuration::ZERO);
    }
}
