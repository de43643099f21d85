//! Driving the server with `wrk` (Debian's package): one Lua script per kind of request, each
//! ending with a `done()` that prints the figures on one line for us to parse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// What one `wrk` run measured.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Responses other than 2xx/3xx, and socket errors (connect, read, write, timeout).
    pub bad_status: u64,
    pub socket_errors: u64,
}

impl Run {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

pub fn check_installed() -> Result<()> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => bail!(
            "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), or see https://github.com/wg/wrk"
        ),
    }
}

/// A started `wrk` (so two can run at once), read with [`Pending::finish`].
pub struct Pending {
    child: std::process::Child,
    what: String,
}

pub fn start(base: &str, script: &Path, seconds: u64, connections: usize) -> Result<Pending> {
    let child = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(script)
        .arg(base)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start wrk")?;
    Ok(Pending {
        child,
        what: script.display().to_string(),
    })
}

impl Pending {
    pub fn finish(self) -> Result<Run> {
        let output = self.child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(line) = stdout.lines().find(|l| l.starts_with("BENCH ")) else {
            bail!(
                "wrk with {} printed no figures: {stdout} {}",
                self.what,
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let field = |name: &str| -> f64 {
            line.split_whitespace()
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        Ok(Run {
            requests: field("requests") as u64,
            seconds: field("duration_us") / 1e6,
            p50_ms: field("p50_us") / 1e3,
            p99_ms: field("p99_us") / 1e3,
            max_ms: field("max_us") / 1e3,
            bad_status: field("status_errors") as u64,
            socket_errors: field("socket_errors") as u64,
        })
    }
}

pub fn run(base: &str, script: &Path, seconds: u64, connections: usize) -> Result<Run> {
    start(base, script, seconds, connections)?.finish()
}

/// Prints the run's figures on one line (parsed by [`Pending::finish`]).
const DONE: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"#;

/// Percent-encodes a string byte by byte (UTF-8 included).
const ENCODE: &str = r#"
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
"#;

pub struct Scripts {
    dir: PathBuf,
}

impl Scripts {
    pub fn new(dir: PathBuf) -> Result<Scripts> {
        std::fs::create_dir_all(&dir)?;
        Ok(Scripts { dir })
    }

    fn write(&self, name: &str, body: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, [body, DONE].concat())?;
        Ok(path)
    }

    /// The same URL every time (with optional extra headers, e.g. a session cookie).
    pub fn fixed(&self, name: &str, path: &str, headers: &[(&str, &str)]) -> Result<PathBuf> {
        let mut body = String::new();
        for (header, value) in headers {
            body.push_str(&format!("wrk.headers[{}] = {}\n", lua(header), lua(value)));
        }
        body.push_str(&format!(
            "request = function() return wrk.format(\"GET\", {}) end\n",
            lua(path)
        ));
        self.write(name, &body)
    }

    /// A different search text, filter and sort on every request, so no cache can answer.
    pub fn catalog_random(
        &self,
        words: &[String],
        genres: u64,
        countries: u64,
        languages: u64,
    ) -> Result<PathBuf> {
        let list: Vec<String> = words.iter().map(|w| lua(w)).collect();
        let body = format!(
            r#"{ENCODE}
math.randomseed(os.time())
local words = {{{words}}}
local sorts = {{"title", "newest", "rating", "viewers"}}
local filters = {{{{"genre", {genres}}}, {{"country", {countries}}}, {{"language", {languages}}}}}
request = function()
  local f = filters[math.random(#filters)]
  local path = "/?q=" .. enc(words[math.random(#words)]) .. "&" .. f[1] .. "=" .. math.random(f[2])
    .. "&sort=" .. sorts[math.random(#sorts)]
  return wrk.format("GET", path)
end
"#,
            words = list.join(", "),
        );
        self.write("catalog_random.lua", &body)
    }

    /// A series page picked at random on every request.
    pub fn series_random(&self, series: u64) -> Result<PathBuf> {
        let body = format!(
            "math.randomseed(os.time())\nrequest = function() return wrk.format(\"GET\", \"/series/\" .. math.random({series})) end\n"
        );
        self.write("series_random.lua", &body)
    }

    /// Successful sign-ins of random synthetic customers, from one pre-login session.
    pub fn logins(
        &self,
        cookie: &str,
        token: &str,
        customers: u64,
        password: &str,
    ) -> Result<PathBuf> {
        let body = format!(
            r#"{ENCODE}
math.randomseed(os.time())
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = {cookie}
request = function()
  local body = "username=viewer" .. math.random({customers}) .. "&password=" .. enc({password})
    .. "&csrf_token=" .. enc({token})
  return wrk.format("POST", "/login", nil, body)
end
"#,
            cookie = lua(cookie),
            token = lua(token),
            password = lua(password),
        );
        self.write("logins.lua", &body)
    }
}

/// A Lua string literal.
fn lua(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
