//! Where the fixtures are: real tool outputs under `tests/fixtures/` (copied from
//! `/work/shared/fixtures/`, never edited to make a parser pass).

/// A fixture's path: `rel` under `tests/fixtures/`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}
