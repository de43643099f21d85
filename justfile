# StreamVault tasks. `just` is optional: every recipe is a plain cargo command.

# Serve the demo catalog on the embedded SQLite database at http://127.0.0.1:8080/
run:
    cargo run -- serve --demo

# The whole test suite, on SQLite and on MariaDB (127.0.0.1:3306, user root; override with TEST_MYSQL_URL)
test:
    cargo nextest run --workspace

# A local three-node MariaDB Galera cluster on 127.0.0.1:4306-4308: up, down, status, kill N,
# start N, url (see scripts/cluster)
cluster *args:
    scripts/cluster {{args}}

# Formatting, lints and tests: what a change must pass
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo nextest run --workspace

# Performance at scale 10 on SQLite and MariaDB: release build, `seed --scale 10`, wrk at 32
# connections against every public page, the floor of each page, sign-ins, cache expiries,
# peak RSS. Prints figures and writes them into BENCHMARKS.md (see its header for knobs).
bench:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v wrk >/dev/null 2>&1; then
      echo "wrk is missing: installing it (Debian package)"
      sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk
    fi
    if ! mysqladmin --user=root --host=127.0.0.1 --port=3306 ping >/dev/null 2>&1; then
      echo "MariaDB is not answering on 127.0.0.1:3306 (set TEST_MYSQL_URL, or BENCH_BACKENDS=sqlite)" >&2
    fi
    cargo build --release --bin streamvault
    cargo bench --bench load
    cargo bench --bench refresh

# The three-node Galera cluster beside the single server: the cost of causal reads, and pages
# with a write mix through two processes on different nodes. Needs `just cluster up`. Prints
# figures and writes them into BENCHMARKS.md (section "On a Galera cluster").
bench-cluster:
    cargo build --release --bin streamvault
    cargo bench --bench galera
