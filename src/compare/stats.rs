//! Statistics for the gate: the Mann-Whitney U test (as SciPy computes it), Cohen's d (as
//! flameiq-core computes it), the attainable-p guard, and history-aware `auto` noise bands.
//!
//! # Mann-Whitney U
//!
//! [`mann_whitney_u`] reproduces `scipy.stats.mannwhitneyu(x, y, alternative=...,
//! method="auto")` (SciPy 1.17) with `x` the current samples and `y` the baseline samples:
//!
//! - `U1 = R1 - n1(n1+1)/2` from average ranks of the pooled sample.
//! - Method choice (`_mwu_choose_method`): **exact** when at least one sample has at most 8
//!   values and there are no ties in the pooled sample; otherwise the **normal**
//!   approximation with tie correction and continuity correction.
//! - Exact: `p = P(U >= u)` under the null, from the exact distribution of U (counted as
//!   the coefficients of the Gaussian binomial `[n1+n2 choose n1]_q`, in 128-bit integers
//!   while they fit, else in `f64`), `u = U1` for `greater`, `U2 = n1 n2 - U1` for `less`,
//!   `max(U1, U2)` doubled for `two-sided`.
//! - Normal: `z = (u - n1 n2 / 2 - 0.5) / sqrt(n1 n2 / 12 * ((n + 1) - Σ(t³ - t) / (n (n - 1))))`
//!   and `p = Φ(-z)` (doubled for two-sided), with Φ the Cephes `ndtr` SciPy uses.
//! - `p` is clipped to `[0, 1]`.
//!
//! The tail tested is the one that is worse for the metric ([`alternative_for`]):
//! lower-is-better metrics (latency) test "current greater", higher-is-better metrics
//! (throughput) test "current less", and two-sided metrics test both. flameiq-core always
//! tests "greater", so a throughput drop can never be significant there.
//!
//! # Where samples come from
//!
//! See [`samples_for`]: raw `metric_info.samples` on both sides when both have them (the
//! first `noise.warmup_runs` of each dropped); otherwise the key's recent history values
//! (oldest first, at most [`crate::compare::baseline::HISTORY_DEPTH`] or `rolling_window`
//! of them) form the baseline distribution and the current run's single value is tested
//! against it. One value against a history is still a valid Mann-Whitney test (it asks
//! whether the value ranks unusually high among the history); its attainable-p guard is
//! `1 / (h + 1)` one-sided for `h` history values, so it needs at least 20 history values
//! to reach p < 0.05 one-sided and 40 two-sided. With neither samples nor history no test
//! runs and the threshold alone decides (`test`, `p_value` and `effect_size` stay null).
//!
//! # The attainable-p guard
//!
//! [`min_attainable_p`] is the p-value of the most extreme outcome possible for the two
//! sample sizes (every current value worse than every baseline value, no ties), computed
//! by the method `auto` would use for tie-free data. When it is not below alpha the test
//! cannot ever be significant, so the diff is `INSUFFICIENT_DATA` rather than a silent
//! `PASS`: 3 vs 3 one-sided gives exactly `1/20 = 0.05`, which is not `< 0.05`. Alpha is
//! `round(1 - confidence, 10)`, flameiq-core's `StatisticalResult.alpha` (so 0.95 gives
//! exactly 0.05, not `0.050000000000000044`).
//!
//! # `auto` noise bands
//!
//! Plain `auto` is [`calibrated_band`] (a prediction interval calibrated for heavy tails at
//! `statistics.false_alarm_rate`; its docs and `docs/statistics.md` give the method).
//! `auto(k)` is [`auto_band`]: for a key with at least [`AUTO_MIN_HISTORY`] history values, the allowed
//! change is `max(floor, k · IQR / |median| · 100)` percent (`floor` is
//! `statistics.auto_floor`, default [`AUTO_FLOOR_PERCENT`]), where IQR and the
//! median are taken over the history values (IQR with linear interpolation between order
//! statistics, NumPy's default `percentile`). For normal noise IQR ≈ 1.349 σ, so the
//! default `k = 3` allows about 4 σ of a single run's noise: wide for a noisy metric, tight
//! for a stable one, and insensitive to one wild outlier in the history. With fewer values
//! the 10 % default applies and the diff's `threshold_kind` is `auto-fallback`.
//!
//! Length (over 500 lines): about 310 of them are the unit tests beside the statistics.

use crate::config::DEFAULT_THRESHOLD_PERCENT;
use crate::schema::{Direction, Snapshot};

/// Default smallest `auto` band, in percent (`statistics.auto_floor`): below this, run-to-run
/// jitter of a very stable metric (timer resolution, rounding) would trip the gate.
pub const AUTO_FLOOR_PERCENT: f64 = 1.0;
/// History values an `auto` band needs; with fewer the IQR says little about the noise.
pub const AUTO_MIN_HISTORY: usize = 5;

/// Which tail of the Mann-Whitney test to use, with `x` = current, `y` = baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// Current stochastically greater than baseline.
    Greater,
    /// Current stochastically less than baseline.
    Less,
    /// Either.
    TwoSided,
}

/// The tail that is worse for a metric of this direction.
pub fn alternative_for(direction: Direction) -> Alternative {
    match direction {
        Direction::LowerIsBetter => Alternative::Greater,
        Direction::HigherIsBetter => Alternative::Less,
        Direction::Both => Alternative::TwoSided,
    }
}

/// How the p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact null distribution of U.
    Exact,
    /// Normal approximation with tie and continuity correction.
    Normal,
}

impl Method {
    /// The name written to the diff's `test`.
    pub fn test_name(self) -> &'static str {
        match self {
            Method::Exact => "mann-whitney-u exact",
            Method::Normal => "mann-whitney-u normal",
        }
    }
}

/// A Mann-Whitney U result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MwuResult {
    /// `U1`, the statistic of the current sample (SciPy's `statistic`).
    pub u1: f64,
    /// The p-value (unrounded).
    pub p_value: f64,
    /// The method `auto` chose.
    pub method: Method,
}

