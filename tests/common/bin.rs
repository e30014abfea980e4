//! The `flameiq` binary, run the way the suites run it.

/// `flameiq` run in `dir`, with no FlameIQ variable of the calling shell leaking in.
pub fn flameiq(dir: &std::path::Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV");
    c
}
