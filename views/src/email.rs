//! E-mail bodies: each message has a subject, a plain-text body and an HTML body.

use maud::{html, Markup, DOCTYPE};

pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn wrap(heading: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html { body style="font-family: sans-serif; color: #1c1f2a" {
            h1 style="font-size: 20px" { (heading) }
            (body)
            p style="color: #6b7080; font-size: 12px" { "StreamVault" }
        } }
    }
    .into_string()
}

/// The reset link; `link` is built from BASE_URL only.
pub fn password_reset(username: &str, link: &str, valid_minutes: i64) -> Email {
    let text = format!(
        "Hello {username},\n\nSomeone (hopefully you) asked to reset the password of your StreamVault account.\n\
         Choose a new password here (the link works once and expires in {valid_minutes} minutes):\n\n{link}\n\n\
         If you did not ask for this, ignore this message: your password stays as it is.\n"
    );
    let html = wrap(
        "Reset your password",
        html! {
            p { "Hello " (username) "," }
            p { "Someone (hopefully you) asked to reset the password of your StreamVault account." }
            p { a href=(link) { "Choose a new password" } }
            p { "The link works once and expires in " (valid_minutes) " minutes. If you did not ask for this, ignore this message: your password stays as it is." }
        },
    );
    Email {
        subject: "Reset your StreamVault password".to_owned(),
        text,
        html,
    }
}

pub fn password_changed(username: &str) -> Email {
    let text = format!(
        "Hello {username},\n\nThe password of your StreamVault account was just changed, and every session signed in \
         with the old one was signed out.\n\nIf this was not you, reset your password at once and contact support.\n"
    );
    let html = wrap(
        "Your password was changed",
        html! {
            p { "Hello " (username) "," }
            p { "The password of your StreamVault account was just changed, and every session signed in with the old one was signed out." }
            p { "If this was not you, reset your password at once and contact support." }
        },
    );
    Email {
        subject: "Your StreamVault password was changed".to_owned(),
        text,
        html,
    }
}

/// Someone tried to register a new account with an address an account already uses. The
/// page they saw said nothing about it; the owner hears of it here.
pub fn registration_attempt(username: &str, forgot_link: &str) -> Email {
    let text = format!(
        "Hello {username},\n\nSomeone just tried to register a new StreamVault account with this e-mail address, \
         which your account (username {username}) already uses. No new account was created.\n\n\
         If it was you: you already have an account. Sign in as {username}, or if you forgot the password, \
         ask for a new one here:\n\n{forgot_link}\n\n\
         If it was not you, you can ignore this message: nothing about your account changed.\n"
    );
    let html = wrap(
        "Someone tried to register with your address",
        html! {
            p { "Hello " (username) "," }
            p { "Someone just tried to register a new StreamVault account with this e-mail address, which your account (username " strong { (username) } ") already uses. No new account was created." }
            p { "If it was you: you already have an account. Sign in as " (username) ", or if you forgot the password, " a href=(forgot_link) { "ask for a new one" } "." }
            p { "If it was not you, you can ignore this message: nothing about your account changed." }
        },
    );
    Email {
        subject: "Someone tried to register with your StreamVault address".to_owned(),
        text,
        html,
    }
}

/// Two-factor sign-in changed; `what` says how ("was turned on", …).
pub fn two_factor_changed(username: &str, what: &str) -> Email {
    let text = format!(
        "Hello {username},\n\nTwo-factor sign-in on your StreamVault account {what}.\n\n\
         If this was not you, reset your password at once and contact support.\n"
    );
    let html = wrap(
        "Two-factor sign-in changed",
        html! {
            p { "Hello " (username) "," }
            p { "Two-factor sign-in on your StreamVault account " (what) "." }
            p { "If this was not you, reset your password at once and contact support." }
        },
    );
    Email {
        subject: "Two-factor sign-in on your StreamVault account changed".to_owned(),
        text,
        html,
    }
}

/// `new_email` shown masked ("n•••@example.com"): enough for the owner to recognise it,
/// little for anyone else reading the old mailbox.
pub fn email_changed(username: &str, new_email: &str) -> Email {
    let masked = mask_email(new_email);
    let text = format!(
        "Hello {username},\n\nThe e-mail address of your StreamVault account was just changed to {masked}.\n\
         This message goes to the previous address only.\n\n\
         If this was not you, reset your password at once and contact support.\n"
    );
    let html = wrap(
        "Your e-mail address was changed",
        html! {
            p { "Hello " (username) "," }
            p { "The e-mail address of your StreamVault account was just changed to " strong { (masked) } "." }
            p { "This message goes to the previous address only. If this was not you, reset your password at once and contact support." }
        },
    );
    Email {
        subject: "Your StreamVault e-mail address was changed".to_owned(),
        text,
        html,
    }
}

/// "name@example.com" → "n•••@example.com".
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            [first.as_str(), "•••@", domain].concat()
        }
        None => "•••".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_attempt_names_the_account_and_the_way_back_in() {
        let email = registration_attempt("alice", "https://sv.example/forgot-password");
        assert!(email.subject.contains("tried to register"));
        for body in [&email.text, &email.html] {
            assert!(body.contains("alice"));
            assert!(body.contains("https://sv.example/forgot-password"));
        }
    }

    #[test]
    fn the_new_address_is_masked() {
        assert_eq!(mask_email("newname@example.com"), "n•••@example.com");
        let email = email_changed("alice", "newname@example.com");
        assert!(!email.text.contains("newname") && email.text.contains("n•••@example.com"));
    }
}
