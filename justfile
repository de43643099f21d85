# StreamVault tasks. `just` is optional: every recipe is a plain cargo command.

# Serve the demo catalog on the embedded SQLite database at http://127.0.0.1:8080/
run:
    cargo run -- serve --demo

# The whole test suite, on SQLite and on MariaDB (127.0.0.1:3306, user root; override with TEST_MYSQL_URL)
test:
    cargo nextest run --workspace

# Formatting, lints and tests: what a change must pass
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo nextest run --workspace

# Throughput of the catalog pages and login timing (release build); figures go in BENCHMARKS.md
bench:
    cargo bench --bench load
    BENCH_BACKEND=mysql cargo bench --bench load
