//! Makes the third-party JavaScript available to `include_bytes!`: installs the pinned npm
//! packages (assets/package-lock.json) when they are missing, then copies the files the app
//! serves into OUT_DIR together with a content hash used to bust long-lived caches.

use std::path::{Path, PathBuf};
use std::process::Command;

const VENDOR: [(&str, &str); 2] = [
    ("node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"),
    (
        "node_modules/chart.js/dist/chart.umd.min.js",
        "chart.umd.min.js",
    ),
];
const OWN: [&str; 4] = ["app.css", "app.js", "analytics.js", "favicon.svg"];

fn main() {
    let assets = PathBuf::from("assets");
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    // sqlx::migrate! embeds the migrations: a new file must rebuild the app.
    println!("cargo:rerun-if-changed=migrations");
    for file in OWN {
        println!("cargo:rerun-if-changed=assets/{file}");
    }

    if VENDOR
        .iter()
        .any(|(source, _)| !assets.join(source).exists())
    {
        install(&assets);
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let mut digest = Fnv::default();
    for (source, name) in VENDOR {
        let bytes = std::fs::read(assets.join(source))
            .unwrap_or_else(|e| panic!("reading assets/{source}: {e}"));
        digest.write(&bytes);
        std::fs::write(out.join(name), bytes).unwrap_or_else(|e| panic!("writing {name}: {e}"));
        println!("cargo:rerun-if-changed=assets/{source}");
    }
    for file in OWN {
        let bytes = std::fs::read(assets.join(file))
            .unwrap_or_else(|e| panic!("reading assets/{file}: {e}"));
        digest.write(&bytes);
    }
    println!(
        "cargo:rustc-env=STREAMVAULT_ASSET_VERSION={:012x}",
        digest.0 & 0xffff_ffff_ffff
    );
}

fn install(assets: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(assets)
        .status()
        .unwrap_or_else(|e| panic!("StreamVault needs Node.js and npm to fetch htmx and Chart.js (npm ci in assets/): {e}"));
    assert!(
        status.success(),
        "`npm ci` in assets/ failed; see its output above"
    );
}

/// FNV-1a: a dependency-free content hash, good enough to name a cache generation.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
