//! FlameIQ: a deterministic, offline, CI-native performance-regression gate.
//!
//! A faithful, fixed and extended port of the Python package `flameiq-core` 1.0.2: the same
//! commands, exit codes, schema v1 metrics files, `flameiq.yaml` and `.flameiq/` store.
//!
//! The library holds all logic; the `flameiq` binary only parses arguments, dispatches and
//! maps outcomes to exit codes ([`error`] has the table).
//!
//! | module | owns |
//! |---|---|
//! | [`error`] | the one error enum and the exit codes |
//! | [`schema`] | schema v1 snapshots, validation, flat keys, `metric_info` |
//! | [`metric_map`] | a snapshot's keys, values and `metric_info` in one map (memory) |
//! | [`config`] | `flameiq.yaml` |
//! | [`store`] | `.flameiq/` baselines and history |
//! | [`fsutil`] | atomic and straight-through file writes, no-follow opens |
//! | [`ci`] | `flameiq ci`: CI detection, Action inputs/outputs, the PR comment |
//! | [`compare`] | comparison, thresholds, baseline strategies |
//! | [`providers`] | benchmark tool adapters and auto-detection |
//! | [`render`] | table, HTML and other views of a result |
//! | [`dashboard`] | `flameiq dashboard`: the static site of the whole history |
//! | [`timestamp`] | ISO 8601 timestamps as Python's `fromisoformat().isoformat()` writes them |
//! | [`snapshot_ser`] | a snapshot's schema v1 document, written without a `Value` tree |
//! | [`pyjson`] | JSON text byte-identical with Python's `json.dumps` |
//! | [`units`] | units: parse, scale to ms, direction hint, human display |
//! | [`quantile`] | median and percentiles, shared by providers, baselines and statistics |

pub mod ci;
pub mod compare;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod fsutil;
mod history_de;
pub mod metric_map;
pub mod providers;
pub mod pyjson;
pub mod quantile;
pub mod render;
pub mod schema;
mod snapshot_de;
pub mod snapshot_ser;
pub mod store;
pub mod timestamp;
pub mod units;

pub use error::{Error, Result};
