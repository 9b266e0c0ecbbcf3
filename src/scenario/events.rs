//! Scenario routing events (`[[events]]`) and the BGP protocol settings
//! of a run (`[bgp]`): raw serde data (unknown keys rejected) and their
//! validation. Keys and defaults: docs/scenario.md; how a run uses them:
//! docs/bgp.md ("Events in a run").

use super::load::Locator;
use crate::error::InputError;
use crate::time::{SimDuration, SimTime};
use crate::units::{Duration, Share};
use serde::{Deserialize, Serialize};

/// Default MRAI of the run's eBGP sessions (RFC 4271 section 10).
pub const DEFAULT_MRAI: SimDuration =
    SimDuration::from_secs(crate::bgp::speaker::DEFAULT_MRAI_SECS);
/// Default: withdrawals are sent at once (not held by MRAI), as most
/// implementations do.
pub const DEFAULT_RATE_LIMIT_WITHDRAWALS: bool = false;
/// Default share of requests on long-lived connections (video segments,
/// WebSockets) that break when their catchment changes.
pub const DEFAULT_LONG_LIVED_SHARE: f64 = 0.1;
/// Default time a long-lived connection stays open after its request.
pub const DEFAULT_LONG_LIVED_DURATION: SimDuration = SimDuration::from_secs(60);
/// Default wait before a failed or broken request is retried.
pub const DEFAULT_RETRY_TIMEOUT: SimDuration = SimDuration::from_secs(1);
/// Default number of retries of one request before it is given up.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Largest prepend an event may set.
pub const MAX_EVENT_PREPEND: u8 = 10;
/// Budget of BGP events per routing event (a typed no-convergence error
/// beyond it).
pub const EVENT_BGP_BUDGET: u64 = 50_000_000;

// ---- raw -----------------------------------------------------------------

/// What happens at a routing event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// The PoP stops announcing the anycast prefix (it keeps serving what
    /// still reaches it).
    Withdraw,
    /// The PoP announces again (after a withdraw or fail).
    Announce,
    /// The PoP fails: withdraw, its edge cache is emptied and requests in
    /// it are lost; it serves nothing until `announce`.
    Fail,
    /// The link (every session) between two ASes goes down.
    LinkDown,
    /// The link between two ASes comes back.
    LinkUp,
    /// The PoP's announcements get `count` prepends.
    Prepend,
    /// An AS changes the local-pref it gives routes from one neighbour,
    /// within the neighbour's relationship class (docs/bgp.md).
    LocalPref,
    /// The PoP announces to another set of its neighbours (`announce`).
    AnnounceTo,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Withdraw => "withdraw",
            EventKind::Announce => "announce",
            EventKind::Fail => "fail",
            EventKind::LinkDown => "link-down",
            EventKind::LinkUp => "link-up",
            EventKind::Prepend => "prepend",
            EventKind::LocalPref => "local-pref",
            EventKind::AnnounceTo => "announce-to",
        }
    }
}

/// One `[[events]]` entry as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Simulated time of the event (within the run's duration).
    pub at: Duration,
    pub kind: EventKind,
    /// The PoP (withdraw, announce, fail, prepend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pop: Option<String>,
    /// The two ASes of the link (link-down, link-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<[u32; 2]>,
    /// Number of prepends (prepend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u8>,
    /// Which neighbours the PoP announces to from now on (announce-to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<crate::scenario::raw::Announce>,
    /// The AS changing its import policy (local-pref).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// The neighbour whose routes it re-ranks (local-pref).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor: Option<u32>,
    /// Local-pref offset from the relationship class's default, within
    /// +-[`MAX_LOCAL_PREF_OFFSET`] (local-pref; 0 restores the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i32>,
}

/// The `[bgp]` table: protocol and data-plane settings of routing events.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bgp {
    /// eBGP MinRouteAdvertisementInterval (0s: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrai: Option<Duration>,
    /// Whether MRAI also holds withdrawals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_withdrawals: Option<bool>,
    /// Share of requests on long-lived connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_lived_share: Option<Share>,
    /// How long a long-lived connection stays open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_lived_duration: Option<Duration>,
    /// Wait before a failed or broken request is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_timeout: Option<Duration>,
    /// Retries of one request before it is given up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Random background routing churn (`[bgp.churn]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<BgpChurn>,
}

