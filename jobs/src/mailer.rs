//! Sends e-mail through SMTP (`SMTP_URL`), or writes `.eml` files to an outbox folder.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{BoxError, Permanent};

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Outbox {
        transport: AsyncFileTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Mailer {
    /// `smtp://host:port` (plain, for local relays; add `?tls=required` for STARTTLS) or
    /// `smtps://user:pass@host`; without a URL, messages go to `outbox` as `.eml` files.
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf, from: Mailbox) -> Result<Self, BoxError> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
            None => {
                std::fs::create_dir_all(&outbox)?;
                Ok(Mailer::Outbox {
                    transport: AsyncFileTransport::<Tokio1Executor>::new(outbox),
                    from,
                })
            }
        }
    }

    pub async fn send(&self, to: &str, email: views::email::Email) -> Result<(), BoxError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(to
                .parse::<Mailbox>()
                .map_err(|e| Permanent::failure(format_args!("unusable recipient address: {e}")))?)
            .subject(email.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html),
                    ),
            )
            // The same message would fail to build the same way next time.
            .map_err(Permanent::wrap)?;
        match self {
            Mailer::Smtp { transport, .. } => {
                // A 5xx reply (no such mailbox, refused recipient) will not change on retry.
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        Permanent::wrap(e)
                    } else {
                        Box::new(e) as BoxError
                    }
                })?;
            }
            Mailer::Outbox { transport, .. } => {
                transport.send(message).await?;
            }
        }
        Ok(())
    }
}
