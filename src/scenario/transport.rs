//! The transport, capacity, edge-compute and attack parts of a scenario:
//! raw serde data (unknown keys rejected) and their validation into typed
//! configuration. Keys and defaults: docs/scenario.md; the model:
//! docs/transport.md.

use super::load::Locator;
use crate::capacity::{self, SiteCapacity};
use crate::error::InputError;
use crate::geo::Cities;
use crate::time::SimDuration;
use crate::transport::{self as tp, ClientTransport, EdgeCompute, TcpParams};
use crate::units::{Bandwidth, Bytes, Duration, Rate, Share};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---- raw -----------------------------------------------------------------

/// Which transport model builds a request's time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportModel {
    /// Every request on an open, warmed-up connection: TTFB = RTT + server
    /// time; completion = TTFB (no transfer time).
    #[default]
    WarmConnection,
    /// Connection setup by protocol, reuse, slow start, loss (src/transport).
    PerRequest,
}

impl TransportModel {
    /// The name written into summary.json's `transport`.
    pub fn name(self) -> &'static str {
        match self {
            TransportModel::WarmConnection => "warm-connection",
            TransportModel::PerRequest => "per-request",
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Transport {
    #[serde(default)]
    pub model: TransportModel,
    /// TCP maximum segment size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mss: Option<Bytes>,
    /// Initial congestion window [segments].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_window: Option<u32>,
    /// Floor of the retransmission timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rto_min: Option<Duration>,
    /// How every client group connects (defaults below).
    #[serde(default)]
    pub clients: ClientProfile,
    /// Overrides per client continent (AF, AN, AS, EU, NA, OC, SA).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, ClientProfile>,
}

/// Shares of the protocols clients use; must sum to 100%.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolMix {
    #[serde(rename = "tcp-tls1.2", default)]
    pub tls12: Share,
    #[serde(rename = "tcp-tls1.3", default)]
    pub tls13: Share,
    #[serde(default)]
    pub quic: Share,
}

/// Client access bandwidth: lognormal per request.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BandwidthDist {
    pub median: Bandwidth,
    #[serde(default)]
    pub sigma: f64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols: Option<ProtocolMix>,
    /// Share of requests on an already-open connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_share: Option<Share>,
    /// Alternative to `warm_share`: requests per connection (>= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_connection: Option<f64>,
    /// Share of new connections resuming a TLS session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumption: Option<Share>,
    /// Share of resumed connections sending 0-RTT early data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_rtt: Option<Share>,
    /// Concurrent responses multiplexed on one connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<BandwidthDist>,
    /// Packet loss probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Share>,
}

/// Capacities of a site; at `cdn.capacity` (every PoP) and
/// `cdn.pops[].capacity` (one PoP, field by field over `cdn.capacity`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Requests per second the site processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<Rate>,
    /// Workers sharing that rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<u32>,
    /// Egress bandwidth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Bandwidth>,
    /// Waiting room per queue [requests].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<u32>,
}

/// An edge function for dynamic (uncacheable) requests.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    /// Share of dynamic requests the function handles.
    #[serde(default = "default_full_share")]
    pub share: Share,
    pub median: Duration,
    #[serde(default)]
    pub sigma: f64,
    #[serde(default)]
    pub cold_start_share: Share,
    #[serde(default)]
    pub cold_start: Duration,
    /// The function fetches from the origin (else it answers at the edge).
    #[serde(default = "default_true")]
    pub origin_fetch: bool,
}

fn default_full_share() -> Share {
    Share(1.0)
}
fn default_true() -> bool {
    true
}

/// What an attack's requests ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    /// A cached object: served at the edge (PoP request and egress capacity).
    #[default]
    Cached,
    /// An uncacheable URL: the PoP forwards it up its hierarchy (upper tier
    /// for the request's key, then the origin site), loading each one's
    /// queues (`cdn.tiers.limits`, `origin.limits`).
    Dynamic,
}

/// Where the bots of an attack are: client groups matching a city, a
/// continent or an access AS (at least one key).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttackSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attack {
    pub name: String,
    /// Total request rate of the attack.
    pub rate: Rate,
    /// `"service"` (the address steering gives each bot's group: the
    /// anycast address under anycast) or `"pop:NAME"` (one PoP's unicast
    /// address).
    #[serde(default = "default_target")]
    pub target: String,
    #[serde(default)]
    pub kind: AttackKind,
    /// Response size of one attack request.
    #[serde(default = "default_attack_size")]
    pub size: Bytes,
    #[serde(default)]
    pub start: Duration,
    /// How long it lasts (default: to the end of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    pub from: Vec<AttackSource>,
}