/// The `[bgp.churn]` table: random background routing changes.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BgpChurn {
    /// Mean changes per day on weekdays (Monday to Friday).
    pub events_per_day: f64,
    /// Mean changes per day on Saturdays and Sundays (default: as weekdays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekend_events_per_day: Option<f64>,
    /// Weekday of the run's first day (`"mon"` .. `"sun"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_weekday: Option<String>,
    /// How long a non-persistent change lasts before it is reverted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_time: Option<DownTimeRaw>,
    /// Share of changes never reverted within the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_share: Option<Share>,
    /// Share of changes that are local-pref changes (the rest: link failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_pref_share: Option<Share>,
    /// Which links churn (`"uniform"` or `"near-cdn"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ChurnLinks>,
    /// Share of changes at the CDN's own interconnections (a session of
    /// one PoP down, or a PoP drained) instead of on an AS-AS link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdn_share: Option<Share>,
    /// Share of the CDN's changes that drain a whole PoP (the rest take
    /// one session down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdn_drain_share: Option<Share>,
    /// How long a non-persistent CDN change lasts (default: `down_time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdn_down_time: Option<DownTimeRaw>,
}

/// How churn picks the link of a change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChurnLinks {
    /// Every AS-AS link (not the CDN's) equally likely.
    #[default]
    Uniform,
    /// A link's weight halves with each AS hop between the CDN and the
    /// link's nearer end (1 for links of the CDN's neighbours).
    NearCdn,
}

/// A duration distribution as written (`{ dist = "lognormal", ... }`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DownTimeRaw {
    Fixed { value: Duration },
    Exponential { mean: Duration },
    Lognormal { median: Duration, sigma: f64 },
}

// ---- validated -------------------------------------------------------------

/// What a validated event changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Withdraw(usize),
    Announce(usize),
    Fail(usize),
    Link {
        a: u32,
        b: u32,
        up: bool,
    },
    Prepend {
        pop: usize,
        count: u8,
    },
    /// AS `asn` gives routes from `neighbor` its class's local-pref plus
    /// `offset`.
    LocalPref {
        asn: u32,
        neighbor: u32,
        offset: i32,
    },
    /// PoP `pop` announces to the neighbours `to` selects.
    AnnounceTo {
        pop: usize,
        to: crate::scenario::raw::Announce,
    },
}

/// Largest |offset| of a local-pref change: classes are 100 apart
/// (provider 100, peer 200, customer 300), so +-49 never crosses one.
pub const MAX_LOCAL_PREF_OFFSET: i32 = 49;

/// A duration distribution (validated).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DownTime {
    Fixed(SimDuration),
    Exponential { mean: SimDuration },
    Lognormal { median: SimDuration, sigma: f64 },
}

/// Default down time of a churn change: lognormal, median 3 minutes,
/// sigma 1.5 (assumed; about 80% under 10 minutes, 1% over 1.5 hours, in
/// the spirit of Markopoulou et al. 2008's backbone failures).
pub const DEFAULT_DOWN_TIME: DownTime = DownTime::Lognormal {
    median: SimDuration::from_secs(180),
    sigma: 1.5,
};
/// Default share of churn changes that stay for the rest of the run.
pub const DEFAULT_PERSISTENT_SHARE: f64 = 0.05;
/// Default share of churn changes that are local-pref changes.
pub const DEFAULT_LOCAL_PREF_SHARE: f64 = 0.2;
/// Default share of the CDN's churn changes that drain a whole PoP.
pub const DEFAULT_CDN_DRAIN_SHARE: f64 = 0.2;
/// Largest churn rate accepted [changes per day].
pub const MAX_CHURN_PER_DAY: f64 = 100_000.0;

/// Background routing churn of a run (docs/bgp.md, "Background churn").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChurnConfig {
    pub events_per_day: f64,
    pub weekend_events_per_day: f64,
    /// 0 = Monday .. 6 = Sunday.
    pub start_weekday: u8,
    pub down_time: DownTime,
    pub persistent_share: f64,
    pub local_pref_share: f64,
    pub links: ChurnLinks,
    /// Share of changes at the CDN's own interconnections.
    pub cdn_share: f64,
    /// Share of the CDN's changes that drain a PoP (the rest: a session down).
    pub cdn_drain_share: f64,
    /// Down time of a non-persistent CDN change.
    pub cdn_down_time: DownTime,
}

