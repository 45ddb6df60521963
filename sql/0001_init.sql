-- hagaki schema, version 1. Never edit a migration once it has landed: add the next file.
-- Times are RFC 3339 UTC text ('2026-11-25T12:00:00Z'); dates are 'YYYY-MM-DD'.
-- No column ever holds a plaintext password or token: only argon2id PHC strings
-- (passwords) or SHA-256 hex digests (random high-entropy tokens).

-- Policy and site settings (see src/settings.rs for keys, defaults and validation).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per person in the roster. The key (symbol, number, branch) is 記号・番号・枝番,
-- which must never reach a log, a mail or the audit trail: `id` is the opaque member id.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    symbol      TEXT NOT NULL,
    number      TEXT NOT NULL,
    branch      TEXT NOT NULL CHECK (length(branch) = 2),
    name        TEXT NOT NULL,
    name_kana   TEXT NOT NULL DEFAULT '',
    birth_date  TEXT NOT NULL,
    postal_code TEXT NOT NULL DEFAULT '',
    address1    TEXT NOT NULL DEFAULT '',
    address2    TEXT NOT NULL DEFAULT '',
    lost_on     TEXT,
    -- SHA-256 of the normalised roster row: re-import compares it to find changes cheaply.
    row_hash    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    retired_at  TEXT,
    UNIQUE (symbol, number, branch)
) STRICT;
-- No index on name or name_kana: `members find` matches substrings (instr), which no B-tree
-- serves, and the two indexes cost a million-row import more than all its other writes.
-- Retired members, for the funnel's "retired" count.
CREATE INDEX members_retired ON members (branch, retired_at) WHERE retired_at IS NOT NULL;

-- The portal account of a household. It belongs to the insured person (branch 00) and is
-- created when that member is first imported.
CREATE TABLE accounts (
    member_id            INTEGER PRIMARY KEY REFERENCES members (id),
    -- The member's own login ID; unique ignoring case, never changes once set.
    user_id              TEXT UNIQUE COLLATE NOCASE,
    password_hash        TEXT,
    email                TEXT,
    email_confirmed_at   TEXT,
    notice_mail          INTEGER NOT NULL DEFAULT 0 CHECK (notice_mail IN (0, 1)),
    identity_checked_at  TEXT,
    terms_version        TEXT,
    terms_agreed_at      TEXT,
    registered_at        TEXT,
    -- Consecutive failed logins or identity checks; reset by a success or an unlock.
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    -- The household's newest provisional credential, copied from `credentials` by the
    -- triggers below (never written by hand), so that `hagaki status` counts the funnel of
    -- 1,000,000 households from one narrow index instead of joining two big tables.
    provisional_credential_id INTEGER,
    provisional_batch_id      INTEGER,
    provisional_state         TEXT,
    provisional_expires_at    TEXT,
    -- The funnel steps reached, as bits (1 identity checked, 2 registered, 4 email
    -- confirmed, 8 issued: the newest provisional credential is live, used or expired), kept
    -- by the triggers below: one small integer the funnel's covering index can hold (SQLite
    -- does not cover from an index on a generated column or expression).
    funnel_steps INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX accounts_email ON accounts (email COLLATE NOCASE);
-- The funnel per batch: one pass over this index (see src/db/status.rs).
CREATE INDEX accounts_funnel ON accounts (provisional_batch_id, funnel_steps);
-- Households by provisional state and expiry: "provisional expired" is two ranges of it.
CREATE INDEX accounts_provisional_expiry
    ON accounts (provisional_state, provisional_expires_at, funnel_steps, provisional_batch_id);
-- Locks are few and short: "locked" is a range of this small index.
CREATE INDEX accounts_locked ON accounts (locked_until) WHERE locked_until IS NOT NULL;