fn default_target() -> String {
    "service".into()
}
fn default_attack_size() -> Bytes {
    Bytes(DEFAULT_ATTACK_SIZE)
}

/// Response size of an attack request when not given [bytes].
pub const DEFAULT_ATTACK_SIZE: u64 = 1000;
/// Continent codes of the city table.
pub const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

// ---- validated -----------------------------------------------------------

/// How one client population connects and what its path is like.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientPath {
    pub conn: ClientTransport,
    pub bandwidth_median_bps: f64,
    pub bandwidth_sigma: f64,
    pub loss: f64,
}

#[derive(Clone, Debug)]
pub struct TransportConfig {
    pub model: TransportModel,
    pub tcp: TcpParams,
    /// Per client group (regions applied).
    pub per_group: Vec<ClientPath>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttackTarget {
    Service,
    Pop(usize),
}

#[derive(Clone, Debug)]
pub struct AttackConfig {
    pub name: String,
    /// [1/s]
    pub rate: f64,
    pub target: AttackTarget,
    pub kind: AttackKind,
    pub size: u64,
    pub start: SimDuration,
    pub end: SimDuration,
    /// (client group, normalised share of the attack).
    pub sources: Vec<(usize, f64)>,
}

/// Everything this file validates.
#[derive(Clone, Debug)]
pub struct Validated {
    pub transport: TransportConfig,
    pub pop_capacity: Vec<SiteCapacity>,
    /// Per upper tier (scenario order) and per origin site (`[0]` is
    /// `origin.city`): request and egress limits.
    pub tier_capacity: Vec<SiteCapacity>,
    pub origin_capacity: Vec<SiteCapacity>,
    pub compute: Option<(EdgeCompute, bool)>,
    pub attacks: Vec<AttackConfig>,
}

/// The facts of the scenario this validation needs.
pub struct Context<'a> {
    pub loc: &'a Locator,
    pub cities: &'a Cities,
    pub pop_names: Vec<&'a str>,
    /// Per client group: (city id, continent, access ASN if given).
    pub groups: Vec<(crate::geo::CityId, &'a str, Option<u32>)>,
    pub duration: SimDuration,
}

fn merge(over: &ClientProfile, base: &ClientProfile) -> ClientProfile {
    ClientProfile {
        protocols: over.protocols.clone().or_else(|| base.protocols.clone()),
        // warm_share / requests_per_connection override as a pair.
        warm_share: if over.warm_share.is_some() || over.requests_per_connection.is_some() {
            over.warm_share
        } else {
            base.warm_share
        },
        requests_per_connection: if over.warm_share.is_some()
            || over.requests_per_connection.is_some()
        {
            over.requests_per_connection
        } else {
            base.requests_per_connection
        },
        resumption: over.resumption.or(base.resumption),
        zero_rtt: over.zero_rtt.or(base.zero_rtt),
        streams: over.streams.or(base.streams),
        bandwidth: over.bandwidth.clone().or_else(|| base.bandwidth.clone()),
        loss: over.loss.or(base.loss),
    }
}

fn client_path(p: &ClientProfile, path: &str, loc: &Locator) -> Result<ClientPath, InputError> {
    let err = |f: &str, m: String| loc.error_at(&format!("{path}.{f}"), m);
    let mix = match &p.protocols {
        Some(m) => {
            let v = [m.tls12.0, m.tls13.0, m.quic.0];
            let sum: f64 = v.iter().sum();
            if (sum - 1.0).abs() > 1e-9 {
                return Err(err(
                    "protocols",
                    format!(
                        "shares sum to {}% (expected 100% over \"tcp-tls1.2\", \"tcp-tls1.3\" and \"quic\")",
                        (sum * 1e6).round() / 1e4
                    ),
                ));
            }
            v
        }
        None => tp::DEFAULT_PROTOCOL_MIX,
    };
    let warm_share = match (p.warm_share, p.requests_per_connection) {
        (Some(_), Some(_)) => {
            return Err(err(
                "requests_per_connection",
                "give either warm_share or requests_per_connection, not both".into(),
            ));
        }
        (Some(w), None) => w.0,
        (None, Some(n)) => {
            if !(n.is_finite() && (1.0..=1e6).contains(&n)) {
                return Err(err(
                    "requests_per_connection",
                    format!("{n} is out of range (expected 1 to 1000000)"),
                ));
            }
            tp::warm_share_of_requests_per_connection(n)
        }
        (None, None) => tp::DEFAULT_WARM_SHARE,
    };
    let streams = p.streams.unwrap_or(tp::DEFAULT_STREAMS);
    if !(1..=1000).contains(&streams) {
        return Err(err(
            "streams",
            format!("{streams} is out of range (expected 1 to 1000)"),
        ));
    }
    let (median, sigma) = match &p.bandwidth {
        Some(b) => (b.median.0, b.sigma),
        None => (
            tp::DEFAULT_BANDWIDTH_MEDIAN_BPS,
            tp::DEFAULT_BANDWIDTH_SIGMA,
        ),
    };
    if !(median > 0.0 && median <= 1e13) {
        return Err(err(
            "bandwidth.median",
            format!("{median} bit/s is out of range (expected above 0, at most 10Tbps)"),
        ));
    }
    if !(sigma.is_finite() && (0.0..=3.0).contains(&sigma)) {
        return Err(err(
            "bandwidth.sigma",
            format!("{sigma} is out of range (expected 0 to 3)"),
        ));
    }
    let loss = p.loss.map_or(tp::DEFAULT_LOSS, |s| s.0);
    if loss >= 0.5 {
        return Err(err(
            "loss",
            format!(
                "{}% is implausibly high (expected below 50%)",
                (loss * 1e6).round() / 1e4
            ),
        ));
    }
    Ok(ClientPath {
        conn: ClientTransport {
            mix,
            warm_share,
            resumption_share: p.resumption.map_or(tp::DEFAULT_RESUMPTION_SHARE, |s| s.0),
            zero_rtt_share: p.zero_rtt.map_or(tp::DEFAULT_ZERO_RTT_SHARE, |s| s.0),
            streams,
        },
        bandwidth_median_bps: median,
        bandwidth_sigma: sigma,
        loss,
    })
}

fn site_capacity(
    c: &Capacity,
    base: Option<&Capacity>,
    path: &str,
    loc: &Locator,
) -> Result<SiteCapacity, InputError> {
    let err = |f: &str, m: String| loc.error_at(&format!("{path}.{f}"), m);
    let requests = c.requests.or(base.and_then(|b| b.requests)).map(|r| r.0);
    if let Some(r) = requests.filter(|r| *r <= 0.0) {
        return Err(err(
            "requests",
            format!("{r}/s must be positive, e.g. \"20k/s\" (omit it for no limit)"),
        ));
    }
    let egress = c.egress.or(base.and_then(|b| b.egress)).map(|b| b.0);
    if let Some(b) = egress.filter(|b| *b <= 0.0) {
        return Err(err(
            "egress",
            format!("{b} bit/s must be positive, e.g. \"10Gbps\" (omit it for no limit)"),
        ));
    }
    let servers = c
        .servers
        .or(base.and_then(|b| b.servers))
        .unwrap_or(capacity::DEFAULT_SERVERS);
    if !(1..=100_000).contains(&servers) {
        return Err(err(
            "servers",
            format!("{servers} is out of range (expected 1 to 100000)"),
        ));
    }
    let room = c
        .queue
        .or(base.and_then(|b| b.queue))
        .unwrap_or(capacity::DEFAULT_QUEUE_ROOM);
    if room > 10_000_000 {
        return Err(err(
            "queue",
            format!("{room} is out of range (expected 0 to 10000000)"),
        ));
    }
    Ok(SiteCapacity {
        requests_per_s: requests,
        servers,
        egress_bps: egress,
        room,
    })
}

/// Validates the transport, capacity, compute and attack keys.
pub fn validate(s: &super::raw::Scenario, cx: &Context) -> Result<Validated, InputError> {
    let loc = cx.loc;
    let err = |p: &str, m: String| loc.error_at(p, m);
    let t = s.transport.clone().unwrap_or_default();
    let mss = t.mss.map_or(u64::from(tp::DEFAULT_MSS), |b| b.0);
    if !(536..=9000).contains(&mss) {
        return Err(err(
            "transport.mss",
            format!("{mss} B is out of range (expected 536B to 9000B)"),
        ));
    }
    let iw = t.initial_window.unwrap_or(tp::DEFAULT_INITIAL_WINDOW);
    if !(1..=1000).contains(&iw) {
        return Err(err(
            "transport.initial_window",
            format!("{iw} is out of range (expected 1 to 1000 segments)"),
        ));
    }
    let rto_min = t.rto_min.map_or(tp::DEFAULT_RTO_MIN, |d| d.get());
    if rto_min == SimDuration::ZERO || rto_min > SimDuration::from_secs(10) {
        return Err(err(
            "transport.rto_min",
            format!("{rto_min} is out of range (expected above 0, at most 10s)"),
        ));
    }
    for k in t.regions.keys() {
        if !CONTINENTS.contains(&k.as_str()) {
            return Err(err(
                &format!("transport.regions.{k}"),
                format!(
                    "unknown region {k:?} (expected a continent code: {})",
                    CONTINENTS.join(", ")
                ),
            ));
        }
    }
    let base = client_path(&t.clients, "transport.clients", loc)?;
    let mut by_region = BTreeMap::new();
    for (k, p) in &t.regions {
        let merged = merge(p, &t.clients);
        by_region.insert(
            k.as_str(),
            client_path(&merged, &format!("transport.regions.{k}"), loc)?,
        );
    }
    let per_group = cx
        .groups
        .iter()
        .map(|(_, cont, _)| by_region.get(cont).cloned().unwrap_or_else(|| base.clone()))
        .collect();

    let cdn_cap = s.cdn.capacity.clone().unwrap_or_default();
    let mut pop_capacity = Vec::new();
    for (i, p) in s.cdn.pops.iter().enumerate() {
        let path = if p.capacity.is_some() {
            format!("cdn.pops[{i}].capacity")
        } else {
            "cdn.capacity".to_string()
        };
        let own = p.capacity.clone().unwrap_or_default();
        pop_capacity.push(site_capacity(&own, Some(&cdn_cap), &path, loc)?);
    }
    let (tier_capacity, origin_capacity) = upstream_capacity(s, loc)?;

    let compute = match &s.cdn.compute {
        None => None,
        Some(c) => {
            if c.median.get() > SimDuration::from_secs(60) {
                return Err(err(
                    "cdn.compute.median",
                    format!("{} is implausibly long (expected at most 60s)", c.median),
                ));
            }
            if !(c.sigma.is_finite() && (0.0..=3.0).contains(&c.sigma)) {
                return Err(err(
                    "cdn.compute.sigma",
                    format!("{} is out of range (expected 0 to 3)", c.sigma),
                ));
            }
            if c.cold_start.get() > SimDuration::from_secs(60) {
                return Err(err(
                    "cdn.compute.cold_start",
                    format!(
                        "{} is implausibly long (expected at most 60s)",
                        c.cold_start
                    ),
                ));
            }
            Some((
                EdgeCompute {
                    share: c.share.0,
                    median: c.median.get(),
                    sigma: c.sigma,
                    cold_share: c.cold_start_share.0,
                    cold_start: c.cold_start.get(),
                },
                c.origin_fetch,
            ))
        }
    };

    let mut attacks = Vec::new();
    for (i, a) in s.attacks.iter().enumerate() {
        let p = |f: &str| format!("attacks[{i}].{f}");
        if a.name.is_empty() {
            return Err(err(&p("name"), "must not be empty".into()));
        }
        if let Some(j) = s.attacks[..i].iter().position(|b| b.name == a.name) {
            return Err(err(
                &p("name"),
                format!("duplicate attack name {:?} (also attacks[{j}])", a.name),
            ));
        }
        if a.rate.0 <= 0.0 {
            return Err(err(&p("rate"), "must be positive, e.g. \"50k/s\"".into()));
        }
        let start = a.start.get();
        if start >= cx.duration {
            return Err(err(
                &p("start"),
                format!("{} is not before the end of the run", a.start),
            ));
        }
        let end = a
            .duration
            .map_or(cx.duration, |d| (start + d.get()).min(cx.duration));
        if a.rate.0 * (end - start).as_secs_f64() > 1e9 {
            return Err(err(
                &p("rate"),
                "rate x duration exceeds 1 billion attack requests; shorten the attack or lower the rate".into(),
            ));
        }
        let target = if a.target == "service" {
            AttackTarget::Service
        } else if let Some(name) = a.target.strip_prefix("pop:") {
            let idx = cx
                .pop_names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| {
                    err(
                        &p("target"),
                        format!("no PoP named {name:?} (PoPs: {})", cx.pop_names.join(", ")),
                    )
                })?;
            AttackTarget::Pop(idx)
        } else {
            return Err(err(
                &p("target"),
                format!(
                    "{:?} is not a target (expected \"service\" or \"pop:NAME\")",
                    a.target
                ),
            ));
        };
        if a.from.is_empty() {
            return Err(err(
                &p("from"),
                "at least one source is needed, e.g. { continent = \"EU\" }".into(),
            ));
        }
        let mut weights = vec![0.0; cx.groups.len()];
        for (k, src) in a.from.iter().enumerate() {
            let sp = format!("attacks[{i}].from[{k}]");
            if !(src.weight.is_finite() && src.weight > 0.0) {
                return Err(err(
                    &format!("{sp}.weight"),
                    format!("{} must be a positive number", src.weight),
                ));
            }
            if src.city.is_none() && src.continent.is_none() && src.asn.is_none() {
                return Err(err(
                    &sp,
                    "give city, continent or asn to pick the client groups the bots sit in".into(),
                ));
            }
            let city =
                match &src.city {
                    Some(q) => Some(cx.cities.lookup(q).ok_or_else(|| {
                        err(&format!("{sp}.city"), format!("unknown city {q:?}"))
                    })?),
                    None => None,
                };
            if let Some(c) = src.continent.as_deref().filter(|c| !CONTINENTS.contains(c)) {
                return Err(err(
                    &format!("{sp}.continent"),
                    format!(
                        "unknown continent {c:?} (expected one of {})",
                        CONTINENTS.join(", ")
                    ),
                ));
            }
            let matched: Vec<usize> = cx
                .groups
                .iter()
                .enumerate()
                .filter(|(_, (gc, cont, asn))| {
                    city.is_none_or(|c| c == *gc)
                        && src.continent.as_deref().is_none_or(|c| c == *cont)
                        && src.asn.is_none_or(|x| Some(x) == *asn)
                })
                .map(|(g, _)| g)
                .collect();
            if matched.is_empty() {
                return Err(err(
                    &sp,
                    "matches no client group (bots sit in the client groups' cities and access ASes; add a group there)".into(),
                ));
            }
            for g in &matched {
                weights[*g] += src.weight / matched.len() as f64;
            }
        }
        let total: f64 = weights.iter().sum();
        attacks.push(AttackConfig {
            name: a.name.clone(),
            rate: a.rate.0,
            target,
            kind: a.kind,
            size: a.size.0,
            start,
            end,
            sources: weights
                .iter()
                .enumerate()
                .filter(|(_, w)| **w > 0.0)
                .map(|(g, w)| (g, w / total))
                .collect(),
        });
    }

