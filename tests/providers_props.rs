//! Property tests of the providers (issue 4): arbitrary bytes and mutated real fixtures fed
//! to every provider (and to `auto`'s detection) never panic; a failure is always an exit-3
//! error, and a success always yields finite values with a unit and a direction.

use flameiq::providers::{Input, ProviderKind};
use proptest::prelude::*;
use std::path::Path;

mod common;

/// The largest fixture mutated here: the 1.5 MB pytest-benchmark document would only slow
/// the cases down, not reach new code.
const MAX_TEXT_FIXTURE: u64 = 200 * 1024;

/// The text fixtures: every provider fixture ([`common::fixtures::provider_fixtures`],
/// driven from the folders) that is a file of at most [`MAX_TEXT_FIXTURE`] bytes (the
/// criterion folder is exercised separately below).
static TEXT_FIXTURES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    common::fixtures::provider_fixtures()
        .into_iter()
        .map(|(_, rel)| rel)
        .filter(|rel| {
            std::fs::metadata(common::fixtures::fixture(rel))
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_TEXT_FIXTURE)
        })
        .collect()
});

fn read(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

/// Runs detection and every provider on `text`; checks the error/success contract.
fn check_all(text: String) -> std::result::Result<(), TestCaseError> {
    let input = Input::from_text("mutated", text);
    if let Err(e) = flameiq::providers::detect(&input) {
        prop_assert_eq!(e.exit_code(), 3);
    }
    for kind in ProviderKind::ALL {
        let p = kind.provider();
        let _ = p.detect(&input);
        match p.parse(&input) {
            Ok(snap) => {
                for (k, v) in snap.flat() {
                    prop_assert!(v.is_finite(), "{}: {k} = {v}", kind.name());
                    let info = snap.metrics.info(k);
                    // Schema v1 files (json provider) may lack metric_info; tools' never do.
                    if *kind != ProviderKind::Json {
                        let info = info.expect("metric_info for every key");
                        prop_assert!(info.unit.is_some() && info.direction.is_some());
                    }
                }
            }
            Err(e) => prop_assert_eq!(e.exit_code(), 3, "{}: {}", kind.name(), e),
        }
    }
    Ok(())
}

/// One edit of a fixture: delete, duplicate, or overwrite a span, or truncate.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 0usize..64).prop_map(|(a, n)| Edit::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                "[0-9a-zA-Z .,:/\\-+e\"{}\\[\\]<>=\n\t]{0,24}",
                Just("NaN".to_string()),
                Just("1e999".to_string()),
                Just("-".to_string()),
                Just("µ".to_string()),
                Just("\n".to_string()),
                Just("null".to_string()),
            ]
        )
            .prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

/// The char boundary at or before `i % (len + 1)`.
fn at(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, edits: &[Edit]) -> String {
    for e in edits {
        match e {
            Edit::Truncate(i) => {
                let i = at(&s, *i);
                s.truncate(i);
            }
            Edit::Delete(i, n) => {
                let a = at(&s, *i);
                let b = at(&s, a + n.min(&(s.len() - a)));
                let b = b.max(a);
                s.replace_range(a..b, "");
            }
            Edit::Insert(i, t) => {
                let a = at(&s, *i);
                s.insert_str(a, t);
            }
            Edit::Duplicate(i, n) => {
                let a = at(&s, *i);
                let b = at(&s, a + n.min(&(s.len() - a))).max(a);
                let span = s[a..b].to_string();
                s.insert_str(b, &span);
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_all(String::from_utf8_lossy(&bytes).into_owned())?;
    }

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(
        prop_oneof![
            "Benchmark[A-Za-z/_-]{0,12}-[0-9]{1,2}\\s+[0-9]{1,6}\\s+[0-9.,e-]{1,8} (ns/op|B/op|MB/s|allocs/op|x)",
            "test [a-z ]{0,8} \\.\\.\\. bench: +[0-9,.]{0,8} [a-z/]{0,8} \\(\\+/- [0-9]{1,3}\\)",
            "[a-z ]{0,8} x [0-9,.]{0,8} ops/sec ±[0-9.]{1,4}% \\([0-9]{1,3} runs sampled\\)",
            "benchmark name +samples +iterations +estimated",
            "-{79}",
            "={79}",
            "[a-z ]{1,10} +[0-9]{1,3} +[0-9]{1,5} +[0-9.]{1,6} (ns|us|ms|s|x)",
            " +[0-9.]{1,6} (ns|us|ms|s|x) +[0-9.]{1,6} ns +[0-9.]{1,6} ns",
            "pkg: [a-z/.]{1,12}",
            "--- FAIL: Benchmark[A-Z][a-z]{0,5}",
            // criterion console, valgrind files, gungraun blocks (issue 16).
            "[a-z/ ]{0,30} +(time|thrpt): +\\[[0-9.]{1,6} (ps|ns|µs|ms|s|GiB/s|Melem/s|x|%) [0-9.+−]{1,6}%? (ns|µs|B/s|%) [0-9.]{1,6} (ns|s|Kb/s)\\]",
            " {17}change:",
            "(events|summary|totals|cmd|desc): [A-Za-z0-9 .-]{0,20}",
            "# callgrind format",
            "[a-z_:]{1,20} [a-z]{1,5}:[0-9]{1,3}",
            "  ======= (CALLGRIND|DHAT|CACHEGRIND) =+",
            "  (Instructions|L1 Hits|Dr|L1 Hit Rate|Total bytes): +[0-9.]{0,12}\\|(N/A|[0-9]{1,8}) +\\((No change|\\*{9}|[+-][0-9.]{1,6}%)\\)",
            "\\{\"module_path\": \"[a-z:]{0,8}\", \"profiles\": \\[[a-z{}:\" ,\\[\\]]{0,40}",
            ".{0,30}",
        ],
        0..24,
    )) {
        check_all(lines.join("\n"))?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..TEXT_FIXTURES.len(),
        edits in proptest::collection::vec(edit_strategy(), 1..4),
    ) {
        let text = read(&TEXT_FIXTURES[which]);
        check_all(apply(text, &edits))?;
    }

    #[test]
    fn mutated_criterion_folder_never_panics(
        file in prop_oneof![Just("estimates.json"), Just("sample.json"), Just("benchmark.json")],
        edits in proptest::collection::vec(edit_strategy(), 1..4),
    ) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/criterion/target_criterion/checksum/adler_256/new");
        let tmp = tempfile::tempdir().unwrap();
        let new = tmp.path().join("criterion/bench/new");
        std::fs::create_dir_all(&new).unwrap();
        for f in ["estimates.json", "sample.json", "benchmark.json"] {
            std::fs::copy(src.join(f), new.join(f)).unwrap();
        }
        let text = std::fs::read_to_string(new.join(file)).unwrap();
        std::fs::write(new.join(file), apply(text, &edits)).unwrap();
        let input = Input { path: tmp.path().to_path_buf(), text: None, invalid_utf8: None };
        for kind in ProviderKind::ALL {
            let _ = kind.provider().detect(&input);
            if let Err(e) = kind.provider().parse(&input) {
                prop_assert_eq!(e.exit_code(), 3, "{}: {}", kind.name(), e);
            }
        }
    }
}
