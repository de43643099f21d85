//! Integration tests: the real application on a free port, against a fresh SQLite file or a
//! fresh MariaDB database per test. `both_backends!` runs a test body once per backend.

mod fixtures;
mod helpers;
mod process;
mod smtp;

// Staff tables.
mod admin_browser;
mod admin_browser_edit;
mod admin_contracts;
mod admin_crud;
mod admin_date_ranges;
mod admin_export;
mod admin_money;
mod admin_people;
mod admin_support;
mod admin_undo;
mod audit;

// Analytics.
mod analytics;
mod analytics_dashboard;

mod access;
mod account;
mod account_lifecycle;
mod analytics_queries;
mod auth;
mod background;
mod browser;
mod browser_viewer;
mod catalog;
mod catalog_pages;
mod catalog_search;
mod cli;
mod cluster;
mod compression;
mod csrf;
mod feedback;
mod import;
mod import_large;
mod input;
mod live_tables;
mod posters;
mod presence;
mod proxy;
mod reauth;
mod reset;
mod row_ids;
mod schema_parity;
mod seed_scale;
mod series_page_reviews;
mod series_pages;
mod sessions;
mod staff_dates;
mod transactions;
mod two_factor;
mod viewer;
mod viewer_browser;

// Resilience: faults, load and hostile input.
mod crash;
mod fuzz;
mod limits;
mod lock_order;
mod outage;
mod outbox;
mod processes;
mod queue;
mod storm;
