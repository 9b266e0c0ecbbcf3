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
}

// ---- validated -------------------------------------------------------------

/// What a validated event changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Withdraw(usize),
    Announce(usize),
    Fail(usize),
    Link { a: u32, b: u32, up: bool },
    Prepend { pop: usize, count: u8 },
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
        let pop_kind = matches!(
            e.kind,
            EventKind::Withdraw | EventKind::Announce | EventKind::Fail | EventKind::Prepend
        );
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
