//! StreamVault: a streaming platform's management backend.
//!
//! `app` builds and runs the whole thing; `web` holds the routes; `db` the data layer;
//! `views` (a separate crate) the markup; `jobs` (another crate) the background work.

pub mod accounts;
pub mod app;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod job_store;
pub mod password;
pub mod queue;
pub mod resets;
pub mod schema;
pub mod seed;
pub mod sessions;
pub mod tokens;
pub mod web;
