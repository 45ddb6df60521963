//! The Japanese text of every mail hagaki sends: subject and plain-text body per kind.
//!
//! Pure: everything a template needs comes in through [`MailData`], read or minted by the
//! sender. No template ever names a member by 記号・番号 (告知要求制限): only by name and,
//! where the mail is about the login, the member's own user ID.

use chrono::{DateTime, Utc};

use crate::clock;
use crate::db::outbox::MailKind;
use crate::error::{Error, Result};

/// Shown where a secret will stand when a dry run renders a mail without minting one.
pub const SECRET_PLACEHOLDER: &str = "(発行時に記載)";

/// The path, under `portal_url`, of the page that takes a confirmation token.
pub const CONFIRM_PATH: &str = "confirm-email?token=";

/// Everything a template may use.
#[derive(Debug, Clone)]
pub struct MailData<'a> {
    pub insurer_name: &'a str,
    pub portal_url: &'a str,
    /// The member's name from the roster, when the mail is about a member.
    pub member_name: Option<&'a str>,
    /// The member's own user ID (forgot ID, registration complete).
    pub user_id: Option<&'a str>,
    /// The confirmation token or temporary password, minted at send time.
    pub secret: Option<&'a str>,
    /// How long the secret stays valid, and until when.
    pub valid_hours: i64,
    pub now: DateTime<Utc>,
    /// The outbox row's JSON payload (notice subject and body).
    pub payload: &'a serde_json::Value,
}

/// A mail's subject and body, ready for MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The confirmation link for a token.
pub fn confirm_url(portal_url: &str, token: &str) -> String {
    format!("{}/{CONFIRM_PATH}{token}", portal_url.trim_end_matches('/'))
}

/// Renders one mail. Fails (the mail cannot be sent as it stands) when something the kind
/// needs is missing: a secret, a user ID, a notice's subject or body.
pub fn render(kind: MailKind, d: &MailData<'_>) -> Result<Rendered> {
    let missing =
        |what: &str| Error::bad_input(format!("{} mail: {what} is missing", kind.as_str()));
    let greeting = format!("{} 様\n\n", d.member_name.unwrap_or("加入者"));
    let until = clock::show_jst(d.now + chrono::Duration::hours(d.valid_hours));
    let (subject, main) = match kind {
        MailKind::ConfirmEmail => {
            let token = d.secret.ok_or_else(|| missing("the token"))?;
            let url = confirm_url(d.portal_url, token);
            (
                "メールアドレスの確認のお願い".to_string(),
                format!(
                    "{name} 加入者ポータルへのご登録ありがとうございます。\n\
                     次のURLを開いて、メールアドレスの確認を完了してください。\n\n\
                     {url}\n\n\
                     このURLの有効期限は{hours}時間です（{until}まで）。一度だけ使えます。\n\
                     期限が過ぎた場合は、ポータルから確認メールを再送してください。\n\
                     このメールに心当たりのない場合は、このメールを破棄してください。\n",
                    name = d.insurer_name,
                    hours = d.valid_hours,
                ),
            )
        }
        MailKind::TemporaryPassword => {
            let password = d.secret.ok_or_else(|| missing("the temporary password"))?;
            (
                "仮パスワードのお知らせ".to_string(),
                format!(
                    "パスワード再発行のお申し込みを受け付けました。\n\
                     ご自身のユーザIDと次の仮パスワードでポータルにログインしてください。\n\n\
                     仮パスワード: {password}\n\n\
                     仮パスワードの有効期限は{hours}時間です（{until}まで）。一度だけ使えます。\n\
                     最初のログインで、新しいパスワードへの変更が必要です。\n\
                     お申し込みに心当たりのない場合は、このメールを破棄してください。\n",
                    hours = d.valid_hours,
                ),
            )
        }
        MailKind::ForgotId => {
            let user_id = d.user_id.ok_or_else(|| missing("the user ID"))?;
            (
                "ユーザIDのお知らせ".to_string(),
                format!(
                    "ユーザIDのお問い合わせを受け付けました。\n\
                     あなたのユーザIDは次のとおりです。\n\n\
                     ユーザID: {user_id}\n\n\
                     パスワードをお忘れの場合は、ポータルの「パスワードを忘れた方」から\n\
                     仮パスワードの発行をお申し込みください。\n\
                     お問い合わせに心当たりのない場合は、このメールを破棄してください。\n"
                ),
            )
        }
        MailKind::Registered => {
            let id_line = d
                .user_id
                .map(|u| format!("ユーザID: {u}\n\n"))
                .unwrap_or_default();
            (
                "ご登録完了のお知らせ".to_string(),
                format!(
                    "{name} 加入者ポータルへのご登録が完了しました。\n\
                     次回からは、ご自身で登録したユーザIDとパスワードでログインしてください。\n\n\
                     {id_line}\
                     パスワードはこのメールには記載していません。\n",
                    name = d.insurer_name,
                ),
            )
        }
        MailKind::Notice => {
            let field = |key: &str| {
                d.payload
                    .get(key)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string)
            };
            let subject = field("subject").ok_or_else(|| missing("the subject"))?;
            let body = field("body").ok_or_else(|| missing("the body"))?;
            let mut body = body.replace("\r\n", "\n");
            if !body.ends_with('\n') {
                body.push('\n');
            }
            body.push_str(
                "\nこのお知らせは、メール通知を希望された方にお送りしています。\n\
                 通知を止めるには、ポータルの「通知情報更新時のメール通知」を変更してください。\n",
            );
            (subject, body)
        }
    };
    Ok(Rendered {
        subject: format!("【{}】{subject}", d.insurer_name),
        body: format!("{greeting}{main}{}", footer(d)),
    })
}

