//! Shared-cache decisions (RFC 9111): may a response be stored (§3), how
//! long is it fresh (§4.2.1, §4.2.2), how old is it (§4.2.3), and what to do
//! with a stored response at a given moment: serve it, serve it stale while
//! one background revalidation runs (RFC 5861 §3), or validate first (§4.3)
//! with the option of serving stale on an origin error (RFC 5861 §4).
//!
//! Everything here is a pure function of the header model, the cache's
//! [`CacheConfig`] and times handed in by the caller.

use super::headers::{Expires, ResponseHeaders, Vary};
use super::{CacheConfig, SetCookiePolicy};
use crate::time::{SimDuration, SimTime};

/// Why a response is not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotStored {
    /// `no-store` in the governing field (§3, §5.2.2.5).
    NoStore,
    /// `private`: a shared cache must not store it (§3, §5.2.2.7).
    Private,
    /// `Set-Cookie`, under the configured [`SetCookiePolicy`].
    SetCookie,
    /// `Vary: *` never matches a later request (§4.1), so storing it is
    /// pointless.
    VaryStar,
}

/// Where the freshness lifetime came from, in precedence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifetimeSource {
    /// `CDN-Cache-Control` (`s-maxage` or `max-age` in it).
    CdnCacheControl,
    /// `Surrogate-Control: max-age`.
    SurrogateControl,
    /// `Cache-Control: s-maxage` (§4.2.1, shared caches only).
    SMaxage,
    /// `Cache-Control: max-age`.
    MaxAge,
    /// `Expires - Date`.
    Expires,
    /// A fraction of `Date - Last-Modified` (§4.2.2).
    Heuristic,
    /// The cache's configured default TTL (no explicit freshness, no
    /// Last-Modified): what CDNs do, not in RFC 9111.
    DefaultTtl,
    /// Nothing: the response is stale as soon as it is stored.
    None,
}

/// A response's caching policy under one cache configuration: computed
/// once per (header profile, configuration), small and `Copy`, so a cache
/// entry can refer to it by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `Ok(())` when the response may be stored.
    pub store: Result<(), NotStored>,
    /// Freshness lifetime.
    pub lifetime: SimDuration,
    pub source: LifetimeSource,
    /// `no-cache`: every reuse needs a successful validation (§5.2.2.4).
    pub no_cache: bool,
    /// `must-revalidate` or `proxy-revalidate`: never served stale
    /// (§4.2.4, §5.2.2.2, §5.2.2.8).
    pub no_stale: bool,
    /// `stale-while-revalidate` window (RFC 5861 §3).
    pub stale_while_revalidate: SimDuration,
    /// `stale-if-error` window (RFC 5861 §4).
    pub stale_if_error: SimDuration,
    /// `immutable` (RFC 8246). Recorded only: it changes how clients
    /// revalidate on reload, which the simulated clients do not do.
    pub immutable: bool,
    /// `ETag` or `Last-Modified`: a conditional request can get a 304.
    pub validators: bool,
}

