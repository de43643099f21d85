//! A real SMTP server on a loopback port that keeps what it receives, for e-mail tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
pub struct Inbox {
    messages: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl Inbox {
    pub fn all(&self) -> Vec<Received> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Every recipient of every message so far, sorted (one entry per message and recipient).
    pub fn recipients(&self) -> Vec<String> {
        let mut all: Vec<String> = self.all().iter().flat_map(|m| m.to.clone()).collect();
        all.sort();
        all
    }

    /// Waits until at least `count` messages arrived (or panics after `timeout`).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            let all = self.all();
            if all.len() >= count {
                return all;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "expected {count} e-mails within {timeout:?}, got {}",
                    self.all().len()
                );
            }
        }
    }
}

/// A port nothing listens on yet (for "SMTP is down").
pub async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Starts the sink on `port` (0 for any); returns the port and the inbox.
pub async fn start(port: u16, inbox: Inbox) -> u16 {
    start_slow(port, inbox, Duration::ZERO).await
}

/// Accepts connections on a free port and never says a word: a mail server that hangs.
/// Returns the port; the server lives as long as the test process.
pub async fn start_stalled() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind stalled smtp");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// Like [`start`], but every reply comes `delay` late: a slow server, so a delivery attempt
/// is still running while the queue's other timers fire.
pub async fn start_slow(port: u16, inbox: Inbox, delay: Duration) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind smtp sink");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                tokio::time::sleep(delay).await;
                let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("HELO")
                        || upper.starts_with("MAIL FROM")
                        || upper.starts_with("RSET")
                        || upper.starts_with("NOOP")
                    {
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        to.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push('\n');
                        }
                        if let Ok(mut messages) = inbox.messages.lock() {
                            messages.push(Received {
                                to: std::mem::take(&mut to),
                                data,
                            });
                        }
                        inbox.arrived.notify_waiters();
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"502 not implemented\r\n"
                    };
                    tokio::time::sleep(delay).await;
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// The reset link in a message (quoted-printable soft breaks undone).
pub fn reset_link(message: &Received) -> String {
    let text = message.data.replace("=\n", "").replace("=3D", "=");
    let start = text
        .find("http://streamvault.test/reset-password/")
        .expect("a reset link in the e-mail");
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:.-_".contains(*c))
        .collect()
}

/// `<name@example.com>` for each name, sorted: what [`Inbox::recipients`] holds when each of
/// them got exactly one message.
pub fn addresses(names: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = names.iter().map(|n| format!("<{n}@example.com>")).collect();
    all.sort();
    all
}
