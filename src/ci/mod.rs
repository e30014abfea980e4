//! CI integrations (minimal placeholder: the lead merges this with the GitHub side).

pub mod context_other;
pub mod gitlab;
