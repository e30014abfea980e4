//! Every size limit FlameIQ's text outputs must stay under, in one table, and the one
//! truncator that cuts a text to one of them.
//!
//! | output | limit | const |
//! |---|---|---|
//! | GitHub job summary (`$GITHUB_STEP_SUMMARY`) | under 1 MiB (bytes) | [`SUMMARY_LIMIT`] |
//! | GitHub issue/PR comment | under 65,536 characters | [`COMMENT_LIMIT`] |
//! | GitLab MR note | under 1,000,000 characters | [`GITLAB_NOTE_LIMIT`] |
//!
//! The Markdown renderer fits these by leaving out table rows
//! ([`super::markdown::render_limited`]); [`truncate`] is the backstop for what is added
//! after rendering (a marker line, text appended by the caller) and for absurd inputs where
//! even the header does not fit. It cuts at a line end, keeps the comment's marker on a line
//! of its own, and ends with a note saying what was cut.

/// A size the output must stay strictly below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// UTF-8 bytes.
    Bytes(usize),
    /// Characters (GitHub, GitLab). Counted as UTF-16 code units, never fewer than Unicode
    /// scalar values, so the output fits however the host counts (an emoji is 2).
    Chars(usize),
}

/// GitHub's job summary: under 1 MiB.
pub const SUMMARY_LIMIT: Limit = Limit::Bytes(1_048_576);
/// A GitHub issue/PR comment body: under 65,536 characters.
pub const COMMENT_LIMIT: Limit = Limit::Chars(65_536);
/// A GitLab note: under 1,000,000 characters.
pub const GITLAB_NOTE_LIMIT: Limit = Limit::Chars(1_000_000);

impl Limit {
    /// Whether `s` stays strictly under the limit.
    pub fn fits(self, s: &str) -> bool {
        self.size(s) < self.max()
    }

    /// The bound itself (the output stays strictly below it).
    pub fn max(self) -> usize {
        match self {
            Limit::Bytes(n) | Limit::Chars(n) => n,
        }
    }

    /// The same kind of limit, `n` smaller (room for text appended later).
    pub fn less(self, n: usize) -> Limit {
        match self {
            Limit::Bytes(m) => Limit::Bytes(m.saturating_sub(n)),
            Limit::Chars(m) => Limit::Chars(m.saturating_sub(n)),
        }
    }

    /// The size of `s` as this limit counts it.
    pub fn size(self, s: &str) -> usize {
        match self {
            Limit::Bytes(_) => s.len(),
            Limit::Chars(_) => s.encode_utf16().count(),
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Limit::Bytes(_) => c.len_utf8(),
            Limit::Chars(_) => c.len_utf16(),
        }
    }

    /// `1,048,576-byte`, `65,536-character`: for notes saying what was cut.
    pub fn describe(self) -> String {
        match self {
            Limit::Bytes(n) => format!("{}-byte", thousands(n)),
            Limit::Chars(n) => format!("{}-character", thousands(n)),
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` when it fits `limit`; else its longest head that fits with `note`, cut at a line
/// end (when one is in the second half of the head), followed by `note` on a line of its
/// own. With `marker`, the result carries it on a line of its own (put first when the cut
/// removed it).
pub fn truncate(text: &str, limit: Limit, note: &str, marker: Option<&str>) -> String {
    if limit.fits(text) {
        return text.to_string();
    }
    // The note's line, the line ends around it and the marker's line, strictly under.
    let overhead = limit.size(note) + 2 + marker.map_or(0, |m| limit.size(m) + 1) + 1;
    let budget = limit.max().saturating_sub(overhead + 1);
    let mut end = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += limit.width(c);
        if used > budget {
            break;
        }
        end = i + c.len_utf8();
    }
    let head = &text[..end];
    let head = match head.rfind('\n') {
        Some(i) if i >= end / 2 => &head[..=i],
        _ => head,
    };
    let mut out = String::with_capacity(head.len() + overhead);
    if let Some(m) = marker.filter(|m| !super::markdown::has_marker_line(head, m)) {
        out.push_str(m);
        out.push('\n');
    }
    out.push_str(head);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(note);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_a_line_keeps_the_marker_and_says_so() {
        let text = "line\n".repeat(1000);
        let t = truncate(&text, Limit::Bytes(101), "NOTE", None);
        assert!(t.len() <= 100, "{}", t.len());
        assert!(t.ends_with("NOTE\n"));
        assert!(t
            .lines()
            .all(|l| l == "line" || l == "NOTE" || l.is_empty()));
        assert_eq!(truncate("short", Limit::Bytes(101), "NOTE", None), "short");
        let m = "<!-- m -->";
        let t = truncate(
            &format!("{}{m}\n", "é\n".repeat(500)),
            Limit::Chars(100),
            "N",
            Some(m),
        );
        assert!(Limit::Chars(100).fits(&t) && t.starts_with(m), "{t}");
        let emoji = "🙂".repeat(100);
        assert!(Limit::Chars(50).fits(&truncate(&emoji, Limit::Chars(50), "N", None)));
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
