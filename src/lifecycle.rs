//! Where a household account is in its lifecycle, and what support can do next: one pure rule
//! shared by `hagaki status MEMBER` and the funnel's definitions.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock;

/// The step a household has reached. Locked is not a step: it is an overlay (see [`Facts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No postcard yet.
    NotIssued,
    /// A batch holding the household's postcard is being written.
    Issuing,
    /// The household's newest postcard was revoked (its batch was voided) and not replaced.
    Revoked,
    /// A postcard is out and still valid; the member has not passed the identity check.
    ProvisionalLive,
    /// The newest postcard passed its expiry (or was expired) before the member registered.
    ProvisionalExpired,
    /// Passed the identity check; has not registered yet.
    IdentityChecked,
    /// Registered their own user ID; email not confirmed.
    Registered,
    /// Registered and confirmed the email: done.
    EmailConfirmed,
    /// Left the roster (資格喪失): can no longer log in; data kept.
    Retired,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::NotIssued => "not issued",
            Stage::Issuing => "issuing",
            Stage::Revoked => "provisional revoked",
            Stage::ProvisionalLive => "provisional live",
            Stage::ProvisionalExpired => "provisional expired",
            Stage::IdentityChecked => "identity checked",
            Stage::Registered => "registered",
            Stage::EmailConfirmed => "email confirmed",
            Stage::Retired => "retired",
        }
    }
}

/// A provisional credential's state as stored (`credentials.state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisional {
    pub state: String,
    pub expires_at: DateTime<Utc>,
}

impl Provisional {
    /// Past its expiry and never used: the rule the funnel's "provisional expired" counts too.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.state == "expired" || (self.state == "live" && self.expires_at <= now)
    }
}

