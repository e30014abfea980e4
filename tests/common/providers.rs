// Shared by the provider suites (`include!`d, as `fake_github.rs` is): the binary run in a
// clean environment, and the path of a fixture under `tests/fixtures/`.

/// `flameiq` run in `dir`, with no FlameIQ variable of the calling shell leaking in.
fn flameiq(dir: &std::path::Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV");
    c
}

/// A fixture's path: `rel` under `tests/fixtures/`.
fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}