impl ChurnConfig {
    /// Mean changes on day `d` of the run (day 0 is `start_weekday`).
    pub fn rate_on_day(&self, d: u64) -> f64 {
        if (u64::from(self.start_weekday) + d) % 7 >= 5 {
            self.weekend_events_per_day
        } else {
            self.events_per_day
        }
    }
}

/// Weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn validate_churn(
    c: &BgpChurn,
    err: &dyn Fn(&str, String) -> InputError,
) -> Result<ChurnConfig, InputError> {
    let rate = |path: &str, x: f64| {
        if x.is_finite() && (0.0..=MAX_CHURN_PER_DAY).contains(&x) {
            Ok(x)
        } else {
            Err(err(
                path,
                format!("{x} is out of range (expected 0 to {MAX_CHURN_PER_DAY} changes per day)"),
            ))
        }
    };
    let events_per_day = rate("bgp.churn.events_per_day", c.events_per_day)?;
    let weekend_events_per_day = match c.weekend_events_per_day {
        Some(x) => rate("bgp.churn.weekend_events_per_day", x)?,
        None => events_per_day,
    };
    let start_weekday = match &c.start_weekday {
        None => 0,
        Some(w) => {
            let l = w.to_ascii_lowercase();
            const FULL: [&str; 7] = [
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            ];
            WEEKDAYS
                .iter()
                .zip(FULL)
                .position(|(d, f)| l == *d || l == f)
                .ok_or_else(|| {
                    err(
                        "bgp.churn.start_weekday",
                        format!(
                            "{w:?} is not a weekday (expected one of {})",
                            WEEKDAYS.join(", ")
                        ),
                    )
                })? as u8
        }
    };
    let down_time = match &c.down_time {
        None => DEFAULT_DOWN_TIME,
        Some(d) => validate_down_time("bgp.churn.down_time", d, err)?,
    };
    let cdn_down_time = match &c.cdn_down_time {
        None => down_time,
        Some(d) => validate_down_time("bgp.churn.cdn_down_time", d, err)?,
    };
    let share = |path: &str, x: Option<Share>, d: f64| match x {
        None => Ok(d),
        Some(s) if (0.0..=1.0).contains(&s.0) => Ok(s.0),
        Some(_) => Err(err(path, "must be between 0% and 100%".into())),
    };
    Ok(ChurnConfig {
        events_per_day,
        weekend_events_per_day,
        start_weekday,
        down_time,
        persistent_share: share(
            "bgp.churn.persistent_share",
            c.persistent_share,
            DEFAULT_PERSISTENT_SHARE,
        )?,
        local_pref_share: share(
            "bgp.churn.local_pref_share",
            c.local_pref_share,
            DEFAULT_LOCAL_PREF_SHARE,
        )?,
        links: c.links.unwrap_or_default(),
        cdn_share: share("bgp.churn.cdn_share", c.cdn_share, 0.0)?,
        cdn_drain_share: share(
            "bgp.churn.cdn_drain_share",
            c.cdn_drain_share,
            DEFAULT_CDN_DRAIN_SHARE,
        )?,
        cdn_down_time,
    })
}

