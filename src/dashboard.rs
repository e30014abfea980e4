//! `flameiq dashboard`: a static site of the whole stored history (issue 17).
//!
//! The site is plain files, opened from `file://` or served by GitHub/GitLab Pages alike:
//!
//! ```text
//! index.html           fixed markup (no user data), strict Content-Security-Policy
//! dashboard.css/.js    the page's style and code (templates/dashboard.*, compiled in)
//! data/index.js        flameiqIndex({...}): environments and one row per metric
//! data/runs-<E>.js     flameiqRuns(E, [...]): the runs of environment E (commit, time, URL)
//! data/s<N>.js         flameiqChunk(N, [...]): full series of a few dozen metrics
//! .flameiq-dashboard   marker: a folder holding it may be replaced by the next write
//! ```
//!
//! Data travels as JavaScript files loaded with `<script src>` rather than JSON read with
//! `fetch()`, because Chromium refuses `fetch()` of local files; `script-src 'self'` allows
//! them from `file://` and from a Pages host, and nothing else. The index file holds only
//! what the list needs (latest value, change, latest change point, a 40-point trend
//! quantised to one character per point), so with 10,000 metrics it stays a few MB while
//! the series (tens of MB) are read one chunk at a time when a chart opens.
//!
//! What the rows mean, where the issue is silent:
//! - *change*: the latest run against the run before it, in percent;
//! - *latest change point*: the newest point [`change_points`] finds over the metric's
//!   whole series (the detector of `flameiq changes`, with the config's `changes:`);
//! - *regression*: that change point moved the metric in its worse direction (either way
//!   for a two-sided metric). Rows are ordered regressions first, then other change points,
//!   each newest change first, then the rest by environment and key;
//! - *baseline band*: the stored baseline (`current.json`) with the metric's threshold
//!   (percent, or the `auto` band over the last runs) on its breaching side(s).
//!
//! Escaping: every string reaches the page as a JSON string literal in which `<`, `>`,
//! `&`, U+2028 and U+2029 are `\u` escapes ([`push_js_str`]), so no data can end a script
//! or a string; the page puts strings into the DOM only as text. Commit links come from
//! `--commit-url` (or the CI's repository URL), must be `http(s)`, and get the commit
//! percent-encoded; the page checks the scheme again before it sets an `href`.
//!
//! Writing is all or nothing: the site is built in a temporary folder beside `--output`
//! and renamed into place; an existing folder is only replaced when it is empty or holds
//! the marker of an earlier dashboard. Output is a function of the store and the options
//! (no clock, keys in byte order), so the same store gives the same bytes.
//!
//! Length (over 500 lines): one site writer (read the sources, bands and change points, the JS index and chunks, the atomic publish); about 50 lines are tests.

use crate::compare::changes::{
    change_points, parallel_map, ChangeConfig, ChangePoint, Column, HistorySeries,
};
use crate::config::{Config, Threshold, DEFAULT_THRESHOLD_PERCENT};
use crate::error::{Error, Result};
use crate::schema::{Direction, FastHash, Metadata};
use crate::store::Store;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const INDEX_HTML: &str = include_str!("../templates/dashboard.html");
const DASHBOARD_JS: &str = include_str!("../templates/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("../templates/dashboard.css");
/// Marks a folder written by this module (so the next write may replace it).
pub const MARKER: &str = ".flameiq-dashboard";
/// Points of the index's small trend per metric.
pub const TREND_POINTS: usize = 40;
/// Target size of one series chunk file, in bytes.
const CHUNK_BYTES: usize = 512 * 1024;
/// One character per trend point: 64 levels, all safe inside a JSON string.
const LEVELS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// What to draw and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only metrics whose flat key matches one of these globs (all when empty).
    pub patterns: Vec<String>,
    /// Commit link template with `{commit}`, e.g.
    /// `https://github.com/o/r/commit/{commit}`; must be `http(s)`.
    pub commit_url: Option<String>,
}

