//! DNS: resolvers, the authoritative server and its steering policies.
//!
//! A request's PoP is chosen in two steps, as on the Internet:
//! 1. the client asks its *resolver* (its ISP's, in its access AS near its
//!    city, or a public anycast resolver reached through BGP). A resolver
//!    caches each answer for the TTL ([`resolver::Cache`]); with EDNS
//!    Client Subnet (RFC 7871) it keys the cache, and the query, by the
//!    client's subnet truncated to the resolver's ECS prefix length;
//! 2. on a miss the resolver asks the *authoritative*
//!    ([`authoritative::Authoritative`]), whose policy picks the target:
//!    the anycast address or one PoP's unicast address.
//!
//! [`steer::Steerer`] ties the two together per client group and is what
//! the request model calls at each arrival: it returns the PoP, the path
//! RTT to it and the DNS resolution time added to the request (client ->
//! resolver -> authoritative, only when the resolver had no cached answer).
//! Everything here is clock-free: it takes `now` and returns results; the
//! measurements the latency-map and hybrid policies learn from are handed
//! in by the request model as the run proceeds.
//!
//! Model, policies, defaults and their sources: docs/dns.md.

pub mod authoritative;
pub mod population;
pub mod resolver;
pub mod steer;

pub use steer::{Choice, GroupView, Params, ResolverView, Stats, Steerer};

use crate::time::SimDuration;

// Defaults from Chen, Sitaraman and Torres, "End-User Mapping: Next
// Generation Request Routing for Content Delivery", SIGCOMM 2015 (Akamai's
// measurements of client-LDNS pairs), section 3.

/// Share of demand on public resolvers (Chen et al. 2015: "about 8%").
pub const CHEN2015_PUBLIC_SHARE: f64 = 0.08;
/// Share of the demand on ISP (non-public) resolvers that is more than
/// 500 km from its resolver (Chen et al. 2015: 11-12%; we take 11.5%).
pub const CHEN2015_ISP_FAR_SHARE: f64 = 0.115;
/// The distance that `CHEN2015_ISP_FAR_SHARE` refers to [km].
pub const CHEN2015_FAR_KM: f64 = 500.0;
/// Median client-LDNS distance over all demand: 162 miles [km].
pub const CHEN2015_MEDIAN_KM: f64 = 162.0 * 1.609_344;
/// Median client-LDNS distance of public-resolver clients: 1,028 miles
/// [km]. Not an input: in the model it follows from where the public
/// resolver's sites are; reported beside the measured value.
pub const CHEN2015_PUBLIC_MEDIAN_KM: f64 = 1028.0 * 1.609_344;

/// Default answer TTL: 20 s, the TTL Akamai gives its mapping answers
/// (Chen et al. 2015, section 2).
pub const DEFAULT_TTL: SimDuration = SimDuration::from_secs(20);
/// Default sites of the public resolver service (our choice: eight large
/// interconnection cities in North America, Europe and Asia, none in South
/// America, Africa, India or Oceania, so distant users exist as in 2015).
pub const DEFAULT_PUBLIC_SITES: [&str; 8] = [
    "Ashburn",
    "Chicago",
    "Dallas",
    "Los Angeles",
    "London",
    "Frankfurt",
    "Singapore",
    "Tokyo",
];
/// AS number of the public resolver service (RFC 5398 documentation range).
pub const DEFAULT_PUBLIC_ASN: u32 = 64510;
/// ECS source prefix length of public resolvers (RFC 7871 section 11.1
/// recommends /24 for IPv4; Google Public DNS sends /24).
pub const DEFAULT_PUBLIC_ECS_PREFIX: u8 = 24;
/// Default authoritative server sites; a resolver uses the nearest.
pub const DEFAULT_AUTHORITATIVE: [&str; 3] = ["Ashburn", "Frankfurt", "Singapore"];
/// Default time from a PoP's failure (or recovery) until the
/// authoritative's health checks stop (or resume) answering with it: three
/// consecutive failed checks at a 10 s interval (Amazon Route 53's fast
/// interval with its default failure threshold of 3). Our choice; answers
/// already in resolver caches still live out their TTL.
pub const DEFAULT_HEALTH_CHECK_DELAY: SimDuration = SimDuration::from_secs(30);
/// latency-map window and hybrid training period.
pub const DEFAULT_WINDOW: SimDuration = SimDuration::from_secs(300);
/// Share of requests followed by a measurement beacon.
pub const DEFAULT_BEACON_SHARE: f64 = 0.02;
/// hybrid: measurements per target before it can replace anycast.
pub const DEFAULT_HYBRID_MIN_SAMPLES: u32 = 10;
/// load-aware: a PoP takes more demand only below this share of capacity.
/// The margin absorbs errors of the per-key demand estimates, which are
/// biased low on a full PoP (the keys that still fit are those whose
/// estimate happened to be low): at 90% we measured a 10 s peak of 81.4/s
/// on an 80/s PoP (scenarios/anycast-vs-dns.toml, 400/s, 180 s), at 80%
/// 74.3/s.
pub const DEFAULT_LOAD_THRESHOLD: f64 = 0.8;
/// explicit: PoPs asked for the object, nearest first.
pub const DEFAULT_EXPLICIT_CANDIDATES: u32 = 3;
/// load-aware: width of the buckets in which demand per key is counted.
pub const DEMAND_BUCKET: SimDuration = SimDuration::from_secs(10);

