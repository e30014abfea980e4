//! Shared support of the integration tests, one module per concern, declared by each suite
//! with `mod common;` (no `include!`):
//!
//! | module | what |
//! |---|---|
//! | [`bin`] | the `flameiq` binary in a clean environment |
//! | [`fixtures`] | paths of the real tool outputs under `tests/fixtures/` |
//! | [`fake_github`] | the loopback GitHub (comments, users, pagination, scripted failures) and the event payloads |
//! | [`fake_gitlab`] | the one loopback GitLab (MR notes, users, pagination, scripted failures) |
//! | [`workspace`] | the CI suites' workspace (`Ws`, the two metrics files) and one run's results (`Run`) |

// Each suite uses a part of the support; the rest is dead code in that test binary.
#![allow(dead_code)]

pub mod bin;
pub mod fake_github;
pub mod fake_gitlab;
pub mod fixtures;
pub mod workspace;