/// One environment to read: its name and its store (any backend).
#[derive(Debug)]
pub struct Source {
    /// The environment name shown (`default` for the root store).
    pub name: String,
    /// Its store.
    pub store: Box<dyn Store>,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Environments with at least one run.
    pub environments: usize,
    /// Metric rows (environment × key).
    pub metrics: usize,
    /// Runs read, over all environments.
    pub runs: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// The environments of `store` to draw when no `--env` is given: every one it holds
/// ([`Store::environments`]: `""`, the root, first, then the others in byte order), each
/// as a [`Source`] named as the page shows it (`default` for the root). Environments
/// without runs are left out of the site by [`write()`].
pub fn discover(store: &dyn Store) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for env in store.environments()? {
        out.push(Source {
            store: store.for_env(&env)?,
            name: if env.is_empty() {
                "default".into()
            } else {
                env
            },
        });
    }
    Ok(out)
}

/// A commit link for `commit` from `template` (`{commit}` replaced by the percent-encoded
/// commit; without `{commit}`, appended). `None` unless the result is `http(s)`.
pub fn commit_link(template: &str, commit: &str) -> Option<String> {
    let mut enc = String::with_capacity(commit.len());
    for b in commit.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            enc.push(b as char);
        } else {
            let _ = write!(enc, "%{b:02X}");
        }
    }
    let url = if template.contains("{commit}") {
        template.replace("{commit}", &enc)
    } else {
        format!("{template}{enc}")
    };
    crate::render::fmt::safe_url(&url)
}

/// Checks a `--commit-url` template (exit 2 unless it is an `http(s)` URL).
pub fn check_commit_url(template: &str) -> Result<()> {
    if commit_link(template, "0").is_some() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid --commit-url '{}': it must be an http(s) URL with {{commit}}, e.g. https://github.com/OWNER/REPO/commit/{{commit}}",
            template.escape_debug()
        )))
    }
}

/// Appends `s` as a JSON string literal that is also safe anywhere in a script: `"`,
/// `\`, control characters, `<`, `>`, `&`, U+2028 and U+2029 are `\u`/`\` escapes.
pub fn push_js_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_js_str(out, s),
        None => out.push_str("null"),
    }
}

/// A finite number as short JavaScript text (`12`, `0.25`, `1e-7`); `null` otherwise.
fn push_num(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
    } else if v == v.trunc() && v.abs() < 1e15 {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{v:?}");
    }
}

/// `v` rounded to `places` decimals (for percentages: stable bytes, short text).
fn round(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

/// One metric's history in one environment, oldest first.
type Series = Column;

/// One environment read from its store.
struct EnvData {
    name: String,
    runs: Vec<Metadata>,
    keys: Vec<(String, Series)>,
    baseline: HashMap<String, f64, FastHash>,
}

fn read_env(src: &Source, patterns: &[String]) -> Result<EnvData> {
    let mut history = HistorySeries::new(patterns).with_info();
    src.store.history_into(&mut history)?;
    let (runs, keys) = history.finish();
    let baseline = match src.store.load_baseline() {
        Ok(b) => b.flat().map(|(k, v)| (k.to_string(), v)).collect(),
        Err(Error::NoBaseline { .. }) => HashMap::default(),
        Err(e) => return Err(e),
    };
    Ok(EnvData {
        name: src.name.clone(),
        runs,
        keys,
        baseline,
    })
}

/// A metric ready to write: its series plus what the index and chart show of it.
struct Row<'a> {
    env: usize,
    key: &'a str,
    series: &'a Series,
    direction: Direction,
    cps: Vec<ChangePoint>,
    /// (baseline, low, high, label)
    band: Option<(f64, f64, f64, String)>,
    /// 2 regression change point, 1 other change point, 0 none.
    flag: u8,
    /// Runs of the environment since the latest change point (for the order).
    since: u32,
    chunk: usize,
    slot: usize,
}

fn worse(direction: Direction, change: f64) -> bool {
    match direction {
        Direction::LowerIsBetter => change > 0.0,
        Direction::HigherIsBetter => change < 0.0,
        Direction::Both => change != 0.0,
    }
}

