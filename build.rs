//! Makes the third-party JavaScript available to `include_bytes!`: installs the pinned npm
//! packages (assets/package-lock.json) when they are missing, then copies the files the app
//! serves into OUT_DIR together with a content hash used to bust long-lived caches, and
//! beside each one its brotli (`.br`, best quality) and gzip (`.gz`) forms, so serving an
//! asset never compresses anything.

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
    let files = VENDOR
        .iter()
        .map(|(source, name)| (*source, *name))
        .chain(OWN.iter().map(|file| (*file, *file)));
    for (source, name) in files {
        let bytes = std::fs::read(assets.join(source))
            .unwrap_or_else(|e| panic!("reading assets/{source}: {e}"));
        digest.write(&bytes);
        store(&out, name, &bytes);
        println!("cargo:rerun-if-changed=assets/{source}");
    }
    println!(
        "cargo:rustc-env=STREAMVAULT_ASSET_VERSION={:012x}",
        digest.0 & 0xffff_ffff_ffff
    );
}

/// Writes `name`, `name.br` and `name.gz` into `out`. The script also re-runs for other
/// reasons (a new migration): an unchanged file keeps its compressed forms, since brotli's
/// best quality takes seconds on Chart.js.
fn store(out: &Path, name: &str, bytes: &[u8]) {
    let plain = out.join(name);
    let (br, gz) = (
        out.join([name, ".br"].concat()),
        out.join([name, ".gz"].concat()),
    );
    if std::fs::read(&plain).is_ok_and(|old| old == bytes) && br.exists() && gz.exists() {
        return;
    }
    let write = |path: &Path, data: &[u8]| {
        std::fs::write(path, data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()))
    };
    let mut brotli_bytes = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut brotli_bytes, &params)
        .unwrap_or_else(|e| panic!("brotli {name}: {e}"));
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, bytes).unwrap_or_else(|e| panic!("gzip {name}: {e}"));
    let gzip_bytes = gzip.finish().unwrap_or_else(|e| panic!("gzip {name}: {e}"));
    write(&br, &brotli_bytes);
    write(&gz, &gzip_bytes);
    // Last: a crash before this leaves no stale pair behind a matching original.
    write(&plain, bytes);
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
