//! Behind a reverse proxy and over HTTPS: client addresses from trusted
//! proxies only, Origin checked against BASE_URL, HSTS and `__Host-` cookies.

use crate::both_backends;
use crate::helpers::{spawn_with, Backend, Options};

async fn login_attempt(app: &crate::helpers::TestApp, forwarded_for: &str) -> u16 {
    let client = app.client();
    let token = client.csrf().await;
    client
        .send(
            client
                .http
                .post(app.url("/login"))
                .header("X-Forwarded-For", forwarded_for)
                .form(&[
                    ("username", "nobody"),
                    ("password", "x"),
                    ("csrf_token", &token),
                ]),
        )
        .await
        .status
}

/// Only a trusted proxy may name the client; then each client has its own bucket.
async fn rate_limits_key_on_the_client_behind_trusted_proxies(backend: Backend) {
    let behind_proxy = spawn_with(
        backend,
        Options {
            login_rate: 2,
            env: vec![("TRUSTED_PROXIES", "127.0.0.1/32, ::1".to_owned())],
            ..Options::default()
        },
    )
    .await;
    for _ in 0..2 {
        assert_eq!(login_attempt(&behind_proxy, "198.51.100.1").await, 401);
    }
    assert_eq!(login_attempt(&behind_proxy, "198.51.100.1").await, 429);
    // Another client behind the same proxy is not throttled by the first one's attempts.
    assert_eq!(login_attempt(&behind_proxy, "198.51.100.2").await, 401);

    let direct = spawn_with(
        backend,
        Options {
            login_rate: 2,
            ..Options::default()
        },
    )
    .await;
    // Untrusted peers cannot escape their bucket by inventing forwarded addresses.
    assert_eq!(login_attempt(&direct, "198.51.100.1").await, 401);
    assert_eq!(login_attempt(&direct, "198.51.100.2").await, 401);
    assert_eq!(login_attempt(&direct, "198.51.100.3").await, 429);
}
both_backends!(rate_limits_key_on_the_client_behind_trusted_proxies);

/// Over HTTPS (BASE_URL https, TLS ended at the proxy): HSTS, `__Host-` secure cookies, and
/// the public origin accepted although the proxy rewrote `Host`.
async fn https_behind_a_proxy(backend: Backend) {
    let app = spawn_with(
        backend,
        Options {
            env: vec![("BASE_URL", "https://streamvault.example".to_owned())],
            ..Options::default()
        },
    )
    .await;
    let client = app.client();
    let page = client.get("/login").await;
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=63072000")
    );
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-sv_pre="))
        .expect("a __Host- pre-session cookie");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    let pair = cookie.split(';').next().unwrap_or_default().to_owned();

    let post = |origin: &'static str| {
        client
            .http
            .post(app.url("/login"))
            .header("Origin", origin)
            .header("Cookie", pair.clone())
            .form(&[
                ("username", "nobody"),
                ("password", "x"),
                ("csrf_token", &page.csrf()),
            ])
    };
    // The public origin is same-site even though Host is the proxy's upstream address.
    assert_eq!(
        client
            .send(post("https://streamvault.example"))
            .await
            .status,
        401
    );
    assert_eq!(client.send(post("https://evil.example")).await.status, 403);
    // A cookie without the prefix (say, planted over plain HTTP) is not the session.
    let planted = client
        .send(
            client
                .http
                .post(app.url("/login"))
                .header("Cookie", pair.replace("__Host-", ""))
                .form(&[
                    ("username", "nobody"),
                    ("password", "x"),
                    ("csrf_token", &page.csrf()),
                ]),
        )
        .await;
    assert_eq!(planted.status, 403);
}
both_backends!(https_behind_a_proxy);
