//! Configuration from the environment (the README lists every variable), validated once at start-up.

use std::net::SocketAddr;

use crate::error::ConfigError;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/streamvault.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_MAIL_FROM: &str = "StreamVault <no-reply@streamvault.local>";
pub const DEFAULT_MEDIA_DIR: &str = "data/media";

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    /// `None` means "derive from the address actually bound" (port 0 picks one).
    pub base_url: Option<url::Url>,
    pub smtp_url: Option<String>,
    pub mail_from: lettre::message::Mailbox,
    /// Where `.eml` files go when `SMTP_URL` is unset.
    pub outbox_dir: std::path::PathBuf,
    /// `MEDIA_DIR`: uploaded posters' renditions, shared by every process of a deployment.
    pub media_dir: std::path::PathBuf,
    pub login_rate_per_min: u32,
    pub reset_rate_per_min: u32,
    /// `PAGE_CACHE` (`on`, the default, or `off`): whether public pages are served from the
    /// one-second in-process cache. Off makes every page read the database (the benchmark's
    /// uncached runs).
    pub page_cache: bool,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed
    /// (`TRUSTED_PROXIES`); requests from anyone else are keyed on their socket address.
    pub trusted_proxies: Vec<IpRange>,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `ANALYTICS_DEBOUNCE_SECONDS` (default 30): after catalog or review writes, one analytics
    /// refresh is queued at most this often, however many writes came; a database without a
    /// snapshot gets one at start. 0 turns both off (the schedule and the button remain).
    pub analytics_debounce: Option<std::time::Duration>,
    /// `ANALYTICS_SCHEDULE` (`on`, the default, or `off`): whether this process's workers also
    /// refresh the analytics snapshot every five minutes. Off leaves the button and the
    /// refreshes after writes; tests and benchmarks turn it off so a clock tick cannot change
    /// what they measure.
    pub analytics_schedule: bool,
    /// `STAFF_2FA` (`optional`, the default, or `required`): whether an employee without
    /// two-factor sign-in is sent to enrol after signing in and may reach nothing else.
    pub staff_2fa_required: bool,
    /// `REAUTH_SECONDS` (default 600): how long after typing their password an employee may
    /// change another account's e-mail, disable an employee or create one without typing it
    /// again.
    pub reauth_window: chrono::Duration,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// An address or a CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: std::net::IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let network: std::net::IpAddr = addr.trim().parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { network, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl Config {
    /// Reads the process environment (after `.env`, if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("mysql:")
            || database_url.starts_with("mariadb:"))
        {
            return Err(ConfigError::invalid(
                "DATABASE_URL",
                "must start with sqlite:// or mysql://",
            ));
        }

        let addr_text = get("STREAMVAULT_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr: SocketAddr = addr_text.parse().map_err(|_| {
            ConfigError::invalid("STREAMVAULT_ADDR", "must be host:port, e.g. 127.0.0.1:8080")
        })?;

        let base_url = match get("BASE_URL") {
            None => None,
            Some(text) => {
                let url = url::Url::parse(&text).map_err(|_| {
                    ConfigError::invalid("BASE_URL", "must be an absolute http(s) URL")
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(ConfigError::invalid(
                        "BASE_URL",
                        "must be an absolute http(s) URL",
                    ));
                }
                Some(url)
            }
        };

        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::invalid(
                    "SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
        }

        let mail_from = get("MAIL_FROM")
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned())
            .parse()
            .map_err(|_| {
                ConfigError::invalid("MAIL_FROM", "must be an address like `Name <user@host>`")
            })?;

        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(text) => text
                .split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| {
                    IpRange::parse(part).ok_or(ConfigError::invalid(
                        "TRUSTED_PROXIES",
                        "must be comma-separated addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8",
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(ConfigError::invalid("LOG_FORMAT", "must be text or json")),
        };

        let staff_2fa_required = match get("STAFF_2FA").as_deref().map(str::trim) {
            None | Some("optional") => false,
            Some("required") => true,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "STAFF_2FA",
                    "must be optional or required",
                ))
            }
        };
        let reauth_window = match get("REAUTH_SECONDS").as_deref().map(str::trim) {
            None => chrono::Duration::seconds(600),
            Some(text) => match text.parse::<i64>() {
                Ok(seconds) if (0..=86_400).contains(&seconds) => {
                    chrono::Duration::seconds(seconds)
                }
                _ => {
                    return Err(ConfigError::invalid(
                        "REAUTH_SECONDS",
                        "must be a whole number of seconds from 0 to 86400",
                    ))
                }
            },
        };

        Ok(Self {
            staff_2fa_required,
            reauth_window,
            log_format,
            trusted_proxies,
            database_url,
            addr,
            base_url,
            smtp_url,
            mail_from,
            outbox_dir: std::path::PathBuf::from("data/outbox"),
            media_dir: std::path::PathBuf::from(
                get("MEDIA_DIR").unwrap_or_else(|| DEFAULT_MEDIA_DIR.to_owned()),
            ),
            login_rate_per_min: rate(get("LOGIN_RATE_PER_MIN"), "LOGIN_RATE_PER_MIN", 10)?,
            reset_rate_per_min: rate(get("RESET_RATE_PER_MIN"), "RESET_RATE_PER_MIN", 5)?,
            page_cache: match get("PAGE_CACHE").as_deref() {
                None | Some("on") => true,
                Some("off") => false,
                Some(_) => return Err(ConfigError::invalid("PAGE_CACHE", "must be on or off")),
            },
            analytics_schedule: match get("ANALYTICS_SCHEDULE").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(_) => {
                    return Err(ConfigError::invalid(
                        "ANALYTICS_SCHEDULE",
                        "must be on or off",
                    ))
                }
            },
            analytics_debounce: match get("ANALYTICS_DEBOUNCE_SECONDS").as_deref().map(str::trim) {
                None => Some(std::time::Duration::from_secs(30)),
                Some(text) => match text.parse::<u64>() {
                    Ok(0) => None,
                    Ok(seconds) if seconds <= 86_400 => {
                        Some(std::time::Duration::from_secs(seconds))
                    }
                    _ => {
                        return Err(ConfigError::invalid(
                            "ANALYTICS_DEBOUNCE_SECONDS",
                            "must be a whole number of seconds from 0 (off) to 86400",
                        ))
                    }
                },
            },
        })
    }

    /// `BASE_URL`, or `http://` + the address the server actually listens on.
    pub fn base_url_for(&self, bound: SocketAddr) -> url::Url {
        self.base_url.clone().unwrap_or_else(|| {
            url::Url::parse(&["http://", &bound.to_string(), "/"].concat()).unwrap_or_else(|_| {
                // A SocketAddr always forms a valid authority; this arm is unreachable in practice.
                url::Url::parse("http://127.0.0.1/").expect("static URL parses")
            })
        })
    }

    /// Cookies get `Secure` only when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