fn band(
    cfg: &Config,
    key: &str,
    direction: Direction,
    base: Option<f64>,
    values: &[f64],
) -> Option<(f64, f64, f64, String)> {
    let mut b = base?;
    let depth = crate::compare::baseline::HISTORY_DEPTH.max(cfg.baseline.rolling_window);
    let fallback = || {
        (
            crate::compare::stats::AUTO_FALLBACK_PERCENT,
            format!(
                "auto fallback {}%",
                crate::compare::stats::AUTO_FALLBACK_PERCENT
            ),
        )
    };
    let (pct, label) = match cfg
        .thresholds
        .lookup(key)
        .unwrap_or(Threshold::Percent(DEFAULT_THRESHOLD_PERCENT))
    {
        Threshold::Percent(p) => (
            p.abs(),
            format!("threshold {}%", crate::render::fmt::sig(p.abs(), 4)),
        ),
        Threshold::Auto(k) => {
            let h = &values[values.len().saturating_sub(depth)..];
            match crate::compare::stats::auto_band(k, h, cfg.statistics.auto_floor) {
                Some(p) => (p, format!("auto band {}%", crate::render::fmt::sig(p, 3))),
                None => fallback(),
            }
        }
        // As `compare` does: the band of the runs since the last change point, centred on
        // the segment's centre.
        Threshold::Calibrated => {
            let h = &values[values.len().saturating_sub(depth)..];
            let (rate, floor) = (cfg.statistics.false_alarm_rate, cfg.statistics.auto_floor);
            match crate::compare::band_since_change_point(h, &cfg.changes, rate, floor, direction).1
            {
                Some(band) => {
                    b = band.centre;
                    (
                        band.percent,
                        format!(
                            "calibrated band {}%",
                            crate::render::fmt::sig(band.percent, 3)
                        ),
                    )
                }
                None => fallback(),
            }
        }
    };
    let d = b.abs() * pct / 100.0;
    let (lo, hi) = match direction {
        Direction::LowerIsBetter => (b, b + d),
        Direction::HigherIsBetter => (b - d, b),
        Direction::Both => (b - d, b + d),
    };
    Some((b, lo, hi, label))
}