-- Every login ID ever handed out (provisional IDs and members' own user IDs share one
-- namespace, ignoring case), so that no ID is ever issued twice.
CREATE TABLE login_ids (
    login_id  TEXT PRIMARY KEY COLLATE NOCASE,
    member_id INTEGER NOT NULL REFERENCES members (id),
    kind      TEXT NOT NULL CHECK (kind IN ('provisional', 'user'))
) STRICT;

-- A postcard batch: one print file. 'pending' while the file is being written; only an
-- 'issued' batch has live credentials. A batch left 'pending' by a killed run is
-- 'abandoned' by the next run.
CREATE TABLE batches (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('batch', 'reissue', 'reminder')),
    state        TEXT NOT NULL CHECK (state IN ('pending', 'issued', 'abandoned', 'voided')),
    created_at   TEXT NOT NULL,
    actor        TEXT NOT NULL,
    issued_on    TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0,
    file_name    TEXT,
    file_sha256  TEXT,
    encoding     TEXT,
    reason       TEXT,
    voided_at    TEXT,
    void_reason  TEXT
) STRICT;

-- Provisional credentials (postcard) and temporary passwords (forgot password by mail).
-- A temporary password has no login_id: the member logs in with their own user ID.
CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL CHECK (kind IN ('provisional', 'temporary')),
    login_id      TEXT COLLATE NOCASE,
    password_hash TEXT,
    batch_id      INTEGER REFERENCES batches (id),
    -- The outbox mail that carried a temporary password.
    outbox_id     INTEGER,
    -- Row number in the batch's print file (sorted by postal code), fixed when the batch is
    -- created so the file can be written in chunks in a stable order.
    batch_seq     INTEGER,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'live', 'used', 'revoked', 'expired')),
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    ended_at      TEXT,
    end_reason    TEXT,
    -- Only a credential that was never printed has no hash: pending, or revoked because its
    -- batch was abandoned before the password was minted.
    CHECK (state IN ('pending', 'revoked') OR password_hash IS NOT NULL)
) STRICT;
-- A member never holds two live credentials of one kind, nor two pending ones (so two batches
-- being written at once can never both print one member). One live and one pending may meet:
-- a reissue's new credential waits as pending while the old one stays live, and the old one is
-- revoked in the transaction that makes the new one live.
CREATE UNIQUE INDEX credentials_one_live ON credentials (member_id, kind)
    WHERE state = 'live';
CREATE UNIQUE INDEX credentials_one_pending ON credentials (member_id, kind)
    WHERE state = 'pending';
CREATE UNIQUE INDEX credentials_login_id ON credentials (login_id) WHERE login_id IS NOT NULL;
CREATE INDEX credentials_batch ON credentials (batch_id, batch_seq);
CREATE INDEX credentials_state_expiry ON credentials (state, expires_at);
CREATE INDEX credentials_member ON credentials (member_id, kind);

-- Keep the household's newest provisional credential on its account (see accounts).
CREATE TRIGGER credentials_newest_provisional AFTER INSERT ON credentials
WHEN NEW.kind = 'provisional'
BEGIN
    UPDATE accounts
    SET provisional_credential_id = NEW.id, provisional_batch_id = NEW.batch_id,
        provisional_state = NEW.state, provisional_expires_at = NEW.expires_at,
        funnel_steps = (funnel_steps & 7) | 8 * (NEW.state IN ('live', 'used', 'expired'))
    WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER credentials_provisional_changed AFTER UPDATE OF state, expires_at, batch_id ON credentials
WHEN NEW.kind = 'provisional'
BEGIN
    UPDATE accounts
    SET provisional_batch_id = NEW.batch_id, provisional_state = NEW.state,
        provisional_expires_at = NEW.expires_at,
        funnel_steps = (funnel_steps & 7) | 8 * (NEW.state IN ('live', 'used', 'expired'))
    WHERE member_id = NEW.member_id AND provisional_credential_id = NEW.id;
