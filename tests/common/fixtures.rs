//! Where the fixtures are: real tool outputs under `tests/fixtures/` (copied from
//! `/work/shared/fixtures/`, never edited to make a parser pass).

/// A fixture's path: `rel` under `tests/fixtures/`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Every provider fixture as (provider, path under `tests/fixtures/`), sorted: each entry
/// of a folder named after a provider (`jmh/`, `go/`, ...), its `SOURCES.txt` notes left
/// out. The folders are the list: a fixture added to one is tested without being named
/// anywhere else. Other suites' folders (`junit/`, `github-events/`) are not providers'.
pub fn provider_fixtures() -> Vec<(String, String)> {
    let root = fixture("");
    let names = flameiq::providers::names();
    let mut out = vec![];
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let provider = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !dir.is_dir() || !names.contains(&provider.as_str()) {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            if name != "SOURCES.txt" {
                out.push((provider.clone(), format!("{provider}/{name}")));
            }
        }
    }
    out.sort();
    out
}

/// The provider of a fixture under `tests/fixtures/` (its folder's name), when it is a
/// provider fixture ([`provider_fixtures`]).
pub fn provider_of(rel: &str) -> Option<String> {
    let (folder, name) = rel.split_once('/')?;
    (name != "SOURCES.txt" && !name.contains('/') && flameiq::providers::names().contains(&folder))
        .then(|| folder.to_string())
}