/// What the authoritative answers: the anycast address or one PoP's
/// unicast address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Anycast,
    Pop(u32),
}

/// The subnet of a /24 client prefix seen through an ECS prefix length of
/// `len` bits (0: no ECS, the whole resolver is one scope).
pub fn ecs_scope(subnet24: u32, len: u8) -> u32 {
    match len {
        0 => NO_SCOPE,
        l if l >= 24 => subnet24,
        l => subnet24 >> (24 - u32::from(l)),
    }
}

/// The scope of a resolver without ECS.
pub const NO_SCOPE: u32 = u32::MAX;

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// relative error below 1.2e-9), for fitting distance distributions.
pub fn probit(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Lognormal (mu, sigma) of the ISP client-resolver distance [km] such
/// that the overall median is `median_km` and a share `far_share` of ISP
/// demand is beyond `CHEN2015_FAR_KM`, given a share `public_share` of
/// demand on public resolvers. Public-resolver clients are assumed farther
/// than the overall median (1,028 vs 162 miles in Chen et al.), so the
/// overall median is the ISP distribution's `0.5 / (1 - public_share)`
/// quantile. None when the inputs admit no such distribution.
pub fn isp_distance_lognormal(
    median_km: f64,
    far_share: f64,
    public_share: f64,
) -> Option<(f64, f64)> {
    let q = 0.5 / (1.0 - public_share);
    if !(q < 1.0 && far_share > 0.0 && far_share < 1.0 && median_km > 0.0) {
        return None;
    }
    let (zq, zf) = (probit(q), probit(1.0 - far_share));
    let sigma = (CHEN2015_FAR_KM.ln() - median_km.ln()) / (zf - zq);
    (sigma.is_finite() && sigma > 0.0).then(|| (median_km.ln() - sigma * zq, sigma))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probit_matches_known_quantiles() {
        assert!(probit(0.5).abs() < 1e-9);
        assert!((probit(0.975) - 1.959_963_985).abs() < 1e-6);
        assert!((probit(0.01) + 2.326_347_874).abs() < 1e-6);
    }

    #[test]
    fn chen_defaults_give_the_published_median_and_far_share() {
        let (mu, s) = isp_distance_lognormal(
            CHEN2015_MEDIAN_KM,
            CHEN2015_ISP_FAR_SHARE,
            CHEN2015_PUBLIC_SHARE,
        )
        .unwrap();
        // P(ISP distance > 500 km) = 1 - Phi((ln 500 - mu) / s).
        let z = (CHEN2015_FAR_KM.ln() - mu) / s;
        assert!((probit(1.0 - CHEN2015_ISP_FAR_SHARE) - z).abs() < 1e-9);
        // Hand-computed: q = 0.5/0.92 = 0.5435, z_q = 0.1091, z_f = 1.2004,
        // sigma = ln(500/260.7)/1.0913 = 0.5966, median = 260.7 e^(-0.0651).
        assert!((s - 0.5966).abs() < 1e-3, "{s}");
        assert!((mu.exp() - 244.3).abs() < 0.5, "{}", mu.exp());
    }

    #[test]
    fn ecs_scopes_truncate_the_client_prefix() {
        assert_eq!(ecs_scope(0x01_0203, 24), 0x01_0203);
        assert_eq!(ecs_scope(0x01_0203, 16), 0x0102);
        assert_eq!(ecs_scope(0x01_0203, 32), 0x01_0203);
        assert_eq!(ecs_scope(0x01_0203, 0), NO_SCOPE);
    }
}