impl Policy {
    /// Evaluates a response for a shared cache.
    ///
    /// Which field governs (RFC 9213 §2.2): the first valid, non-empty
    /// targeted field in the cache's target list (`CDN-Cache-Control`, then
    /// `Surrogate-Control`, each switchable), and then `Cache-Control` and
    /// `Expires` are ignored entirely; otherwise `Cache-Control`. The
    /// lifetime (§4.2.1) is the governing field's `s-maxage`, else its
    /// `max-age`, else `Expires - Date` (only when `Cache-Control`
    /// governs), else the heuristic, else the default TTL.
    pub fn evaluate(h: &ResponseHeaders, cfg: &CacheConfig) -> Policy {
        let targeted = [
            (
                cfg.cdn_cache_control,
                h.cdn_cache_control,
                LifetimeSource::CdnCacheControl,
            ),
            (
                cfg.surrogate_control,
                h.surrogate_control,
                LifetimeSource::SurrogateControl,
            ),
        ]
        .into_iter()
        .find_map(|(on, d, src)| if on { d.map(|d| (d, src)) } else { None });
        let (d, explicit) = match targeted {
            Some((d, src)) => (d, d.s_maxage.or(d.max_age).map(|l| (l, src))),
            None => {
                let d = h.cache_control;
                let e = if let Some(l) = d.s_maxage {
                    Some((l, LifetimeSource::SMaxage))
                } else if let Some(l) = d.max_age {
                    Some((l, LifetimeSource::MaxAge))
                } else {
                    h.expires.map(|e| match e {
                        Expires::After(l) => (l, LifetimeSource::Expires),
                        Expires::Past => (SimDuration::ZERO, LifetimeSource::Expires),
                    })
                };
                (d, e)
            }
        };
        let (lifetime, source) = explicit.unwrap_or_else(|| {
            let heuristic = h
                .last_modified_age
                .filter(|_| cfg.heuristic_fraction > 0.0)
                .map(|lm| {
                    let l = SimDuration::from_secs_f64(lm.as_secs_f64() * cfg.heuristic_fraction);
                    cfg.heuristic_max.map_or(l, |m| l.min(m))
                });
            match heuristic {
                Some(l) => (l, LifetimeSource::Heuristic),
                None if cfg.default_ttl > SimDuration::ZERO => {
                    (cfg.default_ttl, LifetimeSource::DefaultTtl)
                }
                None => (SimDuration::ZERO, LifetimeSource::None),
            }
        });
        let explicit_shared = targeted.is_some() || h.cache_control.s_maxage.is_some();
        let store = if d.no_store {
            Err(NotStored::NoStore)
        } else if d.private {
            Err(NotStored::Private)
        } else if h.vary == Vary::Star {
            Err(NotStored::VaryStar)
        } else if h.set_cookie
            && match cfg.set_cookie {
                SetCookiePolicy::Bypass => true,
                SetCookiePolicy::StoreIfExplicit => !explicit_shared,
                SetCookiePolicy::Store => false,
            }
        {
            Err(NotStored::SetCookie)
        } else {
            Ok(())
        };
        Policy {
            store,
            lifetime,
            source,
            no_cache: d.no_cache,
            no_stale: d.must_revalidate || d.proxy_revalidate,
            stale_while_revalidate: d.stale_while_revalidate.unwrap_or_default(),
            stale_if_error: d.stale_if_error.unwrap_or_default(),
            immutable: d.immutable,
            validators: h.etag || h.last_modified_age.is_some(),
        }
    }

    pub fn storable(&self) -> bool {
        self.store.is_ok()
    }
}

/// The timing of one stored response (RFC 9111 §4.2.3), 24 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    /// When the response (or the 304 that refreshed it) was received.
    pub response_time: SimTime,
    /// `corrected_initial_age` of §4.2.3.
    pub initial_age: SimDuration,
    /// A background revalidation (stale-while-revalidate) is running, so
    /// further stale hits do not start another.
    pub revalidating: bool,
}

impl Stored {
    /// Records a response received at `response_time` for a request sent
    /// at `request_time`, carrying `Age: age`, generated at `date` (its
    /// `Date`; `None`: equal to the response time, as with synchronised
    /// simulated clocks). §4.2.3:
    /// `apparent_age = max(0, response_time - date_value)`,
    /// `corrected_age_value = age_value + response_delay`,
    /// `corrected_initial_age = max(apparent_age, corrected_age_value)`.
    pub fn new(
        request_time: SimTime,
        response_time: SimTime,
        age: SimDuration,
        date: Option<SimTime>,
    ) -> Stored {
        let apparent = date.map_or(SimDuration::ZERO, |d| response_time - d);
        let response_delay = response_time - request_time;
        Stored {
            response_time,
            initial_age: apparent.max(age + response_delay),
            revalidating: false,
        }
    }

