//! Minting the secret a mail carries, at the moment it is sent.
//!
//! The outbox row never holds a secret. The sender calls one of these in a short transaction
//! just before it hands the mail over (see `mail::sender`); each call ends the member's
//! previous unused secret of the same kind, so a retried mail carries a fresh secret and the
//! one in any earlier attempt dies.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use crate::clock;
use crate::credential;
use crate::db::secrets::{self, NewEmailToken, NewTemporaryPassword};
use crate::error::Result;
use crate::secret;
use crate::settings::Settings;

/// A new email confirmation token for `email`; only its SHA-256 is stored.
pub fn confirmation_token(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
    member_id: i64,
    outbox_id: i64,
    email: &str,
) -> Result<String> {
    let token = secret::random_token();
    let at = clock::to_db(now);
    secrets::revoke_email_tokens(conn, member_id, &at)?;
    secrets::insert_email_token(
        conn,
        &NewEmailToken {
            member_id,
            outbox_id,
            email,
            token_hash: &secret::sha256_hex(&token),
            created_at: &at,
            expires_at: &clock::to_db(now + Duration::hours(settings.email_token_valid_hours)),
        },
    )?;
    Ok(token)
}

/// A new temporary password (single use, must be changed at first use); only its argon2id
/// hash is stored. Returned in its printed form (groups of four).
pub fn temporary_password(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
    member_id: i64,
    outbox_id: i64,
) -> Result<String> {
    let password =
        credential::generate_password(&mut rand::rngs::OsRng, settings.provisional_password_length);
    let hash = secret::hash_password(&password, settings.hash_params())?;
    let at = clock::to_db(now);
    secrets::revoke_temporary_passwords(
        conn,
        member_id,
        &at,
        "replaced by a newer temporary password",
    )?;
    secrets::insert_temporary_password(
        conn,
        &NewTemporaryPassword {
            member_id,
            outbox_id,
            password_hash: &hash,
            issued_at: &at,
            expires_at: &clock::to_db(
                now + Duration::hours(settings.temporary_password_valid_hours),
            ),
        },
    )?;
    Ok(credential::format_password(&password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    fn site() -> (Connection, Settings) {
        let conn = db::in_memory().unwrap();
        for (k, v) in [
            ("insurer_number", "06130090"),
            ("insurer_name", "テスト健保"),
            ("portal_url", "https://p.example.jp/"),
            // Cheap hashing: these tests are about what is stored, not about cost.
            ("argon2_memory_kib", "8192"),
            ("argon2_iterations", "1"),
        ] {
            crate::settings::set(&conn, k, v).unwrap();
        }
        conn.execute(
            "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
             VALUES (1, 'S', '1', '00', '山田太郎', '1980-01-01', 't', 't')",
            [],
        )
        .unwrap();
        let settings = Settings::load(&conn).unwrap();
        (conn, settings)
    }

    #[test]
    fn a_new_token_is_stored_as_a_digest_and_ends_the_previous_one() {
        let (conn, settings) = site();
        let now = Utc::now();
        let first = confirmation_token(&conn, &settings, now, 1, 10, "a@example.jp").unwrap();
        let second = confirmation_token(&conn, &settings, now, 1, 10, "a@example.jp").unwrap();
        assert_ne!(first, second);
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT token_hash, revoked_at FROM email_tokens ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, secret::sha256_hex(&first));
        assert!(rows[0].1.is_some(), "the first token must be revoked");
        assert_eq!(rows[1].0, secret::sha256_hex(&second));
        assert!(rows[1].1.is_none());
    }

    #[test]
    fn a_temporary_password_is_stored_as_argon2id_and_replaces_the_previous_one() {
        let (conn, settings) = site();
        let now = Utc::now();
        let first = temporary_password(&conn, &settings, now, 1, 10).unwrap();
        let second = temporary_password(&conn, &settings, now, 1, 11).unwrap();
        let live: Vec<String> = conn
            .prepare("SELECT password_hash FROM credentials WHERE state = 'live'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(live.len(), 1);
        assert!(live[0].starts_with("$argon2id$"));
        let typed = credential::normalize_typed_password(&second);
        assert!(secret::verify_password(&live[0], &typed).unwrap());
        assert!(
            !secret::verify_password(&live[0], &credential::normalize_typed_password(&first))
                .unwrap()
        );
    }
}
