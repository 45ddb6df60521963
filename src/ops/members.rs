//! Looking members up for staff: one member with their household and account state, or a
//! search by name or kana name with results grouped by household. Read only.

use std::collections::HashSet;

use rusqlite::Connection;

use crate::db::members::{self, Member};
use crate::error::{Error, Result};
use crate::member_key::MemberKey;
use crate::roster::fields;
use crate::{Context, clock};

/// A household's portal account as support staff need to see it: never a hash or secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountView {
    pub registered: bool,
    pub user_id: Option<String>,
    pub email_confirmed: bool,
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberView {
    pub member: Member,
    /// Everyone in the household, the insured person (branch 00) first.
    pub household: Vec<Member>,
    /// The household's account (it belongs to the insured person).
    pub account: Option<AccountView>,
}

/// Parses `SYMBOL-NUMBER[-BRANCH]` as typed on the command line.
pub fn parse_key(text: &str) -> Result<MemberKey> {
    MemberKey::parse(text).map_err(|e| Error::Usage(e.to_string()))
}

/// One member, their household and the household's account.
pub fn show(ctx: &Context, conn: &Connection, key: &MemberKey) -> Result<MemberView> {
    let member = members::get_by_key(conn, key)?.ok_or_else(|| {
        Error::not_found(format!("member {key}"))
            .with_hint("search by name with `hagaki members find --name TEXT` or `--kana TEXT`")
    })?;
    let household = members::household(conn, key)?;
    let now = clock::to_db(ctx.now());
    let account = match household.first().filter(|m| m.member_key().is_insured()) {
        Some(insured) => members::account_summary(conn, insured.id)?.map(|a| AccountView {
            registered: a.registered,
            user_id: a.user_id,
            email_confirmed: a.email_confirmed,
            locked: a.locked_until.is_some_and(|until| until > now),
        }),
        None => None,
    };
    Ok(MemberView {
        member,
        household,
        account,
    })
}

/// What to search for.
#[derive(Debug, Clone)]
pub enum FindBy {
    /// Part of the name (氏名), width forms ignored.
    Name(String),
    /// Part of the kana name (カナ氏名), width and hiragana/katakana ignored.
    Kana(String),
}

/// A member in a search result, flagged when it is one the search matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundMember {
    #[serde(flatten)]
    pub member: Member,
    pub matched: bool,
}

/// A household with at least one matching member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundHousehold {
    /// The insured person's key, `SYMBOL-NUMBER`.
    pub household: String,
    pub members: Vec<FoundMember>,
}

/// Members matching `by` (at most `limit` of them), each shown within their whole household.
pub fn find(conn: &Connection, by: &FindBy, limit: u32) -> Result<Vec<FoundHousehold>> {
    let (by_kana, needle) = match by {
        FindBy::Name(t) => (false, fields::name(t)),
        FindBy::Kana(t) => (true, fields::kana(t)),
    };
    if needle.trim().is_empty() {
        return Err(Error::Usage("the search text is empty".to_string()));
    }
    let matched = members::find(conn, by_kana, &needle, i64::from(limit))?;
    let ids: HashSet<i64> = matched.iter().map(|m| m.id).collect();
    let mut out: Vec<FoundHousehold> = Vec::new();
    for m in &matched {
        let household = m.member_key().household();
        let name = household.to_string();
        if out.iter().any(|h| h.household == name) {
            continue;
        }
        let members = members::household(conn, &household)?
            .into_iter()
            .map(|member| FoundMember {
                matched: ids.contains(&member.id),
                member,
            })
            .collect();
        out.push(FoundHousehold {
            household: name,
            members,
        });
    }
    Ok(out)
}