/// What the rule needs to know about one household account.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub retired: bool,
    /// The household's newest provisional credential, if it ever had one.
    pub provisional: Option<Provisional>,
    pub identity_checked: bool,
    pub registered: bool,
    pub email_confirmed: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The next thing support can do, with the command to type (`KEY` is the member key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextAction {
    /// A short code for scripts: `unlock`, `issue`, `wait`, `reissue_postcard`,
    /// `member_logs_in`, `member_registers`, `member_confirms`, `reissue_email`, `none`.
    pub code: &'static str,
    pub text: String,
}

impl Facts {
    pub fn stage(&self, now: DateTime<Utc>) -> Stage {
        if self.retired {
            return Stage::Retired;
        }
        if self.registered {
            return if self.email_confirmed {
                Stage::EmailConfirmed
            } else {
                Stage::Registered
            };
        }
        let Some(p) = &self.provisional else {
            return if self.identity_checked {
                Stage::IdentityChecked
            } else {
                Stage::NotIssued
            };
        };
        if p.is_expired(now) {
            Stage::ProvisionalExpired
        } else if self.identity_checked {
            Stage::IdentityChecked
        } else {
            match p.state.as_str() {
                "live" => Stage::ProvisionalLive,
                "pending" => Stage::Issuing,
                _ => Stage::Revoked,
            }
        }
    }

    /// Locked now: the lock has not ended by itself yet.
    pub fn locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// What support can do for this household now. A lock comes first: nothing else works
    /// for the member until it ends.
    pub fn next_action(&self, now: DateTime<Utc>, key: &str) -> NextAction {
        let stage = self.stage(now);
        let act = |code, text: String| NextAction { code, text };
        if stage != Stage::Retired
            && let Some(until) = self.locked_until.filter(|t| *t > now)
        {
            return act(
                "unlock",
                format!(
                    "locked until {}: `hagaki unlock {key}` (or wait)",
                    clock::show_jst(until)
                ),
            );
        }
        let postcard = format!("`hagaki reissue {key} --via postcard --reason TEXT --out FILE`");
        match stage {
            Stage::Retired => act(
                "none",
                "retired: left the roster, can no longer log in; nothing to do".into(),
            ),
            Stage::NotIssued => act(
                "issue",
                "no postcard yet: the next `hagaki issue` batch includes this household".into(),
            ),
            Stage::Issuing => act(
                "wait",
                "a postcard batch is being written: wait for `hagaki batches` to show it issued"
                    .into(),
            ),
            Stage::Revoked => act(
                "reissue_postcard",
                format!("postcard revoked (batch voided): {postcard}"),
            ),
            Stage::ProvisionalLive => act(
                "member_logs_in",
                format!(
                    "postcard valid until {}: the member logs in with it; if it is lost: {postcard}",
                    self.provisional
                        .as_ref()
                        .map(|p| clock::show_jst(p.expires_at))
                        .unwrap_or_default()
                ),
            ),
            Stage::ProvisionalExpired => {
                act("reissue_postcard", format!("provisional expired: {postcard}"))
            }
            Stage::IdentityChecked => act(
                "member_registers",
                format!(
                    "identity checked: the member registers a user ID, password and email in the portal; if the postcard is lost: {postcard}"
                ),
            ),
            Stage::Registered => act(
                "member_confirms",
                "email unconfirmed: the member opens the link in the confirmation mail (see the mails below; `hagaki mail send` sends queued ones); no password by email until it is confirmed".into(),
            ),
            Stage::EmailConfirmed => act(
                "reissue_email",
                format!(
                    "done; for a forgotten password: `hagaki reissue {key} --via email --reason TEXT`"
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        clock::from_db(s).unwrap()
    }

    const NOW: &str = "2026-11-18T01:00:00Z";

    fn card(state: &str, expires: &str) -> Option<Provisional> {
        Some(Provisional {
            state: state.into(),
            expires_at: at(expires),
        })
    }

    #[test]
    fn stages_follow_the_lifecycle() {
        let now = at(NOW);
        let live = card("live", "2027-01-01T00:00:00Z");
        let cases = [
            (Facts::default(), Stage::NotIssued),
            (
                Facts {
                    provisional: card("pending", "2027-01-01T00:00:00Z"),
                    ..Facts::default()
                },
                Stage::Issuing,
            ),
            (
                Facts {
                    provisional: card("revoked", "2027-01-01T00:00:00Z"),
                    ..Facts::default()
                },
                Stage::Revoked,
            ),
            (
                Facts {
                    provisional: live.clone(),
                    ..Facts::default()
                },
                Stage::ProvisionalLive,
            ),
            (
                Facts {
                    provisional: card("live", NOW),
                    ..Facts::default()
                },
                Stage::ProvisionalExpired,
            ),
            (
                Facts {
                    provisional: card("expired", "2026-11-01T00:00:00Z"),
                    identity_checked: true,
                    ..Facts::default()
                },
                Stage::ProvisionalExpired,
            ),
            (
                Facts {
                    provisional: live.clone(),
                    identity_checked: true,
                    ..Facts::default()
                },
                Stage::IdentityChecked,
            ),
            (
                Facts {
                    provisional: card("used", "2026-01-01T00:00:00Z"),
                    identity_checked: true,
                    registered: true,
                    ..Facts::default()
                },
                Stage::Registered,
            ),
            (
                Facts {
                    registered: true,
                    email_confirmed: true,
                    ..Facts::default()
                },
                Stage::EmailConfirmed,
            ),
            (
                Facts {
                    retired: true,
                    registered: true,
                    ..Facts::default()
                },
                Stage::Retired,
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(facts.stage(now), want, "{facts:?}");
        }
    }

    #[test]
    fn a_lock_comes_first_until_it_ends() {
        let now = at(NOW);
        let mut facts = Facts {
            provisional: card("live", "2027-01-01T00:00:00Z"),
            locked_until: Some(at("2026-11-18T03:30:00Z")),
            ..Facts::default()
        };
        let next = facts.next_action(now, "1234-567");
        assert_eq!(next.code, "unlock");
        assert_eq!(
            next.text,
            "locked until 2026-11-18 12:30 JST: `hagaki unlock 1234-567` (or wait)"
        );
        facts.locked_until = Some(now);
        assert!(!facts.locked(now));
        assert_eq!(facts.next_action(now, "1234-567").code, "member_logs_in");
    }

    #[test]
    fn an_expired_postcard_is_reissued_by_postcard() {
        let facts = Facts {
            provisional: card("live", "2026-11-01T00:00:00Z"),
            ..Facts::default()
        };
        assert_eq!(
            facts.next_action(at(NOW), "1234-567").text,
            "provisional expired: `hagaki reissue 1234-567 --via postcard --reason TEXT --out FILE`"
        );
    }
}