/// Reads every source and writes the site to `out` (see the module docs).
pub fn write(out: &Path, sources: &[Source], cfg: &Config, opts: &Options) -> Result<Summary> {
    if let Some(t) = &opts.commit_url {
        check_commit_url(t)?;
    }
    let mut envs = Vec::new();
    for s in sources {
        let e = read_env(s, &opts.patterns)?;
        if !e.runs.is_empty() {
            envs.push(e);
        }
    }
    if envs.is_empty() {
        let where_ = sources
            .iter()
            .map(|s| {
                s.store.local().map_or_else(
                    || s.store.describe(),
                    |f| f.history_path().display().to_string(),
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::Baseline(format!(
            "no history to show (looked at: {}); the dashboard draws stored runs: run flameiq baseline set (or flameiq ci on the default branch) first",
            if where_.is_empty() { "no store".into() } else { where_ }
        )));
    }
    let files = build(&envs, cfg, opts);
    let mut summary = Summary {
        environments: envs.len(),
        metrics: envs.iter().map(|e| e.keys.len()).sum(),
        runs: envs.iter().map(|e| e.runs.len()).sum(),
        files: files.len(),
        bytes: files.iter().map(|(_, t)| t.len() as u64).sum(),
    };
    publish(out, &files)?;
    summary.files = files.len();
    Ok(summary)
}

/// The site's files (relative path, contents), in a fixed order.
fn build(envs: &[EnvData], cfg: &Config, opts: &Options) -> Vec<(String, String)> {
    let changes: &ChangeConfig = &cfg.changes;
    let all: Vec<(usize, &str, &Series)> = envs
        .iter()
        .enumerate()
        .flat_map(|(i, e)| e.keys.iter().map(move |(k, s)| (i, k.as_str(), s)))
        .collect();
    let found: Vec<Vec<ChangePoint>> =
        parallel_map(&all, |(_, _, s)| change_points(&s.values, changes));
    let mut rows: Vec<Row> = all
        .iter()
        .zip(found)
        .map(|(&(env, key, series), cps)| {
            let e = &envs[env];
            let direction = cfg
                .directions
                .lookup(key)
                .or(series.direction)
                .unwrap_or_else(|| Direction::default_for(key));
            let (flag, since) = match cps.last() {
                Some(c) => {
                    let pos = series.runs[c.index];
                    let since = e.runs.len() as u32 - 1 - pos;
                    (
                        if worse(direction, c.forward_change()) {
                            2
                        } else {
                            1
                        },
                        since,
                    )
                }
                None => (0, u32::MAX),
            };
            Row {
                env,
                key,
                series,
                direction,
                band: band(
                    cfg,
                    key,
                    direction,
                    e.baseline.get(key).copied(),
                    &series.values,
                ),
                cps,
                flag,
                since,
                chunk: 0,
                slot: 0,
            }
        })
        .collect();

    // Chunks in key order, so that neighbours (one group) tend to share a file.
    let mut chunks: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_cur = 0usize;
    for r in rows.iter_mut() {
        if in_cur > 0 && cur.len() >= CHUNK_BYTES {
            chunks.push(std::mem::take(&mut cur));
            in_cur = 0;
        }
        if in_cur > 0 {
            cur.push(',');
        }
        series_json(&mut cur, r, &envs[r.env]);
        r.chunk = chunks.len();
        r.slot = in_cur;
        in_cur += 1;
    }
    if in_cur > 0 {
        chunks.push(cur);
    }

    rows.sort_by(|a, b| {
        b.flag
            .cmp(&a.flag)
            .then(a.since.cmp(&b.since))
            .then(a.env.cmp(&b.env))
            .then(a.key.cmp(b.key))
    });

    let mut files = vec![
        ("index.html".to_string(), INDEX_HTML.to_string()),
        ("dashboard.js".to_string(), DASHBOARD_JS.to_string()),
        ("dashboard.css".to_string(), DASHBOARD_CSS.to_string()),
        (
            MARKER.to_string(),
            "written by flameiq dashboard\n".to_string(),
        ),
        (
            "data/index.js".to_string(),
            index_js(envs, &rows, chunks.len()),
        ),
    ];
    for (i, e) in envs.iter().enumerate() {
        files.push((format!("data/runs-{i}.js"), runs_js(i, e, opts)));
    }
    for (i, body) in chunks.into_iter().enumerate() {
        files.push((
            format!("data/s{i}.js"),
            format!("flameiqChunk({i},[{body}]);\n"),
        ));
    }
    files
}

fn dir_code(d: Direction) -> &'static str {
    match d {
        Direction::LowerIsBetter => "\"l\"",
        Direction::HigherIsBetter => "\"h\"",
        Direction::Both => "\"b\"",
    }
}

fn trend(values: &[f64]) -> String {
    let v = &values[values.len().saturating_sub(TREND_POINTS)..];
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    v.iter()
        .map(|&x| {
            let q = if hi > lo {
                ((x - lo) / (hi - lo) * 63.0).round() as usize
            } else {
                32
            };
            LEVELS[q.min(63)] as char
        })
        .collect()
}

/// `data/index.js`: `{"envs":[[name, runs, first, last]...], "chunks": N, "metrics": [[key,
/// env, unit, dir, latest, change%, trend, cp, flag, chunk, slot, points]...]}` with `cp`
/// `[runs since, change%, commit, timestamp]` or null.
fn index_js(envs: &[EnvData], rows: &[Row], chunks: usize) -> String {
    let mut o = String::with_capacity(rows.len() * 160 + 256);
    o.push_str("flameiqIndex({\"envs\":[");
    for (i, e) in envs.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push('[');
        push_js_str(
            &mut o,
            if e.name.is_empty() {
                "default"
            } else {
                &e.name
            },
        );
        let _ = write!(o, ",{},", e.runs.len());
        push_js_str(&mut o, &e.runs[0].timestamp);
        o.push(',');
        push_js_str(&mut o, &e.runs[e.runs.len() - 1].timestamp);
        o.push(']');
    }
    let _ = write!(o, "],\"chunks\":{chunks},\"metrics\":[");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            o.push_str(",\n");
        }
        let v = &r.series.values;
        o.push('[');
        push_js_str(&mut o, r.key);
        let _ = write!(o, ",{},", r.env);
        push_opt_str(
            &mut o,
            crate::units::Unit::for_key(r.key, r.series.unit.as_deref()).as_deref(),
        );
        o.push(',');
        o.push_str(dir_code(r.direction));
        o.push(',');
        push_num(&mut o, v[v.len() - 1]);
        o.push(',');
        match v.len() {
            n if n >= 2 && v[n - 2] != 0.0 => {
                push_num(&mut o, round((v[n - 1] / v[n - 2] - 1.0) * 100.0, 2))
            }
            _ => o.push_str("null"),
        }
        o.push(',');
        push_js_str(&mut o, &trend(v));
        o.push(',');
        match r.cps.last() {
            Some(c) => {
                let meta = &envs[r.env].runs[r.series.runs[c.index] as usize];
                let _ = write!(o, "[{},", r.since);
                push_num(&mut o, round(c.forward_change() * 100.0, 2));
                o.push(',');
                push_opt_str(&mut o, meta.commit.as_deref());
                o.push(',');
                push_js_str(&mut o, &meta.timestamp);
                o.push(']');
            }
            None => o.push_str("null"),
        }
        let _ = write!(o, ",{},{},{},{}]", r.flag, r.chunk, r.slot, v.len());
    }
    o.push_str("]});\n");
    o
}