/// A churn down time as written, validated (`path` names the table).
fn validate_down_time(
    path: &str,
    d: &DownTimeRaw,
    err: &dyn Fn(&str, String) -> InputError,
) -> Result<DownTime, InputError> {
    Ok(match d {
        DownTimeRaw::Fixed { value } => {
            if value.get() == SimDuration::ZERO {
                return Err(err(
                    &format!("{path}.value"),
                    "must be positive, e.g. \"5m\"".into(),
                ));
            }
            DownTime::Fixed(value.get())
        }
        DownTimeRaw::Exponential { mean } => {
            if mean.get() == SimDuration::ZERO {
                return Err(err(
                    &format!("{path}.mean"),
                    "must be positive, e.g. \"10m\"".into(),
                ));
            }
            DownTime::Exponential { mean: mean.get() }
        }
        DownTimeRaw::Lognormal { median, sigma } => {
            if median.get() == SimDuration::ZERO {
                return Err(err(
                    &format!("{path}.median"),
                    "must be positive, e.g. \"3m\"".into(),
                ));
            }
            if !(sigma.is_finite() && (0.0..=5.0).contains(sigma)) {
                return Err(err(
                    &format!("{path}.sigma"),
                    format!("{sigma} is out of range (expected 0 to 5)"),
                ));
            }
            DownTime::Lognormal {
                median: median.get(),
                sigma: *sigma,
            }
        }
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventConfig {
    pub at: SimTime,
    pub kind: EventKind,
    pub action: Action,
    /// What the event acts on, as written in events.csv (`fra`, `AS1-AS2`).
    pub target: String,
}

/// Protocol and data-plane settings of a run with events.
#[derive(Clone, Debug, PartialEq)]
pub struct BgpConfig {
    pub mrai: SimDuration,
    pub rate_limit_withdrawals: bool,
    pub long_lived_share: f64,
    pub long_lived_duration: SimDuration,
    pub retry_timeout: SimDuration,
    pub max_retries: u32,
    /// Background routing churn (None: off).
    pub churn: Option<ChurnConfig>,
}

impl Default for BgpConfig {
    fn default() -> Self {
        BgpConfig {
            mrai: DEFAULT_MRAI,
            rate_limit_withdrawals: DEFAULT_RATE_LIMIT_WITHDRAWALS,
            long_lived_share: DEFAULT_LONG_LIVED_SHARE,
            long_lived_duration: DEFAULT_LONG_LIVED_DURATION,
            retry_timeout: DEFAULT_RETRY_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            churn: None,
        }
    }
}

/// Validates `[[events]]` and `[bgp]`.
pub fn validate(
    events: &[Event],
    bgp: Option<&Bgp>,
    loc: &Locator,
    pop_names: &[&str],
    duration: SimDuration,
    has_world: bool,
) -> Result<(Vec<EventConfig>, BgpConfig), InputError> {
    let err = |path: &str, msg: String| loc.error_at(path, msg);
    let mut c = BgpConfig::default();
    if let Some(b) = bgp {
        if let Some(m) = b.mrai {
            if m.get() > SimDuration::from_secs(600) {
                return Err(err(
                    "bgp.mrai",
                    format!("{m} is implausibly large (expected 0s to 10m; RFC 4271 suggests 30s)"),
                ));
            }
            c.mrai = m.get();
        }
        if let Some(x) = b.rate_limit_withdrawals {
            c.rate_limit_withdrawals = x;
        }
        if let Some(s) = b.long_lived_share {
            if !(0.0..=1.0).contains(&s.0) {
                return Err(err(
                    "bgp.long_lived_share",
                    "must be between 0% and 100%".into(),
                ));
            }
            c.long_lived_share = s.0;
        }
        if let Some(d) = b.long_lived_duration {
            c.long_lived_duration = d.get();
        }
        if let Some(d) = b.retry_timeout {
            if d.get() == SimDuration::ZERO {
                return Err(err(
                    "bgp.retry_timeout",
                    "must be positive, e.g. \"1s\"".into(),
                ));
            }
            c.retry_timeout = d.get();
        }
        if let Some(n) = b.max_retries {
            if n > 10 {
                return Err(err(
                    "bgp.max_retries",
                    format!("{n} is out of range (expected 0 to 10)"),
                ));
            }
            c.max_retries = n;
        }
        if let Some(ch) = &b.churn {
            if !has_world {
                return Err(err(
                    "bgp.churn",
                    "routing churn needs an AS-level world: add [world] topology = \"...\"".into(),
                ));
            }
            c.churn = Some(validate_churn(ch, &err)?);
        }
    }
    let mut out: Vec<EventConfig> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let p = |k: &str| format!("events[{i}].{k}");
        if !has_world {
            return Err(err(
                &p("kind"),
                "routing events need an AS-level world: add [world] topology = \"...\"".into(),
            ));
        }
        let at = e.at.get();
        if at >= duration {
            return Err(err(
                &p("at"),
                format!(
                    "{} is not within the run (expected less than duration, {duration})",
                    e.at
                ),
            ));
        }
        if let Some(prev) = out.last() {
            if SimTime::ZERO + at < prev.at {
                return Err(err(
                    &p("at"),
                    format!(
                        "{} is before the previous event's time; list events in time order",
                        e.at
                    ),
                ));
            }
        }
        let unused = |k: &str| err(&p(k), format!("not used by a {:?} event", e.kind.name()));
        if e.kind != EventKind::LocalPref {
            for (k, set) in [
                ("asn", e.asn.is_some()),
                ("neighbor", e.neighbor.is_some()),
                ("offset", e.offset.is_some()),
            ] {
                if set {
                    return Err(unused(k));
                }
            }
        }
        if e.kind == EventKind::LocalPref {
            if e.pop.is_some() || e.link.is_some() || e.count.is_some() {
                let k = if e.pop.is_some() {
                    "pop"
                } else if e.link.is_some() {
                    "link"
                } else {
                    "count"
                };
                return Err(unused(k));
            }
            let (Some(asn), Some(neighbor), Some(offset)) = (e.asn, e.neighbor, e.offset) else {
                return Err(err(
                    &p("kind"),
                    "a \"local-pref\" event needs `asn = ASN`, `neighbor = ASN` and `offset = N`"
                        .into(),
                ));
            };
            if offset.abs() > MAX_LOCAL_PREF_OFFSET {
                return Err(err(
                    &p("offset"),
                    format!(
                        "{offset} is out of range (expected -{MAX_LOCAL_PREF_OFFSET} to {MAX_LOCAL_PREF_OFFSET}: a change within the neighbour's relationship class)"
                    ),
                ));
            }
            if asn == neighbor {
                return Err(err(&p("neighbor"), "an AS is not its own neighbour".into()));
            }
            out.push(EventConfig {
                at: SimTime::ZERO + at,
                kind: e.kind,
                action: Action::LocalPref {
                    asn,
                    neighbor,
                    offset,
                },
                target: format!("AS{asn}<-AS{neighbor}:{offset:+}"),
            });
            continue;
        }
        let pop_kind = matches!(
            e.kind,
            EventKind::Withdraw
                | EventKind::Announce
                | EventKind::Fail
                | EventKind::Prepend
                | EventKind::AnnounceTo
        );
        if e.announce.is_some() && e.kind != EventKind::AnnounceTo {
            return Err(unused("announce"));
        }
        let (action, target) = if pop_kind {
            let Some(name) = &e.pop else {
                return Err(err(
                    &p("kind"),
                    format!("a {:?} event needs `pop = \"NAME\"`", e.kind.name()),
                ));
            };
            let Some(k) = pop_names.iter().position(|n| n == name) else {
                return Err(err(
                    &p("pop"),
                    format!("no PoP named {name:?} (PoPs: {})", pop_names.join(", ")),
                ));
            };
            if e.link.is_some() {
                return Err(err(
                    &p("link"),
                    format!("not used by a {:?} event", e.kind.name()),
                ));
            }
            let action = match e.kind {
                EventKind::Withdraw => Action::Withdraw(k),
                EventKind::Announce => Action::Announce(k),
                EventKind::Fail => Action::Fail(k),
                EventKind::AnnounceTo => {
                    let Some(to) = e.announce.clone() else {
                        return Err(err(
                            &p("kind"),
                            "an \"announce-to\" event needs `announce`: \"all\", \"transit\", \"peers\", \"none\" or a list of the PoP's neighbour ASNs".into(),
                        ));
                    };
                    Action::AnnounceTo { pop: k, to }
                }
                _ => {
                    let Some(count) = e.count else {
                        return Err(err(&p("kind"), "a \"prepend\" event needs `count`".into()));
                    };
                    if count > MAX_EVENT_PREPEND {
                        return Err(err(
                            &p("count"),
                            format!("{count} is out of range (expected 0 to {MAX_EVENT_PREPEND})"),
                        ));
                    }
                    Action::Prepend { pop: k, count }
                }
            };
            if e.count.is_some() && e.kind != EventKind::Prepend {
                return Err(err(
                    &p("count"),
                    format!("not used by a {:?} event", e.kind.name()),
                ));
            }
            (action, name.clone())
        } else {
            let Some([a, b]) = e.link else {
                return Err(err(
                    &p("kind"),
                    format!("a {:?} event needs `link = [ASN, ASN]`", e.kind.name()),
                ));
            };
            if e.pop.is_some() || e.count.is_some() {
                return Err(err(
                    &p(if e.pop.is_some() { "pop" } else { "count" }),
                    format!("not used by a {:?} event", e.kind.name()),
                ));
            }
            if a == b {
                return Err(err(&p("link"), "a link joins two different ASes".into()));
            }
            (
                Action::Link {
                    a,
                    b,
                    up: e.kind == EventKind::LinkUp,
                },
                format!("AS{a}-AS{b}"),
            )
        };
        out.push(EventConfig {
            at: SimTime::ZERO + at,
            kind: e.kind,
            action,
            target,
        });
    }
    Ok((out, c))
}
