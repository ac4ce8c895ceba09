//! API tests: each boots the real server on a random port with a fresh SQLite file and talks HTTP.

mod ai;
mod catalogue_steps;
mod catalogue_triggers;
mod cli;
mod cloud_api;
mod cloud_fixtures;
mod crash;
mod data_dir;
mod date_trigger;
mod engine_order;
mod exactly_once;
mod flows;
mod gallery;
mod harness;
mod http_step;
mod linked_device;
mod real_payloads;
mod resources;
mod shipping;
mod sign_in;
mod sign_in_limits;
mod template_limits;
mod validation;
mod versions;
mod why_not;