    /// `current_age = corrected_initial_age + (now - response_time)`.
    pub fn current_age(&self, now: SimTime) -> SimDuration {
        self.initial_age + (now - self.response_time)
    }

    /// How long past its lifetime the response is (zero while fresh).
    pub fn staleness(&self, p: &Policy, now: SimTime) -> SimDuration {
        self.current_age(now) - p.lifetime
    }

    /// `lifetime > current_age` (§4.2).
    pub fn is_fresh(&self, p: &Policy, now: SimTime) -> bool {
        p.lifetime > self.current_age(now)
    }

    /// When the response stops being fresh.
    pub fn fresh_until(&self, p: &Policy) -> SimTime {
        (self.response_time + p.lifetime)
            .checked_sub_duration(self.initial_age)
            .unwrap_or(self.response_time)
    }

    /// A 304 arrived (§4.3.4): the stored response is refreshed with the
    /// new timing; the background flag is cleared.
    pub fn refreshed(
        &mut self,
        request_time: SimTime,
        response_time: SimTime,
        age: SimDuration,
        date: Option<SimTime>,
    ) {
        *self = Stored::new(request_time, response_time, age, date);
    }
}

/// What a cache does with a stored response for a request at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Fresh and reusable without contacting the origin (§4.2).
    Fresh,
    /// Stale but inside stale-while-revalidate: serve it now; the request
    /// with `start_revalidation` starts the one background revalidation
    /// (the caller then sets [`Stored::revalidating`]).
    StaleWhileRevalidate { start_revalidation: bool },
    /// Must be validated before use (§4.3.1): a conditional request when
    /// the response has validators (a 304 refreshes it, §4.3.4), else a
    /// full fetch. If the origin then fails, [`on_origin_error`] says
    /// whether the stale copy may be served.
    Validate { conditional: bool },
}

/// Decides how to use a stored response at `now`.
pub fn decide(p: &Policy, s: &Stored, now: SimTime) -> Decision {
    let validate = Decision::Validate {
        conditional: p.validators,
    };
    if p.no_cache {
        return validate; // §5.2.2.4: no reuse without validation
    }
    if s.is_fresh(p, now) {
        return Decision::Fresh;
    }
    if !p.no_stale && s.staleness(p, now) < p.stale_while_revalidate {
        return Decision::StaleWhileRevalidate {
            start_revalidation: !s.revalidating,
        };
    }
    validate
}

/// What to answer when the origin fails (5xx or unreachable) while a
/// stored response exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Serve the stored response (stale-if-error, RFC 5861 §4).
    ServeStale,
    /// Pass the error on.
    Fail,
}

/// stale-if-error: the stored response may be served when the origin fails
/// within the window past its lifetime. Never with `no-cache`,
/// `must-revalidate` or `proxy-revalidate`, which forbid reuse without
/// validation (RFC 9111 §4.2.4 names them; the most restrictive directive
/// wins, §4.2.1).
pub fn on_origin_error(p: &Policy, s: &Stored, now: SimTime) -> OnError {
    if p.no_cache || p.no_stale {
        return OnError::Fail;
    }
    if s.is_fresh(p, now) || s.staleness(p, now) <= p.stale_if_error {
        OnError::ServeStale
    } else {
        OnError::Fail
    }
}

