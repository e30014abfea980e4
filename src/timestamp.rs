//! Timestamps as flameiq-core writes and reads them: Python's
//! `datetime.fromisoformat(ts.replace("Z", "+00:00")).isoformat()`, without a date-time
//! dependency.
//!
//! Run metadata carries an ISO 8601 timestamp; flameiq-core normalises what it reads with
//! `fromisoformat(...).isoformat()` and writes `datetime.now(tz=timezone.utc).isoformat()`.
//! [`normalize_timestamp`] gives the same text for the same input (so a store stays
//! byte-compatible), [`timestamp_to_unix`] the instant (for ordering history), and
//! [`now_isoformat`] / [`format_unix`] the writing side.

/// The current UTC time as Python's `datetime.now(tz=timezone.utc).isoformat()`.
pub fn now_isoformat() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_unix(d.as_secs() as i64, d.subsec_micros())
}

/// Formats Unix seconds + microseconds as `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub fn format_unix(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    );
    if micros != 0 {
        s.push_str(&format!(".{micros:06}"));
    }
    s.push_str("+00:00");
    s
}

// Howard Hinnant's days-from-civil inverse: exact for the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since the Unix epoch of a normalised timestamp (for sorting and charts);
/// `None` when it does not parse.
pub fn timestamp_to_unix(ts: &str) -> Option<f64> {
    let p = parse_iso(ts)?;
    let days = days_from_civil(p.year, p.month, p.day);
    let secs = days * 86_400 + (p.hour * 3600 + p.minute * 60 + p.second) as i64
        - p.offset_secs.unwrap_or(0) as i64;
    Some(secs as f64 + p.micros as f64 / 1e6)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp as i64 + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct IsoParts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
    offset_secs: Option<i32>,
}

fn parse_iso(ts: &str) -> Option<IsoParts> {
    let b = ts.trim().as_bytes();
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(&b[0..4])? as i64;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut p = IsoParts {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
        offset_secs: None,
    };
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(p);
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    rest = &rest[1..];
    if rest.len() < 2 {
        return None;
    }
    p.hour = num(&rest[0..2])?;
    rest = &rest[2..];
    if rest.first() == Some(&b':') {
        p.minute = num(rest.get(1..3)?)?;
        rest = &rest[3..];
        if rest.first() == Some(&b':') {
            p.second = num(rest.get(1..3)?)?;
            rest = &rest[3..];
            if matches!(rest.first(), Some(b'.') | Some(b',')) {
                let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 {
                    return None;
                }
                let frac = &rest[1..1 + digits];
                let mut us: u32 = 0;
                for i in 0..6 {
                    us = us * 10 + frac.get(i).map_or(0, |c| (c - b'0') as u32);
                }
                p.micros = us;
                rest = &rest[1 + digits..];
            }
        }
    }
    if p.hour > 23 || p.minute > 59 || p.second > 59 {
        return None;
    }
    match rest.first() {
        None => {}
        Some(b'Z') if rest.len() == 1 => p.offset_secs = Some(0),
        Some(sign @ (b'+' | b'-')) => {
            let body: Vec<u8> = rest[1..].iter().copied().filter(|c| *c != b':').collect();
            if body.len() != 4 && body.len() != 6 {
                return None;
            }
            let h = num(&body[0..2])? as i32;
            let m = num(&body[2..4])? as i32;
            let s = if body.len() == 6 {
                num(&body[4..6])? as i32
            } else {
                0
            };
            if h > 23 || m > 59 || s > 59 {
                return None;
            }
            let total = h * 3600 + m * 60 + s;
            p.offset_secs = Some(if *sign == b'-' { -total } else { total });
        }
        _ => return None,
    }
    Some(p)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Normalises an ISO-8601 timestamp to Python's `isoformat()` form; `None` if it does not
/// parse (flameiq-core then uses the current time).
pub fn normalize_timestamp(ts: &str) -> Option<String> {
    let p = parse_iso(ts)?;
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    );
    if p.micros != 0 {
        s.push_str(&format!(".{:06}", p.micros));
    }
    if let Some(off) = p.offset_secs {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        s.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60));
        if a % 60 != 0 {
            s.push_str(&format!(":{:02}", a % 60));
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_normalise_like_python_isoformat() {
        // Right-hand sides are Python 3.11's datetime.fromisoformat(x).isoformat().
        assert_eq!(
            normalize_timestamp("2024-01-15T10:30:00.123+02:00").unwrap(),
            "2024-01-15T10:30:00.123000+02:00"
        );
        assert_eq!(
            normalize_timestamp("2024-01-15").unwrap(),
            "2024-01-15T00:00:00"
        );
        assert_eq!(
            normalize_timestamp("2024-01-15 10:30").unwrap(),
            "2024-01-15T10:30:00"
        );
        assert!(normalize_timestamp("yesterday").is_none());
        assert!(normalize_timestamp("2024-02-30T00:00:00").is_none());
        assert_eq!(format_unix(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            format_unix(1_709_210_096, 5),
            "2024-02-29T12:34:56.000005+00:00"
        );
        assert_eq!(
            timestamp_to_unix("2024-02-29T14:34:56+02:00"),
            Some(1_709_210_096.0)
        );
    }
}
