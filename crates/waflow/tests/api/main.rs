//! API tests: each boots the real server on a random port with a fresh SQLite file and talks HTTP.

mod cli;
mod crash;
mod engine_order;
mod harness;
mod resources;
mod shipping;
mod validation;
