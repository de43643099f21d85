//! StreamVault: a streaming platform's management backend.
//!
//! Layers, with dependencies pointing one way: `web` (routes, middleware, handlers) → the
//! domain modules (`auth`, `catalog`, `feedback`, `admin`, `analytics`, `seed`, `queue`, and
//! the leaves they share: `audit`, `series_stats`, `validation`) →
//! `db` (the one `Db` type, schema identifiers, paging, batches). `views` (markup) and `jobs`
//! (background work) are separate crates that never import this one; `app` wires them all
//! together. See ARCHITECTURE.md.

pub mod admin;
pub mod analytics;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod feedback;
pub mod posters;
pub mod queue;
pub mod seed;
pub mod series_pages;
pub mod series_stats;
pub mod validation;
pub mod web;