/// `data/runs-<E>.js`: `[[commit, timestamp, branch, url], ...]`, oldest first.
fn runs_js(i: usize, e: &EnvData, opts: &Options) -> String {
    let mut o = String::with_capacity(e.runs.len() * 120 + 32);
    let _ = write!(o, "flameiqRuns({i},[");
    for (n, m) in e.runs.iter().enumerate() {
        if n > 0 {
            o.push_str(",\n");
        }
        o.push('[');
        push_opt_str(&mut o, m.commit.as_deref());
        o.push(',');
        push_js_str(&mut o, &m.timestamp);
        o.push(',');
        push_opt_str(&mut o, m.branch.as_deref());
        o.push(',');
        let url = match (&opts.commit_url, &m.commit) {
            (Some(t), Some(c)) => commit_link(t, c),
            _ => None,
        };
        push_opt_str(&mut o, url.as_deref());
        o.push(']');
    }
    o.push_str("]);\n");
    o
}

/// One metric of a chunk: `[env, key, runs, values, samples, cps, band]`: `runs` is the
/// first run's position when the series has no gap, else every position; `samples`
/// `[[i, [..]]...]` or null; `cps` `[[i, change%, p, before, after]...]`; `band`
/// `[baseline, low, high, label]` or null.
fn series_json(o: &mut String, r: &Row, e: &EnvData) {
    let s = r.series;
    let _ = write!(o, "[{},", r.env);
    push_js_str(o, r.key);
    o.push(',');
    let first = s.runs[0];
    let contiguous = s.runs.last().copied() == Some(first + s.runs.len() as u32 - 1);
    if contiguous {
        let _ = write!(o, "{first}");
    } else {
        o.push('[');
        for (i, p) in s.runs.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(o, "{p}");
        }
        o.push(']');
    }
    o.push_str(",[");
    for (i, &v) in s.values.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        push_num(o, v);
    }
    o.push_str("],");
    if s.samples.is_empty() {
        o.push_str("null");
    } else {
        o.push('[');
        for (n, (at, xs)) in s.samples.iter().enumerate() {
            if n > 0 {
                o.push(',');
            }
            let _ = write!(o, "[{at},[");
            for (i, &x) in xs.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                push_num(o, x);
            }
            o.push_str("]]");
        }
        o.push(']');
    }
    o.push_str(",[");
    for (n, c) in r.cps.iter().enumerate() {
        if n > 0 {
            o.push(',');
        }
        let _ = write!(o, "[{},", c.index);
        push_num(o, round(c.forward_change() * 100.0, 2));
        o.push(',');
        push_num(o, c.p_value);
        o.push(',');
        push_num(o, c.before);
        o.push(',');
        push_num(o, c.after);
        o.push(']');
    }
    o.push_str("],");
    match &r.band {
        Some((b, lo, hi, label)) => {
            o.push('[');
            push_num(o, *b);
            o.push(',');
            push_num(o, *lo);
            o.push(',');
            push_num(o, *hi);
            o.push(',');
            push_js_str(o, label);
            o.push(']');
        }
        None => o.push_str("null"),
    }
    o.push(']');
    let _ = e;
}