/// `scipy.stats.mannwhitneyu(x, y, alternative=alt, method="auto")`. `x` and `y` must be
/// non-empty and free of NaN (callers guarantee it; metric values are finite).
pub fn mann_whitney_u(x: &[f64], y: &[f64], alt: Alternative) -> MwuResult {
    let (n1, n2) = (x.len(), y.len());
    let (ranks, ties) = rank_average(x, y);
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let u2 = (n1 * n2) as f64 - u1;
    let (u, f) = match alt {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let has_ties = ties.iter().any(|&t| t > 1);
    let method = if (n1 > 8 && n2 > 8) || has_ties {
        Method::Normal
    } else {
        Method::Exact
    };
    let p = match method {
        // Without ties U is a whole number.
        Method::Exact => exact_sf(n1, n2, u as u64),
        Method::Normal => normal_sf(u, n1, n2, &ties),
    };
    MwuResult {
        u1,
        p_value: (p * f).clamp(0.0, 1.0),
        method,
    }
}

/// Average ranks (1-based) of `x` then `y` in the pooled sample, and the size of every
/// group of equal values (SciPy's `_rankdata(..., 'average', return_ties=True)`).
fn rank_average(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| all[a].total_cmp(&all[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; all.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && all[order[j]] == all[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = avg;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}

/// SciPy's `_get_mwu_z` with continuity correction, then `ndtr(-z)`.
fn normal_sf(u: f64, n1: usize, n2: usize, ties: &[usize]) -> f64 {
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let mu = n1f * n2f / 2.0;
    let n = n1f + n2f;
    let tie_term: f64 = ties
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let s = ((n1 * n2) as f64 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let z = (u - mu - 0.5) / s;
    if z.is_nan() {
        // Every value equal (s = 0 and u = mu): no evidence either way. SciPy gets
        // -0.5/0 = -inf here and so p = 1; a rounding residue must not turn it into NaN.
        return 1.0;
    }
    ndtr(-z)
}

/// `P(U >= u)` under the null for sample sizes `n1`, `n2` (no ties).
fn exact_sf(n1: usize, n2: usize, u: u64) -> f64 {
    let (m, n) = (n1.min(n2), n1.max(n2));
    let max_u = (m * n) as u64;
    if u == 0 {
        return 1.0;
    }
    if u > max_u {
        return 0.0;
    }
    let u = u as usize;
    // binom(m+n, m) decides whether the integer counts fit in i128 with room to spare.
    let total_f = binom_f64(m + n, m);
    if total_f < 1e36 {
        let c = gaussian_binomial_i128(m, n);
        let total: i128 = c.iter().sum();
        let tail: i128 = c[u..].iter().sum();
        tail as f64 / total as f64
    } else {
        let c = gaussian_binomial_f64(m, n);
        let total: f64 = c.iter().sum();
        let tail: f64 = c[u..].iter().sum();
        (tail / total).clamp(0.0, 1.0)
    }
}

fn binom_f64(n: usize, k: usize) -> f64 {
    (1..=k).fold(1.0, |acc, i| acc * (n - k + i) as f64 / i as f64)
}

/// Coefficients of `[m+n choose m]_q = Π_{i=1..m} (1 - q^{n+i}) / (1 - q^i)`: entry `u` is
/// the number of arrangements with `U = u`. After each step the polynomial is
/// `[n+i choose i]_q`, so every intermediate is a (small) integer polynomial.
fn gaussian_binomial_i128(m: usize, n: usize) -> Vec<i128> {
    let mut c = vec![0i128; m * n + 1];
    c[0] = 1;
    for i in 1..=m {
        let shift = n + i;
        let deg = i * n;
        // Multiply by (1 - q^shift), high to low so each term uses the old value.
        for k in (shift..=deg.min(c.len() - 1)).rev() {
            c[k] -= c[k - shift];
        }
        // Divide by (1 - q^i): c[k] += c[k - i], low to high.
        for k in i..=deg {
            c[k] += c[k - i];
        }
    }
    c
}

fn gaussian_binomial_f64(m: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0f64; m * n + 1];
    c[0] = 1.0;
    for i in 1..=m {
        let shift = n + i;
        let deg = i * n;
        for k in (shift..=deg.min(c.len() - 1)).rev() {
            c[k] -= c[k - shift];
        }
        for k in i..=deg {
            c[k] += c[k - i];
        }
    }
    c
}

/// The smallest p-value the test can give for these sample sizes in this tail: the p of
/// the most extreme tie-free outcome, by the method `auto` would choose for it.
pub fn min_attainable_p(n_current: usize, n_baseline: usize, alt: Alternative) -> f64 {
    if n_current == 0 || n_baseline == 0 {
        return 1.0;
    }
    let (n1, n2) = (n_current, n_baseline);
    let extreme = (n1 * n2) as f64;
    let f = if alt == Alternative::TwoSided {
        2.0
    } else {
        1.0
    };
    let p = if n1 > 8 && n2 > 8 {
        let ties = vec![1; n1 + n2];
        normal_sf(extreme, n1, n2, &ties)
    } else {
        exact_sf(n1, n2, extreme as u64)
    };
    (p * f).clamp(0.0, 1.0)
}

/// Cohen's d exactly as flameiq-core's `_cohens_d(baseline, current)`: mean difference
/// (current minus baseline) over the pooled standard deviation; 0 when that is 0. With one
/// value on each side (no degrees of freedom, where flameiq-core divides by zero) it is 0.
pub fn cohens_d(baseline: &[f64], current: &[f64]) -> f64 {
    let (n1, n2) = (baseline.len(), current.len());
    if n1 == 0 || n2 == 0 || n1 + n2 <= 2 {
        return 0.0;
    }
    // Python's sum() adds left to right; so do these folds.
    let mean1 = baseline.iter().fold(0.0, |a, x| a + x) / n1 as f64;
    let mean2 = current.iter().fold(0.0, |a, x| a + x) / n2 as f64;
    let var = |g: &[f64], mean: f64| {
        if g.len() > 1 {
            g.iter().fold(0.0, |a, x| a + (x - mean) * (x - mean)) / (g.len() - 1) as f64
        } else {
            0.0
        }
    };
    let (var1, var2) = (var(baseline, mean1), var(current, mean2));
    let pooled = (((n1 - 1) as f64 * var1 + (n2 - 1) as f64 * var2) / (n1 + n2 - 2) as f64).sqrt();
    if pooled == 0.0 {
        return 0.0;
    }
    (mean2 - mean1) / pooled
}

/// `round(1 - confidence, 10)`, flameiq-core's `StatisticalResult.alpha`.
pub fn alpha(confidence: f64) -> f64 {
    super::round_places(1.0 - confidence, 10)
}

/// The two sample sets a key is tested on, and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Baseline distribution.
    pub baseline: Vec<f64>,
    /// Current distribution.
    pub current: Vec<f64>,
    /// `samples` (both from `metric_info`) or `history` (history vs the current value).
    pub source: &'static str,
}

/// Chooses the samples for `key` (see the module docs); `None` when no test can run.
pub fn samples_for(
    key: &str,
    baseline: &Snapshot,
    history: Option<&[f64]>,
    current: &Snapshot,
    current_value: f64,
    warmup: usize,
) -> Option<Samples> {
    let raw = |s: &Snapshot| -> Option<Vec<f64>> {
        let v = &s.metrics.info(key)?.samples;
        let kept: Vec<f64> = v.iter().skip(warmup).copied().collect();
        (!kept.is_empty()).then_some(kept)
    };
    if let (Some(b), Some(c)) = (raw(baseline), raw(current)) {
        return Some(Samples {
            baseline: b,
            current: c,
            source: "samples",
        });
    }
    let h = history.filter(|h| !h.is_empty())?;
    Some(Samples {
        baseline: h.to_vec(),
        current: vec![current_value],
        source: "history",
    })
}

/// The median of the finite values; lives in [`crate::quantile`] (providers and baselines
/// use it too) and is re-exported here for the statistics' callers.
pub use crate::quantile::median;

/// The `auto(k)` band for a key, in percent (at least `floor`, `statistics.auto_floor`), or
/// `None` when the history is too short.
pub fn auto_band(k: f64, history: &[f64], floor: f64) -> Option<f64> {
    if history.len() < AUTO_MIN_HISTORY {
        return None;
    }
    let mut s = history.to_vec();
    s.sort_by(f64::total_cmp);
    let median = percentile(&s, 50.0);
    if median == 0.0 || !median.is_finite() {
        return None;
    }
    let iqr = percentile(&s, 75.0) - percentile(&s, 25.0);
    Some((k * iqr / median.abs() * 100.0).max(floor))
}

use crate::quantile::percentile;

/// A calibrated `auto` band ([`calibrated_band`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibratedBand {
    /// The segment's centre (its median): the baseline value of the metric.
    pub centre: f64,
    /// The allowed change from the centre, in percent (at least the floor asked for,
    /// `statistics.auto_floor`, default [`AUTO_FLOOR_PERCENT`]).
    pub percent: f64,
    /// How many runs the band was calibrated on.
    pub runs: usize,
}

/// The tails the band is built for: run-to-run noise on real runners is heavy-tailed
/// (measured: excursions of 4-10 robust sigmas in 180 unchanged jobs), so the band is
/// calibrated for the next run drawn from Student's t with this many degrees of freedom,
/// the heaviest tails that still have a finite variance.
pub use super::band_table::TAIL_DF;

/// The calibrated `auto` band of a segment of per-run locations (oldest first, all since
/// the metric's last change point): a prediction interval for the next run's location,
/// so that an unchanged metric leaves it with probability about `rate` on its worse side,
/// for noise with tails up to Student's t₃ (see `docs/statistics.md`, "Calibrated
/// `auto`").
///
/// With all values positive it works on their logarithms (timing noise is multiplicative
/// and right-skewed; in logs a relative band is symmetric); otherwise on the values.
/// Centre `m` = median; scale `s` = the standard deviation of the segment without its one
/// run farthest from `m` (so a single hiccup cannot open the gate, while a noisy stretch,
/// which predicts a noisy next run, widens it); half-width = `multiplier(n, rate) · s`, the
/// multiplier simulated for exactly this estimator on t₃ noise ([`band_multiplier`]). For
/// `both`, `rate` is split over the two sides. The band is at least `floor` percent
/// (`statistics.auto_floor`): what the noise model cannot see, such as whole processes
/// slowed now and then by a busy neighbour, a user can rule out by a floor. `None` for fewer
/// than [`AUTO_MIN_HISTORY`] values or a zero centre.
pub fn calibrated_band(
    segment: &[f64],
    rate: f64,
    floor: f64,
    direction: Direction,
) -> Option<CalibratedBand> {
    let n = segment.len();
    if n < AUTO_MIN_HISTORY || segment.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let logs = segment.iter().all(|v| *v > 0.0);
    let x: Vec<f64> = if logs {
        segment.iter().map(|v| v.ln()).collect()
    } else {
        segment.to_vec()
    };
    let centre_x = median(&x)?;
    let tail = if direction == Direction::Both {
        rate / 2.0
    } else {
        rate
    };
    let half = band_multiplier(n, tail) * trimmed_sd(&x, centre_x);
    // The centre reported is the median of the values themselves (for an odd count the
    // same run as the median of the logs).
    let centre = median(segment)?;
    let percent = if logs {
        // The worse side's relative distance: up for lower-is-better (and, being the
        // wider, for both), down for higher-is-better.
        let p = match direction {
            Direction::HigherIsBetter => 1.0 - (-half).exp(),
            _ => half.exp() - 1.0,
        };
        p * 100.0
    } else {
        if centre_x == 0.0 {
            return None;
        }
        half / centre_x.abs() * 100.0
    };
    Some(CalibratedBand {
        centre,
        percent: percent.max(floor),
        runs: n,
    })
}

/// The sample standard deviation (`n − 1` in the denominator) of `x` without its value
/// farthest from `centre` (the first such on a tie), the band's scale. `x` has at least
/// three values.
fn trimmed_sd(x: &[f64], centre: f64) -> f64 {
    let far = x
        .iter()
        .enumerate()
        .fold((0, -1.0f64), |best, (i, v)| {
            let d = (v - centre).abs();
            if d > best.1 {
                (i, d)
            } else {
                best
            }
        })
        .0;
    let kept = x
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != far)
        .map(|(_, v)| *v);
    let m = (x.len() - 1) as f64;
    let mean = kept.clone().sum::<f64>() / m;
    let ss: f64 = kept.map(|v| (v - mean) * (v - mean)).sum();
    (ss / (m - 1.0)).sqrt()
}

/// The band's half-width in trimmed standard deviations for `n` runs and a one-sided rate
/// `tail` ([`calibrated_band`]): the simulated table of [`super::band_table`] at its
/// points; between its segment lengths, linear in `1/n` (beyond the last, towards the
/// limit `t₃(1 − tail)/√3`, the t quantile in units of its standard deviation); between
/// its tails, linear in `ln tail`; below the smallest tail, that tail's value scaled by
/// the ratio of the t₃ quantiles. Every key of a run asks for the same few, so each is
/// computed once per thread (the same bits on every machine).
pub fn band_multiplier(n: usize, tail: f64) -> f64 {
    use super::band_table::{MULTIPLIER, RUNS, TAILS};
    thread_local! {
        static CACHE: std::cell::RefCell<Vec<((usize, u64), f64)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = (n, tail.to_bits());
    if let Some(m) = CACHE.with(|c| c.borrow().iter().find(|(k, _)| *k == key).map(|e| e.1)) {
        return m;
    }
    let n = n.max(RUNS[0]);
    // The column of one tail of the grid, at `n`.
    let at = |j: usize| -> f64 {
        if let Some(i) = RUNS.iter().position(|r| *r == n) {
            return MULTIPLIER[i][j];
        }
        let inv = 1.0 / n as f64;
        let (lo, hi) = match RUNS.iter().position(|r| *r > n) {
            Some(i) => (
                (1.0 / RUNS[i - 1] as f64, MULTIPLIER[i - 1][j]),
                (1.0 / RUNS[i] as f64, MULTIPLIER[i][j]),
            ),
            None => {
                let last = RUNS.len() - 1;
                let limit = if TAILS[j] >= 0.5 {
                    0.0
                } else {
                    t_quantile_upper(TAILS[j], TAIL_DF) / (TAIL_DF / (TAIL_DF - 2.0)).sqrt()
                };
                ((1.0 / RUNS[last] as f64, MULTIPLIER[last][j]), (0.0, limit))
            }
        };
        hi.1 + (lo.1 - hi.1) * (inv - hi.0) / (lo.0 - hi.0)
    };
    let m = if tail >= 0.5 {
        0.0
    } else if let Some(j) = TAILS.iter().position(|t| *t == tail) {
        at(j)
    } else if tail < TAILS[0] {
        at(0) * t_quantile_upper(tail, TAIL_DF) / t_quantile_upper(TAILS[0], TAIL_DF)
    } else {
        let j = TAILS
            .iter()
            .position(|t| *t > tail)
            .unwrap_or(TAILS.len() - 1);
        let w = (tail.ln() - TAILS[j - 1].ln()) / (TAILS[j].ln() - TAILS[j - 1].ln());
        at(j - 1) + (at(j) - at(j - 1)) * w
    };
    CACHE.with(|c| c.borrow_mut().push((key, m)));
    m
}

/// `t` with `P(T > t) = p` for Student's t with `df` degrees of freedom (`0 < p < 0.5`),
/// by bisection on the distribution function: 200 halvings, so the same bits everywhere.
pub fn t_quantile_upper(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0e7f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if super::changes::student_t_two_sided(mid, df) / 2.0 > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The location of one run for calibrated `auto` bands: its best raw sample, the minimum
/// for lower-is-better metrics and the maximum for higher-is-better, the median for
/// `both`. Load on a shared runner only ever adds time (or takes throughput), and it
/// often hits part of a run: its best sample moves less between jobs than its median or
/// its 10th percentile, while a real slowdown moves every sample, the best one too
/// (docs/verdict-quality.md, runs D and E). Read from the run's `metric_info` by
/// [`info_locations`] (its samples after `warmup`, else the `min` and `max` its tool
/// reported); `None` without either.
pub fn run_location(
    info: Option<&crate::schema::MetricInfo>,
    value: f64,
    warmup: usize,
    direction: Direction,
) -> Option<f64> {
    info_locations(info, value, warmup).map(|q| location_for(q, direction))
}

/// `[minimum, median, maximum]` of a run's finite samples (the median NumPy's), sorted
/// once: every direction's [`run_location`], for [`location_for`] to choose from. `None`
/// without samples.
pub fn run_locations(samples: &[f64]) -> Option<[f64; 3]> {
    let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    Some([s[0], percentile(&s, 50.0), s[s.len() - 1]])
}

/// A run's `[smallest, middle, largest]` sample for [`location_for`]: [`run_locations`] of
/// its raw samples after `warmup`, else, for a tool that reports a run's `min` and `max`
/// without its samples, `[min, value, max]` (the stored value, the tool's mean or median,
/// standing in for the median). `None` when the run has neither.
pub fn info_locations(
    info: Option<&crate::schema::MetricInfo>,
    value: f64,
    warmup: usize,
) -> Option<[f64; 3]> {
    let info = info?;
    if !info.samples.is_empty() {
        return run_locations(info.samples.get(warmup..).unwrap_or(&[]));
    }
    match (info.min, info.max) {
        (Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() => Some([lo, value, hi]),
        _ => None,
    }
}

/// Whether [`info_locations`] locates a run by its raw samples (rather than by the `min`
/// and `max` its tool reported, or not at all).
pub fn has_samples(info: Option<&crate::schema::MetricInfo>) -> bool {
    info.is_some_and(|i| !i.samples.is_empty())
}

/// The location [`run_location`] takes for `direction` out of [`run_locations`].
pub fn location_for([lo, mid, hi]: [f64; 3], direction: Direction) -> f64 {
    match direction {
        Direction::LowerIsBetter => lo,
        Direction::HigherIsBetter => hi,
        Direction::Both => mid,
    }
}

/// The 10 % default, for `auto` without enough history.
pub const AUTO_FALLBACK_PERCENT: f64 = DEFAULT_THRESHOLD_PERCENT;

// ---- Φ, as Cephes (and so SciPy's `special.ndtr`) computes it -------------------------

const SQRT1_2: f64 = std::f64::consts::FRAC_1_SQRT_2;
const MAXLOG: f64 = 7.097_827_128_933_84e2;

/// The standard normal CDF (Cephes `ndtr`).
pub fn ndtr(a: f64) -> f64 {
    if a.is_nan() {
        return f64::NAN;
    }
    let x = a * SQRT1_2;
    let z = x.abs();
    if z < SQRT1_2 {
        0.5 + 0.5 * erf(x)
    } else {
        let y = 0.5 * erfc(z);
        if x > 0.0 {
            1.0 - y
        } else {
            y
        }
    }
}

const P: [f64; 9] = [
    2.461_969_814_735_305e-10,
    5.641_895_648_310_688e-1,
    7.463_210_564_422_699,
    4.863_719_709_856_814e1,
    1.965_208_329_560_771e2,
    5.264_451_949_954_773e2,
    9.345_285_271_719_576e2,
    1.027_551_886_895_157e3,
    5.575_353_353_693_993e2,
];
const Q: [f64; 8] = [
    1.322_819_511_547_45e1,
    8.670_721_408_859_897e1,
    3.549_377_788_878_199e2,
    9.757_085_017_432_055e2,
    1.823_909_166_879_097e3,
    2.246_337_608_187_11e3,
    1.656_663_091_941_613_5e3,
    5.575_353_408_177_277e2,
];
const R: [f64; 6] = [
    5.641_895_835_477_551e-1,
    1.275_366_707_599_781,
    5.019_050_422_511_805,
    6.160_210_979_930_536,
    7.409_742_699_504_489,
    2.978_866_653_721_002_4,
];
const S: [f64; 6] = [
    2.260_528_632_201_172_7,
    9.396_035_249_380_015,
    1.204_895_398_080_966_6e1,
    1.708_144_507_475_659e1,
    9.608_968_090_632_859,
    3.369_076_451_000_815,
];
const T: [f64; 5] = [
    9.604_973_739_870_516,
    9.002_601_972_038_427e1,
    2.232_005_345_946_843e3,
    7.003_325_141_128_051e3,
    5.559_230_130_103_95e4,
];
const U: [f64; 5] = [
    3.356_171_416_475_031e1,
    5.213_579_497_801_527e2,
    4.594_323_829_709_801e3,
    2.262_900_006_138_909e4,
    4.926_739_426_086_359e4,
];

/// Horner evaluation with the leading coefficient given (Cephes `polevl`).
fn polevl(x: f64, c: &[f64]) -> f64 {
    c.iter().fold(0.0, |acc, &k| acc * x + k)
}

/// Horner evaluation with an implied leading 1 (Cephes `p1evl`).
fn p1evl(x: f64, c: &[f64]) -> f64 {
    c.iter().fold(1.0, |acc, &k| acc * x + k)
}

fn erf(x: f64) -> f64 {
    if x.abs() > 1.0 {
        return 1.0 - erfc(x);
    }
    let z = x * x;
    x * polevl(z, &T) / p1evl(z, &U)
}

fn erfc(a: f64) -> f64 {
    let x = a.abs();
    if x < 1.0 {
        return 1.0 - erf(a);
    }
    let z = -a * a;
    let under = if a < 0.0 { 2.0 } else { 0.0 };
    if z < -MAXLOG {
        return under;
    }
    let z = z.exp();
    let (p, q) = if x < 8.0 {
        (polevl(x, &P), p1evl(x, &Q))
    } else {
        (polevl(x, &R), p1evl(x, &S))
    };
    let mut y = (z * p) / q;
    if a < 0.0 {
        y = 2.0 - y;
    }
    if y == 0.0 {
        return under;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use Alternative::{Greater, Less, TwoSided};

    /// Asserts U1, p (to 1e-9) and the method against SciPy's output.
    fn check(x: &[f64], y: &[f64], alt: Alternative, u1: f64, p: f64, method: Method) {
        let r = mann_whitney_u(x, y, alt);
        assert_eq!(r.u1, u1, "U1 for {alt:?}");
        assert!(
            (r.p_value - p).abs() < 1e-9,
            "p for {alt:?}: got {}, SciPy {p}",
            r.p_value
        );
        assert_eq!(r.method, method, "method for {alt:?}");
    }

    const SMALL_X: [f64; 4] = [12.1, 13.4, 12.9, 14.0];
    const SMALL_Y: [f64; 5] = [10.2, 11.0, 10.8, 11.5, 10.9];

    #[test]
    fn small_exact_all_tails() {
        // scipy.stats.mannwhitneyu([12.1, 13.4, 12.9, 14.0], [10.2, 11.0, 10.8, 11.5, 10.9],
        //     alternative=ALT, method="auto") -> statistic 20.0, pvalue:
        //   greater 0.007936507936507936, less 1.0, two-sided 0.015873015873015872
        check(
            &SMALL_X,
            &SMALL_Y,
            Greater,
            20.0,
            0.007936507936507936,
            Method::Exact,
        );
        check(&SMALL_X, &SMALL_Y, Less, 20.0, 1.0, Method::Exact);
        check(
            &SMALL_X,
            &SMALL_Y,
            TwoSided,
            20.0,
            0.015873015873015872,
            Method::Exact,
        );
    }

    #[test]
    fn overlapping_exact() {
        let x = [3.1, 5.2, 4.4, 6.0, 2.2];
        let y = [2.9, 4.1, 3.3, 1.8, 2.5, 3.9];
        // scipy.stats.mannwhitneyu([3.1, 5.2, 4.4, 6.0, 2.2], [2.9, 4.1, 3.3, 1.8, 2.5, 3.9],
        //     alternative=ALT, method="auto") -> statistic 22.0, pvalue:
        //   greater 0.12337662337662336, less 0.9112554112554113, two-sided 0.24675324675324672
        check(&x, &y, Greater, 22.0, 0.12337662337662336, Method::Exact);
        check(&x, &y, Less, 22.0, 0.9112554112554113, Method::Exact);
        check(&x, &y, TwoSided, 22.0, 0.24675324675324672, Method::Exact);
    }

    #[test]
    fn three_vs_three_is_exactly_one_twentieth_and_guarded() {
        let x = [4.0, 5.0, 6.0];
        let y = [1.0, 2.0, 3.0];
        // scipy.stats.mannwhitneyu([4.0, 5.0, 6.0], [1.0, 2.0, 3.0], alternative="greater",
        //     method="auto") -> statistic 9.0, pvalue 0.05
        check(&x, &y, Greater, 9.0, 0.05, Method::Exact);
        // ... alternative="less" -> 1.0; alternative="two-sided" -> 0.1
        check(&x, &y, Less, 9.0, 1.0, Method::Exact);
        check(&x, &y, TwoSided, 9.0, 0.1, Method::Exact);
        // The best 3 vs 3 can do is 1/20 = 0.05, which is not < alpha = 0.05.
        assert_eq!(min_attainable_p(3, 3, Greater), 0.05);
        assert!(min_attainable_p(3, 3, Greater) >= alpha(0.95));
        assert_eq!(min_attainable_p(3, 3, TwoSided), 0.1);
        // 4 vs 4: 1/70 reaches it.
        assert!(min_attainable_p(4, 4, Greater) < alpha(0.95));
    }

    #[test]
    fn ties_use_the_normal_approximation() {
        let x = [1.0, 2.0, 2.0, 3.0];
        let y = [2.0, 3.0, 3.0, 4.0, 5.0];
        // scipy.stats.mannwhitneyu([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0],
        //     alternative=ALT, method="auto") -> statistic 3.0, pvalue:
        //   greater 0.9713880745611612, less 0.04967112392673264, two-sided 0.09934224785346528
        check(&x, &y, Greater, 3.0, 0.9713880745611612, Method::Normal);
        check(&x, &y, Less, 3.0, 0.04967112392673264, Method::Normal);
        check(&x, &y, TwoSided, 3.0, 0.09934224785346528, Method::Normal);
    }

    #[test]
    fn all_values_equal_gives_p_one() {
        // scipy.stats.mannwhitneyu([1.0, 1.0, 1.0], [1.0, 1.0], alternative=ALT,
        //     method="auto") -> statistic 3.0, pvalue 1.0 for all three alternatives
        for alt in [Greater, Less, TwoSided] {
            check(&[1.0; 3], &[1.0; 2], alt, 3.0, 1.0, Method::Normal);
        }
    }

    #[test]
    fn large_samples_with_ties() {
        let x: Vec<f64> = (0..30)
            .map(|i| 100.0 + ((i * 37 % 17) as f64) * 0.5 + 2.0)
            .collect();
        let y: Vec<f64> = (0..25)
            .map(|i| 100.0 + ((i * 53 % 19) as f64) * 0.5)
            .collect();
        // x = [100 + (i*37 % 17) * 0.5 + 2 for i in range(30)]
        // y = [100 + (i*53 % 19) * 0.5 for i in range(25)]
        // scipy.stats.mannwhitneyu(x, y, alternative=ALT, method="auto") -> statistic 478.0,
        //   greater 0.04139184288643883, less 0.9600857847590802, two-sided 0.08278368577287766
        check(&x, &y, Greater, 478.0, 0.04139184288643883, Method::Normal);
        check(&x, &y, Less, 478.0, 0.9600857847590802, Method::Normal);
        check(&x, &y, TwoSided, 478.0, 0.08278368577287766, Method::Normal);
    }

    #[test]
    fn large_samples_without_ties() {
        let x: Vec<f64> = (0..12)
            .map(|i| 100.0 + i as f64 * 1.37 + 0.01 * i as f64 * i as f64)
            .collect();
        let y: Vec<f64> = (0..15)
            .map(|i| {
                let i = i as f64;
                99.5 + i * 1.11 + 0.003 * i * i * i
            })
            .collect();
        // x = [100 + i*1.37 + 0.01*i*i for i in range(12)]
        // y = [99.5 + i*1.11 + 0.003*i*i*i for i in range(15)]
        // scipy.stats.mannwhitneyu(x, y, alternative=ALT, method="auto") -> statistic 83.0,
        //   greater 0.6428034811828368, less 0.3755582455155191, two-sided 0.7511164910310382
        check(&x, &y, Greater, 83.0, 0.6428034811828368, Method::Normal);
        check(&x, &y, Less, 83.0, 0.3755582455155191, Method::Normal);
        check(&x, &y, TwoSided, 83.0, 0.7511164910310382, Method::Normal);
    }

    #[test]
    fn exact_when_only_one_side_is_small() {
        let x: Vec<f64> = (0..5).map(|i| 50.5 + i as f64 * 0.7).collect();
        let y: Vec<f64> = (0..40).map(|i| 40.25 + i as f64 * 0.55).collect();
        // x = [50.5 + i*0.7 for i in range(5)]; y = [40.25 + i*0.55 for i in range(40)]
        // scipy.stats.mannwhitneyu(x, y, alternative=ALT, method="auto") -> statistic 108.0,
        //   greater 0.39642924668449353, less 0.6170300362019022, two-sided 0.7928584933689871
        check(&x, &y, Greater, 108.0, 0.39642924668449353, Method::Exact);
        check(&x, &y, Less, 108.0, 0.6170300362019022, Method::Exact);
        check(&x, &y, TwoSided, 108.0, 0.7928584933689871, Method::Exact);
    }

    #[test]
    fn one_current_value_against_history() {
        let y: Vec<f64> = (0..20).map(|i| 100.0 + ((i * 7 % 20) as f64)).collect();
        // y = [100.0 + (i*7 % 20) for i in range(20)]
        // scipy.stats.mannwhitneyu([130.0], y, alternative=ALT, method="auto") -> statistic 20.0,
        //   greater 0.047619047619047616, less 1.0, two-sided 0.09523809523809523
        check(
            &[130.0],
            &y,
            Greater,
            20.0,
            0.047619047619047616,
            Method::Exact,
        );
        check(&[130.0], &y, Less, 20.0, 1.0, Method::Exact);
        check(
            &[130.0],
            &y,
            TwoSided,
            20.0,
            0.09523809523809523,
            Method::Exact,
        );
        assert!(min_attainable_p(1, 20, Greater) < 0.05);
        assert!(min_attainable_p(1, 19, Greater) >= 0.05);
        assert!(min_attainable_p(1, 20, TwoSided) >= 0.05);
    }

    #[test]
    fn exact_distribution_survives_big_counts() {
        // binom(1008, 8) > 1e19 overflows u64 (SciPy switches to float there); ours stays
        // exact in i128. scipy.stats.mannwhitneyu([1e6 + i for i in range(8)],
        //     list(range(1000)), alternative="greater", method="auto").pvalue
        //   == 3.889824733461082e-20 (= 1 / binom(1008, 8))
        let x: Vec<f64> = (0..8).map(|i| 1e6 + i as f64).collect();
        let y: Vec<f64> = (0..1000).map(f64::from).collect();
        let r = mann_whitney_u(&x, &y, Greater);
        assert_eq!(r.method, Method::Exact);
        assert!((r.p_value / 3.889824733461082e-20 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn cohens_d_matches_flameiq_core() {
        // from flameiq.engine.statistics import _cohens_d
        // _cohens_d([10.2, 11.0, 10.8, 11.5, 10.9], [12.1, 13.4, 12.9, 14.0]) == 3.5051244536959647
        assert!((cohens_d(&SMALL_Y, &SMALL_X) - 3.5051244536959647).abs() < 1e-12);
        // _cohens_d([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == 3.0
        assert_eq!(cohens_d(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 3.0);
        // _cohens_d([2.0, 3.0, 3.0, 4.0, 5.0], [1.0, 2.0, 2.0, 3.0]) == -1.380418616056577
        let d = cohens_d(&[2.0, 3.0, 3.0, 4.0, 5.0], &[1.0, 2.0, 2.0, 3.0]);
        assert!((d - -1.380418616056577).abs() < 1e-12);
        // _cohens_d([100.0 + (i*7 % 20) for i in range(20)], [130.0]) == 3.465132444386918
        let y: Vec<f64> = (0..20).map(|i| 100.0 + ((i * 7 % 20) as f64)).collect();
        assert!((cohens_d(&y, &[130.0]) - 3.465132444386918).abs() < 1e-12);
        // _cohens_d([1.0, 1.0], [1.0, 1.0, 1.0]) == 0.0 (pooled sd 0)
        assert_eq!(cohens_d(&[1.0; 2], &[1.0; 3]), 0.0);
        assert_eq!(cohens_d(&[1.0], &[2.0]), 0.0);
    }

    #[test]
    fn ndtr_matches_scipy() {
        // [(x, scipy.special.ndtr(x)) for x in ...]
        let cases: [(f64, f64); 22] = [
            (-40.0, 0.0),
            (-20.0, 2.7536241186061556e-89),
            (-9.0, 1.1285884059538324e-19),
            (-7.5, 3.1908916729108844e-14),
            (-5.0, 2.866515718791933e-07),
            (-3.3, 0.00048342414238377744),
            (-2.5, 0.006209665325776132),
            (-1.7, 0.04456546275854304),
            (-1.2, 0.11506967022170822),
            (-0.9, 0.18406012534675947),
            (-0.5, 0.3085375387259869),
            (-0.1, 0.460172162722971),
            (0.0, 0.5),
            (0.3, 0.6179114221889526),
            (0.71, 0.7611479319100133),
            (1.0, 0.8413447460685429),
            (1.5, 0.9331927987311419),
            (2.2, 0.9860965524865014),
            (3.0, 0.9986501019683699),
            (4.5, 0.9999966023268753),
            (6.0, 0.9999999990134123),
            (8.5, 1.0),
        ];
        for (x, want) in cases {
            let got = ndtr(x);
            let tol = 1e-14 * want.max(1e-300);
            assert!((got - want).abs() <= tol, "ndtr({x}) = {got}, SciPy {want}");
        }
    }

    #[test]
    fn alpha_is_rounded_like_flameiq_core() {
        // Python: round(1.0 - 0.95, 10) == 0.05 (1.0 - 0.95 alone is 0.050000000000000044)
        assert_eq!(alpha(0.95), 0.05);
        assert_eq!(alpha(0.99), 0.01);
    }

    #[test]
    fn auto_band_tracks_noise_with_a_floor() {
        // numpy: np.percentile([100, 101, 99, 100, 100, 102, 98], [25, 50, 75])
        //   == [99.5, 100, 100.5]; IQR 1 -> 3 * 1 / 100 * 100 = 3 %
        let stable = [100.0, 101.0, 99.0, 100.0, 100.0, 102.0, 98.0];
        assert!((auto_band(3.0, &stable, AUTO_FLOOR_PERCENT).unwrap() - 3.0).abs() < 1e-12);
        // np.percentile([100, 120, 85, 110, 95, 130, 90], [25, 50, 75]) == [92.5, 100, 115]
        //   -> 3 * 22.5 / 100 * 100 = 67.5 %
        let noisy = [100.0, 120.0, 85.0, 110.0, 95.0, 130.0, 90.0];
        assert!((auto_band(3.0, &noisy, AUTO_FLOOR_PERCENT).unwrap() - 67.5).abs() < 1e-9);
        // Identical history: the floor.
        assert_eq!(
            auto_band(3.0, &[50.0; 6], AUTO_FLOOR_PERCENT),
            Some(AUTO_FLOOR_PERCENT)
        );
        // Too short: no band.
        assert_eq!(
            auto_band(3.0, &[1.0, 2.0, 3.0, 4.0], AUTO_FLOOR_PERCENT),
            None
        );
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        ((got - want) / want).abs() < rel
    }

    #[test]
    fn issue14_item3_t_quantile_matches_scipy() {
        // scipy.stats.t.ppf(0.99, 7.0), scipy.stats.t.ppf(0.975, 2.205)
        assert!(close(
            t_quantile_upper(0.01, 7.0),
            2.997_951_566_868_527_7,
            1e-9
        ));
        assert!(close(
            t_quantile_upper(0.025, 2.205),
            3.941_160_684_883_459,
            1e-9
        ));
    }

    #[test]
    fn issue14_item3_calibrated_band_known_answers() {
        // numpy: x = log(seg); m = median(x); s = std(delete(x, argmax(|x - m|)), ddof=1)
        // -> s = 0.010748290351409267 (the run 98.0 left out); half = multiplier(7) * s.
        let seg = [100.0, 101.0, 99.0, 102.0, 98.0, 100.5, 99.5];
        let m7 = band_multiplier(7, 0.01);
        let up = calibrated_band(&seg, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(close(up.centre, 100.0, 1e-12), "{up:?}");
        let half = m7 * 0.010_748_290_351_409_267;
        assert!(close(up.percent, half.exp_m1() * 100.0, 1e-9), "{up:?}");
        assert_eq!(up.runs, 7);
        let down =
            calibrated_band(&seg, 0.01, AUTO_FLOOR_PERCENT, Direction::HigherIsBetter).unwrap();
        assert!(
            close(down.percent, -(-half).exp_m1() * 100.0, 1e-9),
            "{down:?}"
        );
        // 20 runs, 50.0 .. 52.0: the first 50.0 is the farthest from the median 51.0;
        // s = 0.013817977784469443.
        let h: Vec<f64> = (0..20).map(|i| 50.0 + f64::from(i % 5) * 0.5).collect();
        let b = calibrated_band(&h, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(close(b.centre, 51.0, 1e-12));
        let half = band_multiplier(20, 0.01) * 0.013_817_977_784_469_443;
        assert!(close(b.percent, half.exp_m1() * 100.0, 1e-9), "{b:?}");
        // `both` splits the rate over the two sides.
        let both = calibrated_band(&h, 0.05, AUTO_FLOOR_PERCENT, Direction::Both).unwrap();
        let half = band_multiplier(20, 0.025) * 0.013_817_977_784_469_443;
        assert!(close(both.percent, half.exp_m1() * 100.0, 1e-9), "{both:?}");
    }

    #[test]
    fn issue14_item3_band_multiplier_reads_and_interpolates_the_table() {
        use super::super::band_table::{LIMIT, MULTIPLIER, RUNS, TAILS};
        let row = |n: usize| RUNS.iter().position(|r| *r == n).unwrap();
        let col = |t: f64| TAILS.iter().position(|x| *x == t).unwrap();
        // On the grid: the simulated value itself.
        assert_eq!(band_multiplier(20, 0.01), MULTIPLIER[row(20)][col(0.01)]);
        assert_eq!(band_multiplier(5, 0.005), MULTIPLIER[row(5)][col(0.005)]);
        // Fewer than 5 runs never get a band; asked anyway, the 5-run value.
        assert_eq!(band_multiplier(3, 0.01), MULTIPLIER[row(5)][col(0.01)]);
        // Between two segment lengths: linear in 1/n (45 lies 4/9 of the way from 1/40).
        let (a, b) = (
            MULTIPLIER[row(40)][col(0.01)],
            MULTIPLIER[row(50)][col(0.01)],
        );
        let w = (1.0 / 40.0 - 1.0 / 45.0) / (1.0 / 40.0 - 1.0 / 50.0);
        assert!(close(band_multiplier(45, 0.01), a + (b - a) * w, 1e-12));
        // Beyond the table: towards the t3 quantile in units of its standard deviation,
        // which the tool computes and the generator wrote down.
        let j = col(0.01);
        assert!(close(
            t_quantile_upper(0.01, TAIL_DF) / 3f64.sqrt(),
            LIMIT[j],
            1e-4
        ));
        let last = MULTIPLIER[RUNS.len() - 1][j];
        let far = band_multiplier(400, 0.01);
        assert!(far < last && far > LIMIT[j], "{far} {last} {}", LIMIT[j]);
        assert!(close(far, LIMIT[j] + (last - LIMIT[j]) * 0.5, 1e-4));
        // Between two tails: linear in ln(tail), so monotone between them.
        let (lo, hi) = (band_multiplier(20, 0.005), band_multiplier(20, 0.002));
        let mid = band_multiplier(20, 0.003);
        assert!(lo < mid && mid < hi, "{lo} {mid} {hi}");
        // Below the smallest tail: wider than it, by the t3 quantiles' ratio.
        let tiny = band_multiplier(20, 0.0001);
        let ratio = t_quantile_upper(0.0001, 3.0) / t_quantile_upper(0.0005, 3.0);
        assert!(close(tiny, band_multiplier(20, 0.0005) * ratio, 1e-12));
        // The table falls with n and with the tail, as a quantile of this statistic must.
        for j in 0..TAILS.len() - 1 {
            for i in 1..RUNS.len() {
                assert!(
                    MULTIPLIER[i][j] <= MULTIPLIER[i - 1][j],
                    "n {} tail {}",
                    RUNS[i],
                    TAILS[j]
                );
                assert!(
                    MULTIPLIER[i][j + 1] < MULTIPLIER[i][j],
                    "n {} tail {}",
                    RUNS[i],
                    TAILS[j]
                );
            }
        }
    }

    #[test]
    fn issue14_item3_calibrated_band_floor_minimum_runs_and_outliers() {
        assert_eq!(
            calibrated_band(
                &[5.0; 4],
                0.01,
                AUTO_FLOOR_PERCENT,
                Direction::LowerIsBetter
            ),
            None
        );
        let flat = calibrated_band(
            &[5.0; 5],
            0.01,
            AUTO_FLOOR_PERCENT,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!(flat.percent, AUTO_FLOOR_PERCENT);
        // A floor asked for (`statistics.auto_floor`) raises a narrow band and leaves the
        // centre and the run count; a band wider than the floor is untouched.
        let quiet: Vec<f64> = (0..20).map(|i| 50.0 + f64::from(i % 5) * 0.1).collect();
        let narrow =
            calibrated_band(&quiet, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(narrow.percent < 5.0, "{narrow:?}");
        let floored = calibrated_band(&quiet, 0.01, 5.0, Direction::LowerIsBetter).unwrap();
        assert_eq!(floored.percent, 5.0);
        assert_eq!((floored.centre, floored.runs), (narrow.centre, narrow.runs));
        let wide: Vec<f64> = (0..20).map(|i| 50.0 + f64::from(i % 5) * 2.0).collect();
        let w = calibrated_band(&wide, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(w.percent > 5.0, "{w:?}");
        assert_eq!(
            calibrated_band(&wide, 0.01, 5.0, Direction::LowerIsBetter).unwrap(),
            w
        );
        // One wild run in twenty is left out of the scale: the band barely moves, so a
        // single hiccup of the runner cannot open the gate for the next twenty runs.
        let h: Vec<f64> = (0..20).map(|i| 50.0 + f64::from(i % 5) * 0.5).collect();
        let mut spiked = h.clone();
        spiked[7] = 500.0;
        let a = calibrated_band(&h, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        let b =
            calibrated_band(&spiked, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(
            (b.percent - a.percent).abs() < 0.2 * a.percent,
            "{a:?} {b:?}"
        );
        // A noisy stretch is not one hiccup: with three slow runs (+8 %) the band widens,
        // since a runner that was noisy lately is likely to be noisy next.
        let mut noisy = h.clone();
        for i in [3, 9, 15] {
            noisy[i] = 55.0;
        }
        let c =
            calibrated_band(&noisy, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
        assert!(c.percent > 1.5 * a.percent, "{a:?} {c:?}");
    }

    /// The false-alarm rate on `n`-run histories of simulated noise in log space
    /// (`trials` histories, each with its next unchanged run), with a generator of its own
    /// (xorshift and Box-Muller), independent of the numpy draws the table came from.
    fn simulated_rate(trials: u32, n: usize, tail_df: Option<u32>) -> f64 {
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        let mut uniform = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let mut normal = move || {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        };
        // Student's t with `df` degrees of freedom: Z / sqrt(chi2_df / df).
        let mut noise = move || match tail_df {
            None => normal(),
            Some(df) => {
                let z = normal();
                let chi2: f64 = (0..df).map(|_| normal().powi(2)).sum();
                z / (chi2 / f64::from(df)).sqrt()
            }
        };
        let mut alarms = 0;
        for _ in 0..trials {
            let h: Vec<f64> = (0..n).map(|_| 100.0 * (0.01 * noise()).exp()).collect();
            let next = 100.0 * (0.01 * noise()).exp();
            let b =
                calibrated_band(&h, 0.01, AUTO_FLOOR_PERCENT, Direction::LowerIsBetter).unwrap();
            if (next / b.centre - 1.0) * 100.0 > b.percent {
                alarms += 1;
            }
        }
        f64::from(alarms) / f64::from(trials)
    }

    /// Student-t noise with 3 degrees of freedom (the tails the band is built for): the
    /// next unchanged run leaves the band at the promised 1 % (±0.25 %, five standard
    /// errors of 40,000 trials), for a short and a full segment; lighter tails, under it.
    #[test]
    fn issue14_item3_calibrated_band_delivers_its_rate_on_heavy_tailed_noise() {
        for n in [7, 20] {
            let t3 = simulated_rate(40_000, n, Some(3));
            assert!(
                (0.0075..=0.0125).contains(&t3),
                "false-alarm rate on t3 noise, {n} runs: {t3}"
            );
            let t5 = simulated_rate(20_000, n, Some(5));
            assert!(t5 < 0.01, "false-alarm rate on t5 noise, {n} runs: {t5}");
            let normal = simulated_rate(20_000, n, None);
            assert!(
                normal < 0.006,
                "false-alarm rate on normal noise, {n} runs: {normal}"
            );
        }
    }

    #[test]
    fn issue14_item3_run_location_is_the_best_sample() {
        use crate::schema::MetricInfo;
        let with = |samples: &[f64]| MetricInfo {
            samples: samples.to_vec(),
            ..Default::default()
        };
        let at = |info: &MetricInfo, warmup, d| run_location(Some(info), 99.0, warmup, d);
        let s = with(&[
            10.0, 30.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0,
        ]);
        // The best sample on the metric's good side; numpy.percentile(s, 50) == 15.0.
        assert_eq!(at(&s, 0, Direction::LowerIsBetter), Some(10.0));
        assert_eq!(at(&s, 0, Direction::HigherIsBetter), Some(30.0));
        assert_eq!(at(&s, 0, Direction::Both), Some(15.0));
        assert_eq!(at(&with(&[]), 0, Direction::Both), None);
        assert_eq!(run_location(None, 99.0, 0, Direction::Both), None);
        // Warmup samples are dropped first.
        assert_eq!(at(&s, 1, Direction::LowerIsBetter), Some(11.0));
        // Non-finite samples are not a location.
        let odd = with(&[f64::NAN, 12.0, f64::INFINITY, 11.5]);
        assert_eq!(at(&odd, 0, Direction::LowerIsBetter), Some(11.5));
        assert_eq!(at(&odd, 0, Direction::HigherIsBetter), Some(12.0));
        // Without samples, the tool's reported range: both ends needed, the value between.
        let range = MetricInfo {
            min: Some(8.0),
            max: Some(20.0),
            ..Default::default()
        };
        assert_eq!(at(&range, 0, Direction::LowerIsBetter), Some(8.0));
        assert_eq!(at(&range, 0, Direction::HigherIsBetter), Some(20.0));
        assert_eq!(at(&range, 0, Direction::Both), Some(99.0));
        let half = MetricInfo {
            min: Some(8.0),
            ..Default::default()
        };
        assert_eq!(at(&half, 0, Direction::LowerIsBetter), None);
        // Samples, when present, win over a range.
        let both = MetricInfo {
            min: Some(1.0),
            max: Some(2.0),
            ..s.clone()
        };
        assert_eq!(at(&both, 0, Direction::LowerIsBetter), Some(10.0));
    }

    #[test]
    fn docs_worked_example_holds() {
        // docs/statistics.md: numpy.percentile([10.2, 10.8, 9.9, 10.4, 11.6, 10.1, 10.5],
        //   [25, 50, 75]) == [10.15, 10.4, 10.65] -> 3 * 0.5 / 10.4 * 100 = 14.4231 %
        let h = [10.2, 10.8, 9.9, 10.4, 11.6, 10.1, 10.5];
        assert_eq!(
            super::super::round_places(auto_band(3.0, &h, AUTO_FLOOR_PERCENT).unwrap(), 4),
            14.4231
        );
        // numpy.percentile([250.0, 251.2, 249.5, 250.4, 250.9, 249.8, 250.1], [25, 50, 75])
        //   == [249.9, 250.1, 250.65] -> 0.8996 %, raised to the 1 % floor
        let h = [250.0, 251.2, 249.5, 250.4, 250.9, 249.8, 250.1];
        assert_eq!(auto_band(3.0, &h, AUTO_FLOOR_PERCENT), Some(1.0));
    }

    fn snap_with_samples(key: &str, value: f64, samples: &[f64]) -> Snapshot {
        let mut s = Snapshot::new();
        s.insert(key, value);
        if !samples.is_empty() {
            s.metrics.info_or_default(key).samples = samples.to_vec();
        }
        s
    }

    #[test]
    fn samples_prefer_both_sides_raw_samples_and_drop_warmup() {
        let b = snap_with_samples("latency.p95", 10.0, &[99.0, 10.0, 11.0]);
        let c = snap_with_samples("latency.p95", 12.0, &[50.0, 12.0, 13.0]);
        let s = samples_for("latency.p95", &b, Some(&[1.0, 2.0]), &c, 12.0, 1).unwrap();
        assert_eq!(s.baseline, [10.0, 11.0]);
        assert_eq!(s.current, [12.0, 13.0]);
        assert_eq!(s.source, "samples");
    }

    #[test]
    fn samples_fall_back_to_history_against_the_single_current_value() {
        // Only the current side has samples: history aggregates vs the current value, like
        // for like.
        let b = snap_with_samples("custom.x", 10.0, &[]);
        let c = snap_with_samples("custom.x", 12.0, &[12.0, 13.0]);
        let s = samples_for("custom.x", &b, Some(&[9.0, 10.0, 11.0]), &c, 12.0, 0).unwrap();
        assert_eq!(s.baseline, [9.0, 10.0, 11.0]);
        assert_eq!(s.current, [12.0]);
        assert_eq!(s.source, "history");
        // Warmup that eats every sample leaves no raw samples either.
        let b = snap_with_samples("custom.x", 10.0, &[1.0]);
        let c = snap_with_samples("custom.x", 12.0, &[2.0]);
        assert_eq!(samples_for("custom.x", &b, None, &c, 12.0, 1), None);
        assert_eq!(samples_for("custom.x", &b, Some(&[]), &c, 12.0, 1), None);
    }
}