fn rate(value: Option<String>, name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::invalid(name, "must be a whole number above 0")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(move |name| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_match_the_contract() -> Result<(), ConfigError> {
        let config = with(&[])?;
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(config.login_rate_per_min, 10);
        assert_eq!(config.reset_rate_per_min, 5);
        assert!(config.page_cache);
        assert!(config.analytics_schedule);
        assert!(!with(&[("ANALYTICS_SCHEDULE", "off")])?.analytics_schedule);
        assert!(config.smtp_url.is_none());
        assert!(!config.staff_2fa_required);
        assert!(with(&[("STAFF_2FA", "required")])?.staff_2fa_required);
        assert_eq!(config.reauth_window, chrono::Duration::seconds(600));
        assert_eq!(
            with(&[("REAUTH_SECONDS", "60")])?.reauth_window,
            chrono::Duration::seconds(60)
        );
        assert_eq!(config.media_dir, std::path::Path::new(DEFAULT_MEDIA_DIR));
        assert_eq!(
            config.base_url_for(config.addr).as_str(),
            "http://127.0.0.1:8080/"
        );
        Ok(())
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("STREAMVAULT_ADDR", "nowhere"),
            ("BASE_URL", "ftp://x"),
            ("LOGIN_RATE_PER_MIN", "-1"),
            ("DATABASE_URL", "postgres://x"),
            ("SMTP_URL", "http://x"),
            ("PAGE_CACHE", "sometimes"),
            ("ANALYTICS_SCHEDULE", "hourly"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("LOG_FORMAT", "xml"),
            ("STAFF_2FA", "always"),
            ("REAUTH_SECONDS", "-5"),
            ("REAUTH_SECONDS", "ten minutes"),
        ] {
            let err = with(&[(name, value)])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn ip_ranges_match_by_prefix() {
        let range = IpRange::parse("10.1.0.0/16").expect("range");
        assert!(range.contains("10.1.200.3".parse().expect("ip")));
        assert!(!range.contains("10.2.0.1".parse().expect("ip")));
        assert!(range.contains("::ffff:10.1.0.9".parse().expect("ip")));
        let one = IpRange::parse("::1").expect("v6");
        assert!(one.contains("::1".parse().expect("ip")));
        assert!(!one.contains("127.0.0.1".parse().expect("ip")));
        let all = IpRange::parse("0.0.0.0/0").expect("all");
        assert!(all.contains("203.0.113.7".parse().expect("ip")));
    }
}