trait CheckedSub {
    fn checked_sub_duration(self, d: SimDuration) -> Option<SimTime>;
}
impl CheckedSub for SimTime {
    fn checked_sub_duration(self, d: SimDuration) -> Option<SimTime> {
        self.as_nanos()
            .checked_sub(d.as_nanos())
            .map(SimTime::from_nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HeaderSpec;

    fn secs(n: u64) -> SimDuration {
        SimDuration::from_secs(n)
    }
    fn at(n: u64) -> SimTime {
        SimTime::ZERO + secs(n)
    }
    fn pol(cc: &str) -> Policy {
        let h = HeaderSpec {
            cache_control: Some(cc),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        Policy::evaluate(&h, &CacheConfig::default())
    }
    fn parsed(fields: &[(&str, &str)]) -> Policy {
        Policy::evaluate(
            &ResponseHeaders::parse(fields.iter().copied(), 0),
            &CacheConfig::default(),
        )
    }

    #[test]
    fn no_store_and_private_are_not_stored() {
        // §3: a shared cache must not store no-store or private responses.
        assert_eq!(pol("no-store, max-age=60").store, Err(NotStored::NoStore));
        assert_eq!(pol("private, max-age=60").store, Err(NotStored::Private));
        assert!(pol("public, max-age=60").storable());
        // No explicit freshness at all is still storable for a 200 (§3:
        // heuristically cacheable status), just stale at once.
        let p = pol("");
        assert!(p.storable());
        assert_eq!((p.lifetime, p.source), (secs(0), LifetimeSource::None));
    }

    #[test]
    fn precedence_cdn_cache_control_over_surrogate_over_s_maxage_over_max_age_over_expires() {
        let all = [
            ("CDN-Cache-Control", "max-age=10"),
            ("Surrogate-Control", "max-age=20"),
            ("Cache-Control", "s-maxage=30, max-age=40"),
            ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("Expires", "Sun, 06 Nov 1994 08:50:27 GMT"),
        ];
        let expect = [
            (10, LifetimeSource::CdnCacheControl),
            (20, LifetimeSource::SurrogateControl),
            (30, LifetimeSource::SMaxage),
            (50, LifetimeSource::Expires),
        ];
        for (skip, (l, src)) in expect.iter().enumerate() {
            let mut f: Vec<(&str, &str)> = all[skip..].to_vec();
            if skip == 3 {
                f.insert(0, ("Cache-Control", "public"));
            }
            let p = parsed(&f);
            assert_eq!((p.lifetime, p.source), (secs(*l), *src), "skip {skip}");
        }
        let p = parsed(&[("Cache-Control", "max-age=40")]);
        assert_eq!((p.lifetime, p.source), (secs(40), LifetimeSource::MaxAge));
    }

    #[test]
    fn targeted_field_overrides_cache_control_entirely() {
        // RFC 9213 §2.2 and its §3.1 example: Cache-Control: no-store with a
        // CDN-Cache-Control present is stored by the CDN.
        let p = parsed(&[("Cache-Control", "no-store"), ("CDN-Cache-Control", "none")]);
        assert!(p.storable());
        let p = parsed(&[
            ("Cache-Control", "max-age=600"),
            ("CDN-Cache-Control", "no-store"),
        ]);
        assert_eq!(p.store, Err(NotStored::NoStore));
        // Expires is ignored too when a targeted field governs.
        let p = parsed(&[
            ("CDN-Cache-Control", "public"),
            ("Expires", "Sun, 06 Nov 2094 08:49:37 GMT"),
        ]);
        assert_eq!(p.source, LifetimeSource::None);
        // Switching CDN-Cache-Control off restores Cache-Control.
        let h = ResponseHeaders::parse(
            [
                ("Cache-Control", "max-age=600"),
                ("CDN-Cache-Control", "max-age=5"),
            ],
            0,
        );
        let cfg = CacheConfig {
            cdn_cache_control: false,
            ..CacheConfig::default()
        };
        assert_eq!(Policy::evaluate(&h, &cfg).lifetime, secs(600));
    }

    #[test]
    fn invalid_targeted_field_falls_back_to_cache_control() {
        // RFC 9213 §2.1: an invalid targeted field is ignored.
        let p = parsed(&[
            ("Cache-Control", "max-age=600"),
            ("CDN-Cache-Control", "MAX-AGE=5"),
        ]);
        assert_eq!((p.lifetime, p.source), (secs(600), LifetimeSource::MaxAge));
    }

    #[test]
    fn heuristic_is_ten_percent_of_last_modified_age_and_configurable() {
        // §4.2.2.
        let h = HeaderSpec {
            last_modified_age: Some(secs(10 * 86_400)),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        let p = Policy::evaluate(&h, &CacheConfig::default());
        assert_eq!(
            (p.lifetime, p.source),
            (secs(86_400), LifetimeSource::Heuristic)
        );
        assert!(p.validators, "Last-Modified is a validator");
        let off = CacheConfig {
            heuristic_fraction: 0.0,
            default_ttl: secs(3600),
            ..CacheConfig::default()
        };
        let p = Policy::evaluate(&h, &off);
        assert_eq!(
            (p.lifetime, p.source),
            (secs(3600), LifetimeSource::DefaultTtl)
        );
        let capped = CacheConfig {
            heuristic_max: Some(secs(600)),
            ..CacheConfig::default()
        };
        assert_eq!(Policy::evaluate(&h, &capped).lifetime, secs(600));
    }

    #[test]
    fn set_cookie_policies() {
        let mk = |cc: &str, cdn: Option<&str>| {
            HeaderSpec {
                cache_control: Some(cc),
                cdn_cache_control: cdn,
                set_cookie: true,
                ..HeaderSpec::default()
            }
            .build()
            .unwrap()
        };
        let cfg = |p| CacheConfig {
            set_cookie: p,
            ..CacheConfig::default()
        };
        let plain = mk("max-age=60", None);
        let smax = mk("s-maxage=60", None);
        let cdn = mk("max-age=60", Some("max-age=60"));
        use SetCookiePolicy::*;
        for (policy, expect) in [
            (Bypass, [false, false, false]),
            (StoreIfExplicit, [false, true, true]),
            (Store, [true, true, true]),
        ] {
            let got = [&plain, &smax, &cdn].map(|h| Policy::evaluate(h, &cfg(policy)).storable());
            assert_eq!(got, expect, "{policy:?}");
        }
        assert_eq!(
            Policy::evaluate(&plain, &CacheConfig::default()).store,
            Err(NotStored::SetCookie),
            "default: not stored"
        );
    }

    #[test]
    fn vary_star_is_not_stored() {
        // §4.1: `*` always fails to match.
        let p = parsed(&[("Cache-Control", "max-age=60"), ("Vary", "*")]);
        assert_eq!(p.store, Err(NotStored::VaryStar));
    }

    #[test]
    fn current_age_follows_4_2_3() {
        // Request at 100, response at 102 with Age: 5 and Date at 101:
        // apparent_age = 1, corrected_age_value = 5 + 2 = 7.
        let s = Stored::new(at(100), at(102), secs(5), Some(at(101)));
        assert_eq!(s.initial_age, secs(7));
        assert_eq!(s.current_age(at(110)), secs(15));
        // A Date far behind dominates (apparent age).
        let s = Stored::new(at(100), at(102), secs(0), Some(at(50)));
        assert_eq!(s.initial_age, secs(52));
    }

    #[test]
    fn fresh_then_must_validate() {
        // §4.2: fresh while lifetime > current_age; then validate (§4.3).
        let p = pol("max-age=60");
        let s = Stored::new(at(0), at(0), secs(0), None);
        assert_eq!(decide(&p, &s, at(59)), Decision::Fresh);
        assert_eq!(s.fresh_until(&p), at(60));
        assert_eq!(
            decide(&p, &s, at(60)),
            Decision::Validate { conditional: false },
            "no validators: full fetch"
        );
        let h = HeaderSpec {
            cache_control: Some("max-age=60"),
            etag: true,
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        let p = Policy::evaluate(&h, &CacheConfig::default());
        assert_eq!(
            decide(&p, &s, at(61)),
            Decision::Validate { conditional: true }
        );
    }

    #[test]
    fn no_cache_always_validates() {
        // §5.2.2.4.
        let p = pol("no-cache, max-age=600, stale-while-revalidate=60");
        let s = Stored::new(at(0), at(0), secs(0), None);
        assert!(matches!(decide(&p, &s, at(1)), Decision::Validate { .. }));
        assert_eq!(on_origin_error(&p, &s, at(1)), OnError::Fail);
    }

    #[test]
    fn stale_while_revalidate_serves_stale_and_revalidates_once() {
        // RFC 5861 §3.
        let p = pol("max-age=60, stale-while-revalidate=30");
        let mut s = Stored::new(at(0), at(0), secs(0), None);
        assert_eq!(
            decide(&p, &s, at(70)),
            Decision::StaleWhileRevalidate {
                start_revalidation: true
            }
        );
        s.revalidating = true;
        assert_eq!(
            decide(&p, &s, at(71)),
            Decision::StaleWhileRevalidate {
                start_revalidation: false
            }
        );
        // Past the window: validate in the foreground.
        assert!(matches!(decide(&p, &s, at(90)), Decision::Validate { .. }));
        // The 304 refreshes it (§4.3.4).
        s.refreshed(at(71), at(72), secs(0), None);
        assert_eq!(decide(&p, &s, at(100)), Decision::Fresh);
        assert!(!s.revalidating);
    }

    #[test]
    fn must_revalidate_forbids_stale_serving() {
        // §4.2.4, §5.2.2.2.
        let p = pol("max-age=60, stale-while-revalidate=30, stale-if-error=600, must-revalidate");
        let s = Stored::new(at(0), at(0), secs(0), None);
        assert!(matches!(decide(&p, &s, at(70)), Decision::Validate { .. }));
        assert_eq!(on_origin_error(&p, &s, at(70)), OnError::Fail);
        let p = pol("max-age=60, stale-if-error=600, proxy-revalidate");
        assert_eq!(on_origin_error(&p, &s, at(70)), OnError::Fail);
    }

    #[test]
    fn stale_if_error_window() {
        // RFC 5861 §4.
        let p = pol("max-age=60, stale-if-error=300");
        let s = Stored::new(at(0), at(0), secs(0), None);
        assert_eq!(on_origin_error(&p, &s, at(200)), OnError::ServeStale);
        assert_eq!(on_origin_error(&p, &s, at(360)), OnError::ServeStale);
        assert_eq!(on_origin_error(&p, &s, at(361)), OnError::Fail);
        assert_eq!(
            on_origin_error(&pol("max-age=60"), &s, at(61)),
            OnError::Fail
        );
    }

    #[test]
    fn explicit_freshness_beats_the_heuristic() {
        // §4.2.2: heuristics only without explicit expiration.
        let h = HeaderSpec {
            cache_control: Some("max-age=5"),
            last_modified_age: Some(secs(1_000_000)),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        let p = Policy::evaluate(&h, &CacheConfig::default());
        assert_eq!((p.lifetime, p.source), (secs(5), LifetimeSource::MaxAge));
        // Expires in the past is explicit too: stale, no heuristic.
        let h = HeaderSpec {
            expires: Some(secs(0)),
            last_modified_age: Some(secs(1_000_000)),
            ..HeaderSpec::default()
        }
        .build()
        .unwrap();
        let p = Policy::evaluate(&h, &CacheConfig::default());
        assert_eq!((p.lifetime, p.source), (secs(0), LifetimeSource::Expires));
    }

    #[test]
    fn private_in_cdn_cache_control_is_not_stored() {
        // RFC 9213 §2.1: targeted directives have Cache-Control semantics.
        let p = parsed(&[
            ("Cache-Control", "public, max-age=60"),
            ("CDN-Cache-Control", "private"),
        ]);
        assert_eq!(p.store, Err(NotStored::Private));
    }

    #[test]
    fn invalid_max_age_is_stale_on_arrival() {
        // §4.2.1: invalid freshness information -> stale.
        let p = parsed(&[("Cache-Control", "max-age=ten")]);
        let s = Stored::new(at(0), at(0), secs(0), None);
        assert!(matches!(decide(&p, &s, at(0)), Decision::Validate { .. }));
    }
}