fn footer(d: &MailData<'_>) -> String {
    format!(
        "\n――――――――――――――――――――\n{}\n加入者ポータル: {}\n\
         ※このメールは送信専用のアドレスからお送りしています。ご返信にはお答えできません。\n",
        d.insurer_name, d.portal_url
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data<'a>(payload: &'a serde_json::Value, secret: Option<&'a str>) -> MailData<'a> {
        MailData {
            insurer_name: "ひまわり健康保険組合",
            portal_url: "https://portal.example.jp/",
            member_name: Some("山田 太郎"),
            user_id: Some("yamada.taro"),
            secret,
            valid_hours: 24,
            now: clock::from_db("2026-11-18T01:00:00Z").unwrap(),
            payload,
        }
    }

    #[test]
    fn confirmation_mail_carries_the_link_and_its_validity() {
        let p = serde_json::json!({});
        let r = render(MailKind::ConfirmEmail, &data(&p, Some("abc234"))).unwrap();
        assert_eq!(
            r.subject,
            "【ひまわり健康保険組合】メールアドレスの確認のお願い"
        );
        assert!(r.body.starts_with("山田 太郎 様\n\n"), "{}", r.body);
        assert!(
            r.body
                .contains("\nhttps://portal.example.jp/confirm-email?token=abc234\n")
        );
        assert!(
            r.body
                .contains("有効期限は24時間です（2026-11-19 10:00 JSTまで）")
        );
    }

    #[test]
    fn temporary_password_mail_says_it_must_be_changed() {
        let p = serde_json::json!({});
        let r = render(
            MailKind::TemporaryPassword,
            &data(&p, Some("ABCD-EFGH-JKMN")),
        )
        .unwrap();
        assert_eq!(r.subject, "【ひまわり健康保険組合】仮パスワードのお知らせ");
        assert!(r.body.contains("仮パスワード: ABCD-EFGH-JKMN\n"));
        assert!(
            r.body
                .contains("最初のログインで、新しいパスワードへの変更が必要です。")
        );
    }

    #[test]
    fn forgot_id_needs_the_user_id_and_a_notice_its_subject() {
        let p = serde_json::json!({});
        let mut d = data(&p, None);
        assert!(
            render(MailKind::ForgotId, &d)
                .unwrap()
                .body
                .contains("ユーザID: yamada.taro\n")
        );
        d.user_id = None;
        assert!(matches!(
            render(MailKind::ForgotId, &d),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            render(MailKind::Notice, &d),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            render(MailKind::ConfirmEmail, &d),
            Err(Error::BadInput { .. })
        ));
    }

    #[test]
    fn notice_takes_subject_and_body_from_the_payload() {
        let p = serde_json::json!({"subject": "健診のご案内", "body": "本文です。"});
        let r = render(MailKind::Notice, &data(&p, None)).unwrap();
        assert_eq!(r.subject, "【ひまわり健康保険組合】健診のご案内");
        assert!(r.body.contains("本文です。\n\nこのお知らせは"));
    }
}
