//! `json`: files already in FlameIQ's schema v1 (flameiq-core's own format).
//! Format: `../shared/design.md` §2, and the `schema` module.

use super::{Input, Provider};
use crate::error::Result;
use crate::schema::Snapshot;

/// Schema v1 JSON.
pub struct Json;

impl Provider for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn detect(&self, input: &Input) -> bool {
        // A cheap sniff: a JSON object with a schema_version key near the top.
        input.text.as_deref().is_some_and(|t| {
            t.trim_start().starts_with('{')
                && t.contains("\"schema_version\"")
                && t.contains("\"metrics\"")
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        Snapshot::from_json_str(input.text(self.name())?, &input.path)
    }
}
