//! `--help` output is part of the interface: snapshot it so a change is a reviewed change.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("flameiq")
        .unwrap()
        .args(args)
        .env("COLUMNS", "100")
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV")
        .env_remove("FLAMEIQ_PR")
        .env_remove("FLAMEIQ_DEFAULT_BRANCH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every subcommand's `--help`, so an option added or reworded anywhere is a reviewed change.
#[test]
fn every_subcommand_help() {
    for args in [
        &["init", "--help"][..],
        &["baseline", "set", "--help"],
        &["baseline", "show", "--help"],
        &["baseline", "list", "--help"],
        &["baseline", "clear", "--help"],
        &["baseline", "promote", "--help"],
        &["report", "--help"],
        &["validate", "--help"],
        &["run", "--help"],
        &["changes", "--help"],
    ] {
        let name = args[..args.len() - 1].join("_");
        insta::assert_snapshot!(format!("{name}_help"), help(args));
    }
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn compare_help() {
    insta::assert_snapshot!(help(&["compare", "--help"]));
}

#[test]
fn baseline_help() {
    insta::assert_snapshot!(help(&["baseline", "--help"]));
}

#[test]
fn comment_help() {
    insta::assert_snapshot!(help(&["comment", "--help"]));
}

#[test]
fn ci_help() {
    insta::assert_snapshot!(help(&["ci", "--help"]));
}