    Ok(Validated {
        transport: TransportConfig {
            model: t.model,
            tcp: TcpParams {
                mss: mss as u32,
                initial_window: iw,
                rto_min,
            },
            per_group,
        },
        pop_capacity,
        tier_capacity,
        origin_capacity,
        compute,
        attacks,
    })
}

/// The limits of the upper tiers (`cdn.tiers.limits`, over it
/// `cdn.tiers.upper[].limits`) and origin sites (`origin.limits`, over it
/// `origin.sites[].limits`): the same queues as a PoP's (docs/transport.md,
/// "Capacity of upper tiers and origins").
fn upstream_capacity(
    s: &super::raw::Scenario,
    loc: &Locator,
) -> Result<(Vec<SiteCapacity>, Vec<SiteCapacity>), InputError> {
    let tiers = &s.cdn.tiers;
    let base = tiers.limits.clone().unwrap_or_default();
    let mut tier = Vec::with_capacity(tiers.upper.len());
    for (i, u) in tiers.upper.iter().enumerate() {
        let (own, path) = match &u.limits {
            Some(l) => (l.clone(), format!("cdn.tiers.upper[{i}].limits")),
            None => (Capacity::default(), "cdn.tiers.limits".to_string()),
        };
        tier.push(site_capacity(&own, Some(&base), &path, loc)?);
    }
    // Sites of further levels follow level 1's, in level order.
    for (l, lv) in tiers.levels.iter().enumerate() {
        for (i, u) in lv.sites.iter().enumerate() {
            let (own, path) = match &u.limits {
                Some(l2) => (
                    l2.clone(),
                    format!("cdn.tiers.levels[{l}].sites[{i}].limits"),
                ),
                None => (Capacity::default(), "cdn.tiers.limits".to_string()),
            };
            tier.push(site_capacity(&own, Some(&base), &path, loc)?);
        }
    }
    let base = s.origin.limits.clone().unwrap_or_default();
    let mut origin = vec![site_capacity(&base, None, "origin.limits", loc)?];
    for (i, o) in s.origin.sites.iter().enumerate() {
        let (own, path) = match &o.limits {
            Some(l) => (l.clone(), format!("origin.sites[{i}].limits")),
            None => (Capacity::default(), "origin.limits".to_string()),
        };
        origin.push(site_capacity(&own, Some(&base), &path, loc)?);
    }
    Ok((tier, origin))
}
