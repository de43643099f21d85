//! Integration tests: the real application on a free port, against a fresh SQLite file or a
//! fresh MariaDB database per test. `both_backends!` runs a test body once per backend.

mod helpers;
mod smtp;

mod access;
mod auth;
mod browser;
mod catalog;
mod catalog_search;
mod csrf;
mod input;
mod reset;
mod seed_scale;
mod transactions;