END;
CREATE TRIGGER accounts_funnel_steps AFTER UPDATE OF identity_checked_at, registered_at, email_confirmed_at ON accounts
BEGIN
    UPDATE accounts
    SET funnel_steps = (funnel_steps & 8) | (NEW.identity_checked_at IS NOT NULL)
                       | 2 * (NEW.registered_at IS NOT NULL) | 4 * (NEW.email_confirmed_at IS NOT NULL)
    WHERE member_id = NEW.member_id;
END;
-- An account made (or replaced) after its credentials picks up the newest one. The WHEN
-- clause skips the three statements when they would change nothing (no dates, no funnel
-- steps or provisional state given, no provisional credential): that is every account a
-- roster import creates, where running them cost about a third of a million-row import.
CREATE TRIGGER accounts_pick_up_provisional AFTER INSERT ON accounts
WHEN NEW.funnel_steps <> 0 OR NEW.provisional_state IS NOT NULL
  OR NEW.identity_checked_at IS NOT NULL OR NEW.registered_at IS NOT NULL
  OR NEW.email_confirmed_at IS NOT NULL
  OR EXISTS (SELECT 1 FROM credentials WHERE member_id = NEW.member_id AND kind = 'provisional')
BEGIN
    UPDATE accounts
    SET funnel_steps = (NEW.identity_checked_at IS NOT NULL) | 2 * (NEW.registered_at IS NOT NULL)
                       | 4 * (NEW.email_confirmed_at IS NOT NULL)
    WHERE member_id = NEW.member_id;
    UPDATE accounts
    SET (provisional_credential_id, provisional_batch_id, provisional_state, provisional_expires_at) =
        (SELECT id, batch_id, state, expires_at FROM credentials
         WHERE member_id = NEW.member_id AND kind = 'provisional' ORDER BY id DESC LIMIT 1)
    WHERE member_id = NEW.member_id
      AND EXISTS (SELECT 1 FROM credentials WHERE member_id = NEW.member_id AND kind = 'provisional');
    UPDATE accounts
    SET funnel_steps = funnel_steps | 8 * (provisional_state IN ('live', 'used', 'expired'))
    WHERE member_id = NEW.member_id AND provisional_state IS NOT NULL;
END;

-- Portal sessions. The token is shown once; only its SHA-256 is kept.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    credential_id INTEGER REFERENCES credentials (id),
    -- identity: provisional login, must pass the identity check; register: identity checked,
    -- must register; change_password: logged in with a temporary password; member: signed in.
    stage         TEXT NOT NULL CHECK (stage IN ('identity', 'register', 'change_password', 'member')),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT
) STRICT;
CREATE INDEX sessions_member ON sessions (member_id);

-- Email confirmation tokens, minted when the confirmation mail is sent (never stored in clear).
CREATE TABLE email_tokens (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    outbox_id   INTEGER,
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
) STRICT;
CREATE INDEX email_tokens_member ON email_tokens (member_id);

-- Mail to be sent. A row is written in the same transaction as the step that causes it.
-- `payload` is JSON with what the template needs and never a secret: secrets (confirmation
-- token, temporary password) are minted at send time.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('confirm_email', 'temporary_password', 'forgot_id', 'registered', 'notice')),
    member_id       INTEGER REFERENCES members (id),
    to_addr         TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A sender claims a row (state 'sending', claimed_until in the future) before sending it,
    -- so that two senders never send one mail twice.
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_error      TEXT,
    message_id      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_member ON outbox (member_id);

-- The audit trail: one row per change, hash-chained (see src/audit.rs). Never a secret,
-- never 記号・番号: members are named by their opaque id.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    member_id INTEGER,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_member ON audit (member_id);
CREATE INDEX audit_action ON audit (action);

-- The newest audit hash and row count, kept apart from the rows so that deleting the last
-- rows of the chain is found too.
CREATE TABLE audit_head (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    count INTEGER NOT NULL,
    hash  TEXT NOT NULL
) STRICT;