/// Writes `files` into a fresh folder beside `out` and renames it into place (see the
/// module docs for when an existing `out` may be replaced).
fn publish(out: &Path, files: &[(String, String)]) -> Result<()> {
    let output_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e| Error::Output { path, source: e }
    };
    if out.exists() {
        let replaceable = out.join(MARKER).is_file()
            || std::fs::read_dir(out)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !replaceable {
            return Err(Error::Usage(format!(
                "refusing to replace '{}': it is not empty and was not written by flameiq dashboard; choose another --output or empty it",
                out.display()
            )));
        }
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dashboard".into());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(output_err(&parent))?;
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let old = parent.join(format!(".{name}.{}.old", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| -> Result<()> {
        std::fs::create_dir_all(tmp.join("data")).map_err(output_err(&tmp))?;
        for (rel, text) in files {
            let p = tmp.join(rel);
            std::fs::write(&p, text).map_err(output_err(&p))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            Error::Output {
                path: out.into(),
                source: e,
            }
        })?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        // Put the old site back: a failed write loses nothing.
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::Output {
            path: out.into(),
            source: e,
        });
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue17_js_strings_cannot_end_a_script_or_a_line() {
        let mut o = String::new();
        push_js_str(&mut o, "</script><b>\"q\" 'a' & \u{2028}\u{2029}\\\n\u{1}");
        assert_eq!(
            o,
            r#""\u003c/script\u003e\u003cb\u003e\"q\" 'a' \u0026 \u2028\u2029\\\n\u0001""#
        );
        // Still the same string to a JSON reader.
        let back: String = serde_json::from_str(&o).unwrap();
        assert_eq!(back, "</script><b>\"q\" 'a' & \u{2028}\u{2029}\\\n\u{1}");
    }

    #[test]
    fn issue17_commit_links_are_http_and_encoded() {
        assert_eq!(
            commit_link("https://github.com/o/r/commit/{commit}", "abc123").as_deref(),
            Some("https://github.com/o/r/commit/abc123")
        );
        assert_eq!(
            commit_link("https://x/c/{commit}", "\"><script>x").as_deref(),
            Some("https://x/c/%22%3E%3Cscript%3Ex")
        );
        assert_eq!(commit_link("javascript:alert(1)//{commit}", "a"), None);
        assert_eq!(commit_link(" JavaScript:alert(1)", "a"), None);
        assert!(check_commit_url("data:text/html,{commit}").is_err());
        assert!(check_commit_url("https://gitlab.com/g/p/-/commit/{commit}").is_ok());
    }

    #[test]
    fn numbers_are_short_and_finite() {
        let mut o = String::new();
        for v in [12.0, 0.25, 1e-7, -3.5, f64::NAN] {
            push_num(&mut o, v);
            o.push(' ');
        }
        assert_eq!(o, "12 0.25 1e-7 -3.5 null ");
    }

    #[test]
    fn trend_uses_the_whole_range() {
        let t = trend(&[1.0, 2.0, 3.0]);
        assert_eq!(t, "0W_");
        assert_eq!(trend(&[5.0, 5.0]), "WW");
    }
}
