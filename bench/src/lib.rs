//! waflow's load benchmarks: `inbound` (sandbox messages through HTTP) and `webhooks` (signed
//! Cloud API webhooks through to replies at a local Graph API). Shared parts live here.

pub mod common;
pub mod raw_http;
