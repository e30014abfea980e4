//! Change points over a metric's history: E-Divisive means with a Student-t significance
//! test, split and merge, as published by Fleming et al., "Hunter: Using Change Point
//! Detection to Hunt for Performance Regressions" (ICPE 2023, arXiv 2301.03034), and as
//! Apache Otava 0.8 runs it. Pure: a series in, change points out, no I/O, no clock.
//!
//! The algorithm, for a series `x` (oldest first) and [`ChangeConfig`]:
//!
//! 1. **Split.** Slide a window of `window` values over the series with a step of
//!    `window / 2`. In each window, run E-Divisive (Matteson and James): pick the split
//!    `τ` (and the end `κ`) that maximise the energy statistic
//!    `Q(X, Y) = 2/(m+n) Σ|Xᵢ−Yⱼ| − 2m/((m+n)(n−1)) Σ|Xᵢ−Xₖ| − 2n/((m+n)(m−1)) Σ|Yⱼ−Yₖ|`
//!    over every interval between the change points found so far, and keep it while a
//!    two-sided Student-t test (pooled variance, population standard deviations, as Otava
//!    computes them) between the two sides of the split has `p ≤` the first-pass level
//!    (10× `max_pvalue` when that is below 0.05, 2× below 0.5). A window whose candidate
//!    fails the test adds nothing more. The next window starts at the later of the last
//!    change point found and `start + step`. The union of all windows' points are the
//!    *weak* change points.
//! 2. **Merge.** Recompute each weak point's test between its neighbours over the whole
//!    series. While some point has `p ≥ max_pvalue`, or the smallest relative magnitude is
//!    `≤ min_magnitude`, remove the weakest (highest p; when every p passes, the smallest
//!    magnitude) and recompute its neighbours.
//!
//! The merge step's bookkeeping is Otava 0.8's: after a removal, the point that took the
//! removed one's place and the point after it are recomputed, while the point before keeps
//! the statistics it had. Recomputing both true neighbours instead (as a reading of the
//! paper suggests) was tried and measured: it ends elsewhere than Otava on 8 of the 48
//! generated series of the differential test (`tests/changes.rs`), finding a real step
//! Otava misses on some and a noise point Otava drops on others, no better overall; so the
//! answers here are Otava's, index for index, which is what users comparing the two expect.
//!
//! Ties are broken as numpy's `argmax` and Python's `max` do (the first maximum), so the
//! result is a function of the series alone, on any machine.
//!
//! Length (over 500 lines): the change-point search, its settings and its document belong together; about 120 lines are tests.

/// Settings of the detector (`changes:` in `flameiq.yaml`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeConfig {
    /// Length of the sliding window of the split step (at least 2; default 50).
    pub window: usize,
    /// Largest p-value a change point may keep (default 0.001).
    pub max_pvalue: f64,
    /// Smallest relative magnitude a change point must exceed (default 0: any).
    pub min_magnitude: f64,
}

impl Default for ChangeConfig {
    fn default() -> Self {
        ChangeConfig {
            window: 50,
            max_pvalue: 0.001,
            min_magnitude: 0.0,
        }
    }
}

/// One change point: the run at `index` is the first after the change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// 0-based position in the series of the first value after the change.
    pub index: usize,
    /// Mean of the segment before the change.
    pub before: f64,
    /// Mean of the segment after the change.
    pub after: f64,
    /// Population standard deviation of the segment before.
    pub std_before: f64,
    /// Population standard deviation of the segment after.
    pub std_after: f64,
    /// Two-sided Student-t p-value of the two segments.
    pub p_value: f64,
}

impl ChangePoint {
    /// `after / before - 1` (0 when `before` is 0).
    pub fn forward_change(&self) -> f64 {
        rel(self.after, self.before)
    }

    /// The larger of the forward and backward relative changes, in absolute value.
    pub fn magnitude(&self) -> f64 {
        let f = rel(self.after, self.before).abs();
        let b = rel(self.before, self.after).abs();
        if b > f {
            b
        } else {
            f
        }
    }
}

fn rel(to: f64, from: f64) -> f64 {
    if from == 0.0 {
        0.0
    } else {
        to / from - 1.0
    }
}

/// The change points of `series` (oldest first), sorted by index.
///
/// Non-finite values are the caller's to drop: the store never holds them.
pub fn change_points(series: &[f64], cfg: &ChangeConfig) -> Vec<ChangePoint> {
    let window = cfg.window.max(2);
    let p = cfg.max_pvalue;
    let first_pass = if p < 0.05 {
        p * 10.0
    } else if p < 0.5 {
        p * 2.0
    } else {
        p
    };
    let weak = split(series, window, first_pass);
    merge(weak, series, p, cfg.min_magnitude)
}

/// The split step: the weak change points, with statistics over the whole series.
fn split(series: &[f64], window: usize, max_p: f64) -> Vec<ChangePoint> {
    let n = series.len();
    let step = window / 2;
    let mut indices: Vec<usize> = Vec::new();
    let mut found: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + window).min(n);
        // One detector per thread: its buffers and tables serve every window of every
        // series this thread reads.
        DETECTOR.with(|d| d.borrow_mut().run(&series[start..end], max_p, &mut found));
        let last = found.last().map_or(0, |&i| i + start);
        for &i in &found {
            let i = i + start;
            if !indices.contains(&i) {
                indices.push(i);
            }
        }
        start = last.max(start + step);
    }
    indices.sort_unstable();
    let bounds = boundaries(&indices, n);
    indices
        .iter()
        .enumerate()
        .map(|(k, &i)| segment_test(series, bounds[k], i, bounds[k + 2]))
        .collect()
}

/// `[0, i₁, i₂, …, n]`: the segment edges around sorted change-point indices.
fn boundaries(indices: &[usize], n: usize) -> Vec<usize> {
    let mut b = Vec::with_capacity(indices.len() + 2);
    b.push(0);
    b.extend_from_slice(indices);
    b.push(n);
    b
}

/// The merge step.
fn merge(
    mut cps: Vec<ChangePoint>,
    series: &[f64],
    max_p: f64,
    min_magnitude: f64,
) -> Vec<ChangePoint> {
    while !cps.is_empty() {
        let mut weakest = first_max_by(&cps, |c| c.p_value);
        if cps[weakest].p_value < max_p {
            weakest = first_max_by(&cps, |c| -c.magnitude());
            if cps[weakest].magnitude() > min_magnitude {
                return cps;
            }
        }
        cps.remove(weakest);
        let n = series.len();
        let edge = |cps: &[ChangePoint], k: isize| -> usize {
            if k < 0 {
                0
            } else if k as usize >= cps.len() {
                n
            } else {
                cps[k as usize].index
            }
        };
        // The point that took the removed one's place, and the one after it (Otava's
        // bookkeeping; see the module docs).
        for k in [weakest as isize, weakest as isize + 1] {
            if k < 0 || k as usize >= cps.len() {
                continue;
            }
            let lo = edge(&cps, k - 1);
            let hi = edge(&cps, k + 1);
            cps[k as usize] = segment_test(series, lo, cps[k as usize].index, hi);
        }
    }
    cps
}

/// Index of the first element with the largest key (Python's `max`; NaN never wins
/// against an earlier value, and an earlier NaN is never replaced).
fn first_max_by(cps: &[ChangePoint], key: impl Fn(&ChangePoint) -> f64) -> usize {
    let mut best = 0;
    let mut best_key = key(&cps[0]);
    for (i, c) in cps.iter().enumerate().skip(1) {
        let k = key(c);
        if k > best_key {
            best = i;
            best_key = k;
        }
    }
    best
}

/// The t-test between the segments `series[lo..at]` and `series[at..hi]`, as a change
/// point at `at`.
pub fn segment_test(series: &[f64], lo: usize, at: usize, hi: usize) -> ChangePoint {
    let (m1, s1) = mean_std(&series[lo..at]);
    let (m2, s2) = mean_std(&series[at..hi]);
    let (n1, n2) = (at - lo, hi - at);
    let p_value = if n1 + n2 > 2 {
        t_test_p(m1, s1, n1, m2, s2, n2)
    } else {
        1.0
    };
    ChangePoint {
        index: at,
        before: m1,
        after: m2,
        std_before: s1,
        std_after: s2,
        p_value,
    }
}

/// Mean and population standard deviation (0 for fewer than two values).
fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return (mean, 0.0);
    }
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Two-sided p-value of Student's t-test from summary statistics with pooled variance
/// (`scipy.stats.ttest_ind_from_stats(..., equal_var=True)`).
fn t_test_p(m1: f64, s1: f64, n1: usize, m2: f64, s2: f64, n2: usize) -> f64 {
    let (t, df) = t_statistic(m1, s1, n1, m2, s2, n2);
    p_of_t(t, df)
}

/// The pooled t statistic and its degrees of freedom (the first half of [`t_test_p`]).
fn t_statistic(m1: f64, s1: f64, n1: usize, m2: f64, s2: f64, n2: usize) -> (f64, f64) {
    let (a, b) = (n1 as f64, n2 as f64);
    let df = a + b - 2.0;
    let pooled = ((a - 1.0) * s1 * s1 + (b - 1.0) * s2 * s2) / df;
    let denom = (pooled * (1.0 / a + 1.0 / b)).sqrt();
    ((m1 - m2) / denom, df)
}

/// The second half of [`t_test_p`]: the p-value of `t`.
fn p_of_t(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    student_t_two_sided(t, df)
}

/// `segment_test(x, lo, at, hi).p_value <= max_p`, the one thing the detector's loop asks
/// of a candidate (issue 14). Most candidates are far from the threshold, and there
/// `|t|` against the critical values of [`Critical`] decides without the incomplete beta;
/// near it, the p-value is computed as `segment_test` computes it.
fn significant(
    x: &[f64],
    lo: usize,
    at: usize,
    hi: usize,
    max_p: f64,
    crit: &mut Critical,
) -> bool {
    let (m1, s1) = mean_std(&x[lo..at]);
    let (m2, s2) = mean_std(&x[at..hi]);
    let (n1, n2) = (at - lo, hi - at);
    if n1 + n2 <= 2 {
        return 1.0 <= max_p;
    }
    let (t, df) = t_statistic(m1, s1, n1, m2, s2, n2);
    crit.decide(t, df, max_p)
        .unwrap_or_else(|| p_of_t(t, df) <= max_p)
}

/// Per degrees of freedom, two values of `|t|` around the one where the computed p-value
/// crosses `max_p`: at `|t| ≥ above` it is below `max_p`, at `|t| ≤ below` above it, by a
/// relative margin ([`Critical::MARGIN`]) far wider than the p-value's rounding error
/// (~1e-13 relative: a few ulps in `ln Γ`, the logarithms and `exp` of the front factor,
/// and the continued fraction's 1e-16 stop). The p-value falls strictly with `|t|`, so
/// between two points known to be on one side every `|t|` is on that side too; only the
/// narrow band between `below` and `above` needs the p-value itself.
#[derive(Default)]
struct Critical {
    /// The `max_p` the values are for (its bits; NaN's never match a real threshold).
    max_p: u64,
    /// `(below, above)` by integer degrees of freedom; `(NaN, NaN)` not yet computed.
    by_df: Vec<(f64, f64)>,
    /// Always compute the p-value (the tests' reference).
    #[cfg(test)]
    off: bool,
}

impl Critical {
    /// The p-values at `below` and `above` are at least this far (relative) from `max_p`.
    const MARGIN: f64 = 1e-6;
    /// Only these thresholds take the shortcut (the detector's are 2×/10× the configured
    /// `max_pvalue`, 0.01 by default); others always compute the p-value.
    const RANGE: std::ops::RangeInclusive<f64> = 1e-100..=0.9;
    /// Degrees of freedom kept (the detector's are below its window, 50 by default).
    const MAX_DF: usize = 4096;

    /// `Some(p_of_t(t, df) <= max_p)` when `|t|` decides it with the margin, else `None`.
    fn decide(&mut self, t: f64, df: f64, max_p: f64) -> Option<bool> {
        #[cfg(test)]
        if self.off {
            return None;
        }
        if !t.is_finite() || df != df.trunc() || !(1.0..=Self::MAX_DF as f64).contains(&df) {
            return None;
        }
        let (below, above) = self.bounds(df as usize, max_p)?;
        let a = t.abs();
        if a >= above {
            Some(true)
        } else if a <= below {
            Some(false)
        } else {
            None
        }
    }

    fn bounds(&mut self, df: usize, max_p: f64) -> Option<(f64, f64)> {
        if !Self::RANGE.contains(&max_p) {
            return None;
        }
        if self.max_p != max_p.to_bits() {
            self.max_p = max_p.to_bits();
            self.by_df.clear();
        }
        if self.by_df.len() <= df {
            self.by_df.resize(df + 1, (f64::NAN, f64::NAN));
        }
        if self.by_df[df].0.is_nan() {
            self.by_df[df] = Self::compute(df as f64, max_p);
        }
        Some(self.by_df[df])
    }

    /// `below` with `p(below) ≥ max_p·(1 + MARGIN)` and `above` with
    /// `p(above) ≤ max_p·(1 − MARGIN)`, both as computed by [`student_t_two_sided`], and
    /// close to each other (a bisection to ~1e-4 relative: the band between them is
    /// what still computes the p-value). A side that cannot be bracketed is `-1`
    /// (never `≥ |t|`) / `+∞` (never `≤`).
    fn compute(df: f64, max_p: f64) -> (f64, f64) {
        let p = |t: f64| student_t_two_sided(t, df);
        let hi_target = max_p * (1.0 - Self::MARGIN);
        let lo_target = max_p * (1.0 + Self::MARGIN);
        // One bracket of the crossing, by doubling: p(lo) > hi_target ≥ p(hi).
        let (mut lo, mut hi) = (0.0, 1.0);
        while p(hi) > hi_target {
            lo = hi;
            hi *= 2.0;
            if hi > 1e150 {
                return (-1.0, f64::INFINITY);
            }
        }
        let bisect = |mut lo: f64, mut hi: f64, below_side: &dyn Fn(f64) -> bool| {
            // Invariant: `below_side(lo)` and `!below_side(hi)`.
            for _ in 0..64 {
                if hi - lo <= hi * 1e-4 {
                    break;
                }
                let mid = 0.5 * (lo + hi);
                if below_side(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            (lo, hi)
        };
        let above = bisect(lo, hi, &|t| p(t) > hi_target).1;
        let below = if p(0.0) >= lo_target {
            bisect(0.0, above, &|t| p(t) >= lo_target).0
        } else {
            -1.0
        };
        (below, above)
    }
}

/// `P(|T| ≥ |t|)` for Student's t with `df` degrees of freedom: `I_{df/(df+t²)}(df/2, 1/2)`.
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let a = df / 2.0;
    if x <= 0.0 || x >= 1.0 {
        return incomplete_beta(a, 0.5, x).clamp(0.0, 1.0);
    }
    // `ln Γ(a + ½) − ln Γ(a) − ln Γ(½)` depends on `df` alone: the detector asks for the
    // same few hundred degrees of freedom millions of times, so it is kept per thread
    // (the same number, computed once).
    let lbeta = if df == df.trunc() && (1.0..=LN_BETA_CACHE as f64).contains(&df) {
        LN_BETA.with(|c| {
            let mut c = c.borrow_mut();
            let i = df as usize;
            if c.len() <= i {
                c.resize(i + 1, f64::NAN);
            }
            if c[i].is_nan() {
                c[i] = ln_beta_front(a, 0.5);
            }
            c[i]
        })
    } else {
        ln_beta_front(a, 0.5)
    };
    incomplete_beta_with(a, 0.5, x, lbeta).clamp(0.0, 1.0)
}

/// Degrees of freedom up to which [`student_t_two_sided`] keeps `ln B` per thread.
const LN_BETA_CACHE: usize = 1 << 16;

thread_local! {
    static LN_BETA: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    static DETECTOR: std::cell::RefCell<Detector> = std::cell::RefCell::new(Detector::default());
}

/// `ln Γ(a + b) − ln Γ(a) − ln Γ(b)`, the part of the incomplete beta's front factor that
/// does not depend on `x`.
fn ln_beta_front(a: f64, b: f64) -> f64 {
    ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b)
}

/// The regularised incomplete beta function `I_x(a, b)`, by its continued fraction
/// (modified Lentz), using the symmetry `I_x(a,b) = 1 − I_{1−x}(b,a)` where it converges
/// faster.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    incomplete_beta_with(a, b, x, ln_beta_front(a, b))
}

/// [`incomplete_beta`] for `0 < x < 1` with [`ln_beta_front`]`(a, b)` given.
fn incomplete_beta_with(a: f64, b: f64, x: f64, lbeta: f64) -> f64 {
    let ln_front = lbeta + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine coefficients: ~1e-15 relative).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// E-Divisive over one window, with the 2-D prefix sums of `|xᵢ − xⱼ|` kept between calls
/// so that a window costs O(w²) per candidate search and allocates once, and the
/// coefficients of `Q`, which depend on the two sides' lengths only, computed once per
/// thread rather than three divisions per cell.
#[derive(Default)]
struct Detector {
    /// `(w+1)×(w+1)` prefix sums: `p[a][b] = Σ_{i<a, j<b} |xᵢ − xⱼ|`.
    prefix: Vec<f64>,
    /// The same, transposed: `prefix_t[b][a] = p[a][b]` (not `p[b][a]`: the sums are
    /// taken in another order there, so the two differ in the last bits).
    prefix_t: Vec<f64>,
    width: usize,
    /// Stride of the tables below: they hold lengths `0..coef`.
    coef: usize,
    /// `2 / k` by `k = m + n`.
    c_cross: Vec<f64>,
    /// `2m / ((m+n)(n−1))` at `[n·coef + m]`.
    c_x: Vec<f64>,
    /// `2n / ((m+n)(m−1))` at `[n·coef + m]`.
    c_y: Vec<f64>,
    /// `p[k][k]` by `k`.
    diag: Vec<f64>,
    /// The instructions that compute `Q` (the widest the machine has).
    lanes: Lanes,
    /// The t-test's critical values for the threshold being run.
    critical: Critical,
    /// [`Detector::run`]'s best split by interval `(s, e, τ, Q)`, its buffer kept.
    cached: Vec<(usize, usize, usize, f64)>,
}

/// Which instructions compute the cells of `Q` (see [`Rows`]). Every kind computes each
/// cell with the same operations in the same order as the scalar code (no fused
/// multiply-add, no reassociation): only the maximum over a row's cells is taken several
/// cells at a time, and a maximum does not depend on the order it is taken in. So every
/// kind gives the same change points and the same numbers, on any machine
/// (`issue14_lanes_*` tests pin this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lanes {
    /// Portable Rust, four independent maxima: the reference the tests hold the others
    /// to, and the code on machines without one of the kinds below.
    #[cfg_attr(
        all(not(test), any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    Scalar,
    /// SSE2 (part of every x86-64): two cells per instruction.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// AVX2, detected at run time: four cells per instruction.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// NEON (part of every AArch64): two cells per instruction.
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Lanes {
    /// The widest kind this machine has.
    fn best() -> Lanes {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                Lanes::Avx2
            } else {
                Lanes::Sse2
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            Lanes::Neon
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            Lanes::Scalar
        }
    }

    /// Every kind this machine can run (for the tests that compare them).
    #[cfg(test)]
    fn available() -> Vec<Lanes> {
        #[allow(unused_mut)]
        let mut all = vec![Lanes::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            all.push(Lanes::Sse2);
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Lanes::Avx2);
            }
        }
        #[cfg(target_arch = "aarch64")]
        all.push(Lanes::Neon);
        all
    }
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes::best()
    }
}

/// One row of `Q` (a split `τ`, every end `κ ≥ τ + 2`): where the `len` values of each
/// table its cells read start. Pointers, not slices: a row is a few dozen cells, and
/// checking seven slices' bounds per row cost as much as the row's vector arithmetic;
/// [`Detector::candidate_in`] checks the bounds of every row of a search once.
#[derive(Clone, Copy)]
struct Rows {
    rt: *const f64,
    rs: *const f64,
    dg: *const f64,
    ct: *const f64,
    cc: *const f64,
    cx: *const f64,
    cy: *const f64,
    len: usize,
}

/// The cells `i..i + lanes` of a row of `Q`, with vector intrinsics `$sub`, `$add`, `$mul`
/// and loads `$ld`: the operations of [`Rows::cell`], in its order, one lane per cell.
macro_rules! q_cells {
    ($r:expr, $i:expr, $wx:expr, $v:expr, $ld:ident, $sub:ident, $add:ident, $mul:ident) => {{
        let (r, i) = ($r, $i);
        let (tt, st, within_x, half) = $v;
        let rt = $ld(r.rt.add(i));
        let cross = $add($sub($sub(rt, $ld(r.rs.add(i))), tt), st);
        let within_y = $mul(
            $add($sub($sub($ld(r.dg.add(i)), rt), $ld(r.ct.add(i))), tt),
            half,
        );
        let q = $mul($ld(r.cc.add(i)), cross);
        let q = if $wx {
            $sub(q, $mul($ld(r.cx.add(i)), within_x))
        } else {
            q
        };
        $sub(q, $mul($ld(r.cy.add(i)), within_y))
    }};
}

/// The maximum of a row's cells, `$lanes` at a time with one instruction set's vector
/// operations (the widths differ, the loop does not): every full vector of cells, then
/// the vector that ends at the row's end for the rest (a few cells again: a maximum does
/// not mind). `|$q, $acc| $max` folds one vector of cells into the accumulator; the
/// caller reduces the lanes. The row has at least `$lanes` cells.
macro_rules! max_q_lanes {
    ($r:expr, $wx:expr, $lanes:expr, ($tt:expr, $st:expr, $within_x:expr),
     $splat:ident, $ld:ident, $sub:ident, $add:ident, $mul:ident,
     |$q:ident, $acc:ident| $max:expr) => {{
        let r = $r;
        let len = r.len;
        let v = ($splat($tt), $splat($st), $splat($within_x), $splat(0.5));
        let mut $acc = $splat(f64::NEG_INFINITY);
        let mut i = 0;
        while i + $lanes <= len {
            let $q = q_cells!(r, i, $wx, v, $ld, $sub, $add, $mul);
            $acc = $max;
            i += $lanes;
        }
        if i < len {
            let $q = q_cells!(r, len - $lanes, $wx, v, $ld, $sub, $add, $mul);
            $acc = $max;
        }
        $acc
    }};
}

/// The methods of [`Rows`] read `0..len` from each of its pointers.
///
/// # Safety (every method)
/// Each pointer of the row is valid for `len` reads.
impl Rows {
    /// Cell `i < len` of the row (`/ 2.0` is `* 0.5` in the vector code, the same number:
    /// both are exact halvings rounded once).
    #[inline(always)]
    unsafe fn cell<const WX: bool>(&self, i: usize, p_tt: f64, p_st: f64, within_x: f64) -> f64 {
        // SAFETY: `i < len` (the caller's) and the pointers hold `len` values (the type's).
        let at = |t: *const f64| unsafe { *t.add(i) };
        let rt = at(self.rt);
        let cross = rt - at(self.rs) - p_tt + p_st;
        let within_y = (at(self.dg) - rt - at(self.ct) + p_tt) / 2.0;
        if WX {
            at(self.cc) * cross - at(self.cx) * within_x - at(self.cy) * within_y
        } else {
            at(self.cc) * cross - at(self.cy) * within_y
        }
    }

    /// The row's largest `Q` (`-∞` when every cell is NaN), `WX` when the left side has
    /// more than one value (a `within_x` term), computed with `lanes`. `f64::max` skips a
    /// NaN as `q > best` does, and the maximum does not depend on the order it is taken in
    /// (a ±0 tie compares the same), so it is taken several cells at a time; a row's
    /// last cells are taken with the vector ending at its end, which recomputes a few
    /// cells already seen (the same numbers: a maximum does not mind).
    #[inline(always)]
    unsafe fn max_q<const WX: bool>(
        &self,
        lanes: Lanes,
        p_tt: f64,
        p_st: f64,
        within_x: f64,
    ) -> f64 {
        // SAFETY: the row's (see the impl); SSE2 and NEON are part of x86-64 and AArch64,
        // and `Lanes::Avx2` is only chosen where the CPU has AVX2.
        unsafe {
            match lanes {
                Lanes::Scalar => self.max_q_scalar::<WX>(p_tt, p_st, within_x),
                #[cfg(target_arch = "x86_64")]
                Lanes::Sse2 => self.max_q_sse2::<WX>(p_tt, p_st, within_x),
                #[cfg(target_arch = "x86_64")]
                Lanes::Avx2 => self.max_q_avx2::<WX>(p_tt, p_st, within_x),
                #[cfg(target_arch = "aarch64")]
                Lanes::Neon => self.max_q_neon::<WX>(p_tt, p_st, within_x),
            }
        }
    }

    #[inline(always)]
    unsafe fn max_q_scalar<const WX: bool>(&self, p_tt: f64, p_st: f64, within_x: f64) -> f64 {
        let len = self.len;
        let mut acc = [f64::NEG_INFINITY; 4];
        let whole = len / 4 * 4;
        for i in (0..whole).step_by(4) {
            for (l, a) in acc.iter_mut().enumerate() {
                // SAFETY: `i + l < whole <= len`.
                *a = a.max(unsafe { self.cell::<WX>(i + l, p_tt, p_st, within_x) });
            }
        }
        for j in whole..len {
            // SAFETY: `j < len`.
            acc[0] = acc[0].max(unsafe { self.cell::<WX>(j, p_tt, p_st, within_x) });
        }
        acc[0].max(acc[1]).max(acc[2]).max(acc[3])
    }

    /// # Safety
    /// The row's (see the impl); the CPU has SSE2 (every x86-64 does).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn max_q_sse2<const WX: bool>(&self, p_tt: f64, p_st: f64, within_x: f64) -> f64 {
        use std::arch::x86_64::*;
        if self.len < 2 {
            return self.max_q_scalar::<WX>(p_tt, p_st, within_x);
        }
        // `maxpd(q, acc)` is `q > acc ? q : acc`: a NaN cell leaves `acc` as it was.
        let acc = max_q_lanes!(
            self,
            WX,
            2,
            (p_tt, p_st, within_x),
            _mm_set1_pd,
            _mm_loadu_pd,
            _mm_sub_pd,
            _mm_add_pd,
            _mm_mul_pd,
            |q, acc| _mm_max_pd(q, acc)
        );
        _mm_cvtsd_f64(_mm_max_sd(acc, _mm_unpackhi_pd(acc, acc)))
    }

    /// # Safety
    /// The row's (see the impl); the CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn max_q_avx2<const WX: bool>(&self, p_tt: f64, p_st: f64, within_x: f64) -> f64 {
        use std::arch::x86_64::*;
        if self.len < 4 {
            return self.max_q_sse2::<WX>(p_tt, p_st, within_x);
        }
        // `vmaxpd(q, acc)` is `q > acc ? q : acc`: a NaN cell leaves `acc` as it was.
        let acc = max_q_lanes!(
            self,
            WX,
            4,
            (p_tt, p_st, within_x),
            _mm256_set1_pd,
            _mm256_loadu_pd,
            _mm256_sub_pd,
            _mm256_add_pd,
            _mm256_mul_pd,
            |q, acc| _mm256_max_pd(q, acc)
        );
        let m = _mm_max_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd::<1>(acc));
        _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m)))
    }

    /// # Safety
    /// The row's (see the impl); the CPU has NEON (every AArch64 does).
    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    unsafe fn max_q_neon<const WX: bool>(&self, p_tt: f64, p_st: f64, within_x: f64) -> f64 {
        use std::arch::aarch64::*;
        if self.len < 2 {
            return self.max_q_scalar::<WX>(p_tt, p_st, within_x);
        }
        // `fmaxnm` returns the other operand when one is a NaN, as `f64::max` does.
        let acc = max_q_lanes!(
            self,
            WX,
            2,
            (p_tt, p_st, within_x),
            vdupq_n_f64,
            vld1q_f64,
            vsubq_f64,
            vaddq_f64,
            vmulq_f64,
            |q, acc| vmaxnmq_f64(acc, q)
        );
        vmaxnmvq_f64(acc)
    }
}

impl Detector {
    /// The change points (window-local indices, sorted) that E-Divisive keeps in `x` at
    /// significance `max_p`.
    /// (Into `cps`, which it clears: one buffer for all the windows of a series.)
    fn run(&mut self, x: &[f64], max_p: f64, cps: &mut Vec<usize>) {
        let w = x.len();
        self.fill(x);
        cps.clear();
        // Each interval's best split, by interval: a new point splits one interval and
        // leaves the others' candidates as they were, so only the two halves are searched
        // again (the same numbers as searching all, in the same order).
        // (Kept between windows: one allocation per thread, not one per window.)
        let mut cached = std::mem::take(&mut self.cached);
        cached.clear();
        loop {
            // Intervals between the points found so far, as Otava's `get_intervals`
            // (`boundaries(&cps, w).windows(2)`, walked without building the list).
            let mut best: Option<(usize, f64, usize, usize)> = None;
            for k in 0..=cps.len() {
                let s = if k == 0 { 0 } else { cps[k - 1] };
                let e = if k < cps.len() { cps[k] } else { w };
                if e - s <= 1 {
                    continue;
                }
                let (tau, q) = match cached.iter().find(|c| c.0 == s && c.1 == e) {
                    Some(&(_, _, tau, q)) => (tau, q),
                    None => {
                        let (tau, q) = self.candidate(s, e);
                        cached.push((s, e, tau, q));
                        (tau, q)
                    }
                };
                if best.is_none_or(|(_, bq, _, _)| q > bq) {
                    best = Some((tau, q, s, e));
                }
            }
            let Some((tau, _, s, e)) = best else { break };
            if significant(x, s, tau, e, max_p, &mut self.critical) {
                let pos = cps.partition_point(|&c| c < tau);
                cps.insert(pos, tau);
            } else {
                break;
            }
        }
        self.cached = cached;
    }

    fn fill(&mut self, x: &[f64]) {
        let w = x.len();
        if self.coef < w + 1 {
            self.tables(w + 1);
        }
        // The tables keep the stride of the widest window seen: a shorter window (the last
        // of a series) uses their top-left corner. Row 0 and column 0 are the zeros of the
        // empty sums and are never written below, so they are zeroed only when the tables
        // grow (not each time a series' last, shorter window changes the width).
        if self.width < w + 1 {
            self.width = w + 1;
            let wd = self.width;
            self.prefix.clear();
            self.prefix.resize(wd * wd, 0.0);
            self.prefix_t.clear();
            self.prefix_t.resize(wd * wd, 0.0);
        }
        let a = match self.lanes {
            // SAFETY: `Lanes::Avx2` is only chosen where the CPU has AVX2.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2 => unsafe { self.fill_blocks_avx2(x) },
            _ => 0,
        };
        self.fill_rows(x, a);
        let wd = self.width;
        self.diag.clear();
        self.diag.extend((0..=w).map(|k| self.prefix[k * wd + k]));
    }

    /// Rows `a + 1 ..= w` of the prefix tables, given the rows up to `a`.
    ///
    /// Row `a + 1` is row `a` plus the running sums of `|x_a − x_b|` over `b`. Four rows'
    /// running sums are summed side by side (four independent chains instead of one long
    /// one), each in the same order as alone, and each row's cell is the cell above plus
    /// its running sum, so the numbers are those of filling one row at a time. Each cell
    /// is also written to the transposed table, where the candidate search reads the
    /// columns as rows.
    fn fill_rows(&mut self, x: &[f64], mut a: usize) {
        let w = x.len();
        let wd = self.width;
        while a < w {
            let k = (w - a).min(4);
            let mut acc = [0.0f64; 4];
            let xa = [
                x[a],
                x[(a + 1).min(w - 1)],
                x[(a + 2).min(w - 1)],
                x[(a + 3).min(w - 1)],
            ];
            let block = &mut self.prefix[a * wd..(a + k + 1) * wd];
            let pt = &mut self.prefix_t[..];
            if k == 4 {
                let (r0, rest) = block.split_at_mut(wd);
                let (r1, rest) = rest.split_at_mut(wd);
                let (r2, rest) = rest.split_at_mut(wd);
                let (r3, r4) = rest.split_at_mut(wd);
                let cells = x
                    .iter()
                    .zip(&r0[1..])
                    .zip(&mut r1[1..])
                    .zip(&mut r2[1..])
                    .zip(&mut r3[1..])
                    .zip(&mut r4[1..])
                    .zip(pt[wd..].chunks_exact_mut(wd));
                for ((((((&xb, &up), c1), c2), c3), c4), t) in cells {
                    for r in 0..4 {
                        acc[r] += (xa[r] - xb).abs();
                    }
                    let u1 = up + acc[0];
                    let u2 = u1 + acc[1];
                    let u3 = u2 + acc[2];
                    let u4 = u3 + acc[3];
                    (*c1, *c2, *c3, *c4) = (u1, u2, u3, u4);
                    t[a + 1..a + 5].copy_from_slice(&[u1, u2, u3, u4]);
                }
            } else {
                for (b, &xb) in x.iter().enumerate() {
                    for r in 0..4 {
                        acc[r] += (xa[r] - xb).abs();
                    }
                    let mut up = block[b + 1];
                    for (r, &sum) in acc.iter().enumerate().take(k) {
                        up += sum;
                        block[(r + 1) * wd + b + 1] = up;
                        pt[(b + 1) * wd + a + r + 1] = up;
                    }
                }
            }
            a += k;
        }
    }

    /// [`Detector::fill_rows`] for whole blocks of four rows with AVX2; returns the rows
    /// filled (a multiple of four). The same operations in the same order per cell: the
    /// four rows' running sums are one vector (one lane a row, as the scalar code's
    /// `acc`), and a 4×4 block of them is transposed so that the sums down the rows
    /// (`u1 = up + acc[0]`, `u2 = u1 + acc[1]`, …) are taken four columns at a time; the
    /// block is transposed back for the transposed table.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fill_blocks_avx2(&mut self, x: &[f64]) -> usize {
        use std::arch::x86_64::*;
        #[inline(always)]
        unsafe fn transpose(v: [__m256d; 4]) -> [__m256d; 4] {
            unsafe {
                let t0 = _mm256_unpacklo_pd(v[0], v[1]);
                let t1 = _mm256_unpackhi_pd(v[0], v[1]);
                let t2 = _mm256_unpacklo_pd(v[2], v[3]);
                let t3 = _mm256_unpackhi_pd(v[2], v[3]);
                [
                    _mm256_permute2f128_pd::<0x20>(t0, t2),
                    _mm256_permute2f128_pd::<0x20>(t1, t3),
                    _mm256_permute2f128_pd::<0x31>(t0, t2),
                    _mm256_permute2f128_pd::<0x31>(t1, t3),
                ]
            }
        }
        let w = x.len();
        let wd = self.width;
        let rows = w / 4 * 4;
        let cols = w / 4 * 4;
        assert!(w < wd && self.prefix.len() >= wd * wd && self.prefix_t.len() >= wd * wd);
        let p = self.prefix.as_mut_ptr();
        let pt = self.prefix_t.as_mut_ptr();
        let abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
        let mut a = 0;
        // SAFETY (the pointer arithmetic below): every row and column index is at most
        // `w < wd`, and both tables hold `wd × wd` cells (asserted above).
        unsafe {
            while a < rows {
                let xa = _mm256_loadu_pd(x.as_ptr().add(a));
                let mut acc = _mm256_setzero_pd();
                let mut b = 0;
                while b < cols {
                    let mut sums = [acc; 4];
                    for (j, s) in sums.iter_mut().enumerate() {
                        let xb = _mm256_set1_pd(*x.get_unchecked(b + j));
                        acc = _mm256_add_pd(acc, _mm256_and_pd(_mm256_sub_pd(xa, xb), abs_mask));
                        *s = acc;
                    }
                    let by_row = transpose(sums);
                    let mut up = _mm256_loadu_pd(p.add(a * wd + b + 1));
                    let mut cells = [up; 4];
                    for r in 0..4 {
                        up = _mm256_add_pd(up, by_row[r]);
                        _mm256_storeu_pd(p.add((a + r + 1) * wd + b + 1), up);
                        cells[r] = up;
                    }
                    let by_col = transpose(cells);
                    for (j, c) in by_col.iter().enumerate() {
                        _mm256_storeu_pd(pt.add((b + j + 1) * wd + a + 1), *c);
                    }
                    b += 4;
                }
                // The last columns, one at a time as the scalar code does.
                let mut s = [0.0f64; 4];
                _mm256_storeu_pd(s.as_mut_ptr(), acc);
                for b in cols..w {
                    let xb = *x.get_unchecked(b);
                    let mut up = *p.add(a * wd + b + 1);
                    for (r, sum) in s.iter_mut().enumerate() {
                        *sum += (*x.get_unchecked(a + r) - xb).abs();
                        up += *sum;
                        *p.add((a + r + 1) * wd + b + 1) = up;
                        *pt.add((b + 1) * wd + a + r + 1) = up;
                    }
                }
                a += 4;
            }
        }
        rows
    }

    /// The coefficient tables for side lengths below `len`, with the very expressions (and
    /// so the very numbers) `Q` would compute.
    fn tables(&mut self, len: usize) {
        self.coef = len;
        self.c_cross = (0..2 * len).map(|k| 2.0 / k as f64).collect();
        self.c_x = vec![0.0; len * len];
        self.c_y = vec![0.0; len * len];
        for n in 1..len {
            for m in 1..len {
                let (nf, mf) = (n as f64, m as f64);
                self.c_x[n * len + m] = 2.0 * mf / ((mf + nf) * (nf - 1.0));
                self.c_y[n * len + m] = 2.0 * nf / ((mf + nf) * (mf - 1.0));
            }
        }
    }

    /// The split `τ` in `(s, e)` that maximises `Q` over all ends `κ ∈ (τ, e]`, and that
    /// maximum. Scans as numpy's `argmax` scans Otava's `(τ, κ)` matrix: row by row, with
    /// the cells where `κ ≤ τ` holding 0, keeping the first maximum.
    fn candidate(&mut self, s: usize, e: usize) -> (usize, f64) {
        match self.lanes {
            // SAFETY: `Lanes::Avx2` is only chosen where the CPU has AVX2.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2 => unsafe { self.candidate_avx2(s, e) },
            lanes => self.candidate_in(lanes, s, e),
        }
    }

    /// [`Detector::candidate`] compiled for AVX2, so that the rows' AVX2 code is inlined.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn candidate_avx2(&mut self, s: usize, e: usize) -> (usize, f64) {
        self.candidate_in(Lanes::Avx2, s, e)
    }

    #[inline(always)]
    fn candidate_in(&mut self, lanes: Lanes, s: usize, e: usize) -> (usize, f64) {
        let Detector {
            prefix,
            prefix_t,
            width,
            coef,
            c_cross,
            c_x,
            c_y,
            diag,
            ..
        } = &*self;
        let (wd, coef) = (*width, *coef);
        // The bounds of every row's reads below (see the SAFETY note there).
        assert!(
            s < e
                && e < wd
                && e - s < coef
                && prefix.len() >= wd * wd
                && prefix_t.len() >= wd * wd
                && diag.len() > e
                && c_cross.len() >= 2 * coef
                && c_x.len() >= coef * coef
                && c_y.len() >= coef * coef
        );
        let (p, pt, dg) = (prefix.as_ptr(), prefix_t.as_ptr(), diag.as_ptr());
        let (cc, cx, cy) = (c_cross.as_ptr(), c_x.as_ptr(), c_y.as_ptr());
        let mut best_tau = s + 1;
        let mut best_q = f64::NEG_INFINITY;
        for tau in s + 1..e {
            // The row's cells with `κ ≤ τ` (from `κ = s + 2`) hold 0 and come before the
            // others in the scan, so they amount to one comparison with 0: the first of
            // them would win exactly when 0 beats everything before it.
            if tau >= s + 2 && 0.0 > best_q {
                best_q = 0.0;
                best_tau = tau;
            }
            let n = tau - s;
            // The row's largest `Q` decides against the rows before it at once: which cell
            // of the row holds it does not matter, only the row (`τ`). `f64::max` skips a
            // NaN as `q > best` does, and the maximum does not depend on the order it is
            // taken in (a ±0 tie compares the same), so it is taken over several lanes.
            //
            // `rect(s, τ, s, τ)`, `rect(s, τ, τ, κ)` and `rect(τ, κ, τ, κ)` are spelled out
            // over the rows `s` and `τ`, the column `τ` and the diagonal, in the same order
            // of operations, and the coefficients come from the tables: the same numbers
            // as the formula.
            //
            // SAFETY: every index below is within the bounds asserted above: rows and
            // columns of the prefix tables and the diagonal are at most `e < wd`;
            // `c_cross` is read at `κ − s ≤ e − s < coef ≤ 2·coef`; `c_x` and `c_y` at
            // `n·coef + m` with `m ≤ e − τ < coef` and `n < coef`. A row's `Rows` has
            // `e + 1 − lo` values behind each pointer.
            let row_best = unsafe {
                let at = |t: *const f64, i: usize| *t.add(i);
                let (row_s, row_t) = (p.add(s * wd), p.add(tau * wd));
                let (p_st, p_tt) = (at(row_s, tau), at(row_t, tau));
                let within_x = (p_tt - p_st - at(row_t, s) + at(row_s, s)) / 2.0;
                // κ = τ + 1 (m = 1, no `within_y` term).
                let k = tau + 1;
                let cross = at(row_t, k) - at(row_s, k) - p_tt + p_st;
                let mut q = at(cc, k - s) * cross;
                if n > 1 {
                    q -= at(cx, n * coef + 1) * within_x;
                }
                let mut row_best = f64::NEG_INFINITY.max(q);
                // κ in τ+2 ..= e (m ≥ 2), as straight-line arithmetic.
                let lo = tau + 2;
                if lo <= e {
                    let rows = Rows {
                        rt: row_t.add(lo),
                        rs: row_s.add(lo),
                        dg: dg.add(lo),
                        ct: pt.add(tau * wd + lo),
                        cc: cc.add(lo - s),
                        cx: cx.add(n * coef + 2),
                        cy: cy.add(n * coef + 2),
                        len: e + 1 - lo,
                    };
                    let m = if n > 1 {
                        rows.max_q::<true>(lanes, p_tt, p_st, within_x)
                    } else {
                        rows.max_q::<false>(lanes, p_tt, p_st, within_x)
                    };
                    row_best = row_best.max(m);
                }
                row_best
            };
            if row_best > best_q {
                best_q = row_best;
                best_tau = tau;
            }
        }
        (best_tau, best_q)
    }
}

/// One metric's change points over the history, with the runs they start at.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricChanges {
    /// How many runs of the history have this metric (the length of its series).
    pub runs: usize,
    /// Its change points, oldest first.
    pub change_points: Vec<RunChange>,
}

/// A change point placed in the history: the run that starts the new segment.
#[derive(Debug, Clone, PartialEq)]
pub struct RunChange {
    /// The detector's numbers; `index` is the position in this metric's series.
    pub point: ChangePoint,
    /// Commit of the first run after the change.
    pub commit: Option<String>,
    /// Branch of that run.
    pub branch: Option<String>,
    /// Timestamp of that run.
    pub timestamp: String,
}

/// A key's series slot before its first value, and for keys the patterns leave out.
const NO_SLOT: u32 = u32::MAX;
const SKIPPED: u32 = u32::MAX - 1;

/// One metric's history, newest first while it is gathered, oldest first once finished
/// ([`HistorySeries::finish`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    /// The run of each value: counted from the newest while gathering, then the position
    /// in the history (oldest = 0).
    pub runs: Vec<u32>,
    /// The values.
    pub values: Vec<f64>,
    /// `(index in this series, samples)` of the runs that stored samples (only with
    /// [`HistorySeries::with_info`]).
    pub samples: Vec<(u32, Vec<f64>)>,
    /// The unit of the newest run that has one (with `with_info`).
    pub unit: Option<crate::units::Unit>,
    /// The direction of the newest run that has one (with `with_info`).
    pub direction: Option<crate::schema::Direction>,
}

/// Gathers the series of a history one run at a time, newest first (as the store reads
/// its file backwards), keeping only numbers and each run's metadata, so a history of
/// 1,000 runs × 10,000 metrics never sits in memory as snapshots.
///
/// It is a [`HistorySink`](crate::store::HistorySink): given a run's stored text it reads
/// it itself (crate::history_de), finding each value's series by the key at the same
/// position in the previous run — one string comparison, no hashing, no allocation — and
/// by one hash look-up where the order changed. A value's series gets the value only once
/// the whole document read cleanly.
pub struct HistorySeries {
    patterns: Vec<String>,
    info: bool,
    runs: Vec<crate::schema::Metadata>,
    /// Every key met → its id.
    ids: std::collections::HashMap<String, u32, foldhash::fast::FixedState>,
    /// Per id: the flat key, its series slot (or `NO_SLOT`/`SKIPPED`), and the last run
    /// that gave it a value (+1; a second value in one run is a duplicate key).
    names: Vec<String>,
    slots: Vec<u32>,
    stamps: Vec<u32>,
    /// The ids of the last document read, in its order.
    order: Vec<u32>,
    /// The values of the document being read: (id, value).
    pending: Vec<(u32, f64)>,
    series: Vec<Column>,
    /// Per slot, its key's id.
    slot_ids: Vec<u32>,
    key_buf: String,
    /// How many runs this reader expects (0: unknown), to size new columns.
    expect: usize,
}

/// Values a [`HistorySeries`] pre-sizes its columns for at most (32 MB).
const PRESIZE_VALUES: usize = 4 << 20;

impl HistorySeries {
    /// Keeps metrics whose key matches one of `patterns` (all when empty).
    pub fn new(patterns: &[String]) -> HistorySeries {
        HistorySeries {
            patterns: patterns.to_vec(),
            info: false,
            runs: Vec::new(),
            ids: Default::default(),
            names: Vec::new(),
            slots: Vec::new(),
            stamps: Vec::new(),
            order: Vec::new(),
            pending: Vec::new(),
            series: Vec::new(),
            slot_ids: Vec::new(),
            key_buf: String::new(),
            expect: 0,
        }
    }

    /// Also keeps each metric's samples, unit and direction (`metric_info`).
    pub fn with_info(mut self) -> HistorySeries {
        self.info = true;
        self
    }

    /// How many runs were pushed.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The id of flat key `key` (made on first sight, when the patterns are matched, once).
    fn id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let keep = self.patterns.is_empty()
            || self
                .patterns
                .iter()
                .any(|p| crate::config::glob_match(p, key));
        let id = self.names.len() as u32;
        self.ids.insert(key.to_string(), id);
        self.names.push(key.to_string());
        self.slots.push(if keep { NO_SLOT } else { SKIPPED });
        self.stamps.push(0);
        id
    }

    /// Notes value `v` of key `id` for the run being read; `false` on a second value.
    // Inlined into the metrics loop (issue 14: ~16 instructions a value of call overhead).
    #[inline(always)]
    fn note(&mut self, pos: usize, id: u32, v: f64) -> bool {
        let run = self.runs.len() as u32 + 1;
        let stamp = &mut self.stamps[id as usize];
        if *stamp == run {
            return false;
        }
        *stamp = run;
        if pos < self.order.len() {
            self.order[pos] = id;
        } else {
            self.order.push(id);
        }
        if self.slots[id as usize] != SKIPPED && v.is_finite() {
            self.pending.push((id, v));
        }
        true
    }

    /// Appends the run's noted values to their series, and the run.
    fn commit(
        &mut self,
        metadata: crate::schema::Metadata,
        metric_info: impl IntoIterator<Item = (String, crate::schema::MetricInfo)>,
    ) {
        let run = self.runs.len() as u32;
        for &(id, v) in &self.pending {
            let slot = &mut self.slots[id as usize];
            if *slot == NO_SLOT {
                *slot = self.series.len() as u32;
                // Sized for the runs still to come in this share (bounded, for a history
                // of many short-lived names): no regrowing of 10,000 columns.
                let cap = if (self.series.len() + 1) * self.expect <= PRESIZE_VALUES {
                    self.expect
                } else {
                    0
                };
                self.series.push(Column {
                    runs: Vec::with_capacity(cap),
                    values: Vec::with_capacity(cap),
                    ..Column::default()
                });
                self.slot_ids.push(id);
            }
            let c = &mut self.series[*slot as usize];
            c.runs.push(run);
            c.values.push(v);
        }
        self.pending.clear();
        if self.info {
            // Samples, unit and direction of the metrics this run has: the newest wins.
            for (k, info) in metric_info {
                let Some(&id) = self.ids.get(&k) else {
                    continue;
                };
                let slot = self.slots[id as usize];
                if slot == NO_SLOT || slot == SKIPPED {
                    continue;
                }
                let c = &mut self.series[slot as usize];
                if c.runs.last() != Some(&run) {
                    continue;
                }
                if !info.samples.is_empty() {
                    let at = c.values.len() as u32 - 1;
                    c.samples.push((at, info.samples));
                }
                if c.unit.is_none() {
                    c.unit = info.unit;
                }
                if c.direction.is_none() {
                    c.direction = info.direction;
                }
            }
        }
        self.runs.push(metadata);
    }

    /// Adds the next older run.
    pub fn push_older(&mut self, snap: crate::schema::Snapshot) {
        self.pending.clear();
        let mut n = 0;
        for (pos, (k, v)) in snap.flat().enumerate() {
            let id = self.id(k);
            // Keys of a snapshot are unique.
            let _ = self.note(pos, id, v);
            n = pos + 1;
        }
        self.order.truncate(n);
        let infos = snap.metrics.into_infos();
        self.commit(snap.metadata, infos);
    }

    /// Adds the next older run from its stored text when it is a clean document (see
    /// crate::history_de); `false` (nothing added) otherwise.
    pub fn push_older_text(&mut self, text: &str) -> bool {
        self.pending.clear();
        let mut sink = TextSink { h: self };
        match crate::history_de::parse(text, &mut sink) {
            Some(p) => {
                self.order.truncate(p.count);
                self.commit(p.metadata, p.metric_info);
                true
            }
            None => {
                self.forget_pending();
                false
            }
        }
    }

    /// Drops the values noted for the run being read.
    fn forget_pending(&mut self) {
        self.pending.clear();
        // A document given up half-way may have stamped ids with this run.
        let run = self.runs.len() as u32 + 1;
        for s in &mut self.stamps {
            if *s == run {
                *s = 0;
            }
        }
    }

    /// The runs' metadata (oldest first) and every kept metric's series (oldest first),
    /// keys in byte order. A metric missing from some runs has a shorter series: the gaps
    /// are skipped, not filled.
    pub fn finish(self) -> (Vec<crate::schema::Metadata>, Vec<(String, Column)>) {
        let HistorySeries {
            mut runs,
            mut names,
            series,
            slot_ids,
            ..
        } = self;
        runs.reverse();
        let total = runs.len() as u32;
        let mut out: Vec<(String, Column)> = slot_ids
            .into_iter()
            .zip(series)
            .map(|(id, mut c)| {
                c.runs.reverse();
                for r in &mut c.runs {
                    *r = total - 1 - *r;
                }
                c.values.reverse();
                let n = c.values.len() as u32;
                for (at, _) in &mut c.samples {
                    *at = n - 1 - *at;
                }
                c.samples.reverse();
                (std::mem::take(&mut names[id as usize]), c)
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        (runs, out)
    }

    /// The change points of every kept metric, keys in byte order. A metric missing from
    /// some runs has a shorter series: the gaps are skipped, not filled. The series are
    /// independent, so they are spread over the machine's cores; the result does not depend
    /// on how many there are.
    pub fn changes(self, cfg: &ChangeConfig) -> std::collections::BTreeMap<String, MetricChanges> {
        let (runs, series) = self.finish();
        let found: Vec<Vec<ChangePoint>> =
            parallel_map(&series, |(_, c)| change_points(&c.values, cfg));
        series
            .into_iter()
            .zip(found)
            .map(|((key, c), cps)| {
                let change_points = cps
                    .into_iter()
                    .map(|point| {
                        let meta = &runs[c.runs[point.index] as usize];
                        RunChange {
                            point,
                            commit: meta.commit.clone(),
                            branch: meta.branch.clone(),
                            timestamp: meta.timestamp.clone(),
                        }
                    })
                    .collect();
                (
                    key,
                    MetricChanges {
                        runs: c.values.len(),
                        change_points,
                    },
                )
            })
            .collect()
    }
}

impl crate::store::HistorySink for HistorySeries {
    fn text(&mut self, text: &str) -> bool {
        self.push_older_text(text)
    }

    fn snapshot(&mut self, snap: crate::schema::Snapshot) {
        self.push_older(snap)
    }

    /// On all cores: each reads a contiguous share of the runs into a series of its own,
    /// and the shares are appended in order, so the result is the one-at-a-time result
    /// (texts the fast path does not take are read the ordinary way here, in order).
    fn texts(
        &mut self,
        texts: &[&str],
        ordinary: &mut dyn FnMut(usize) -> Option<crate::schema::Snapshot>,
    ) {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(16);
        if threads <= 1 || texts.len() < 2 * threads {
            for (i, t) in texts.iter().enumerate() {
                if !self.push_older_text(t) {
                    if let Some(s) = ordinary(i) {
                        self.push_older(s);
                    }
                }
            }
            return;
        }
        let share = texts.len().div_ceil(threads);
        let (patterns, info) = (&self.patterns, self.info);
        let parts: Vec<Vec<Part>> = std::thread::scope(|scope| {
            let handles: Vec<_> = texts
                .chunks(share)
                .enumerate()
                .map(|(c, chunk)| {
                    scope.spawn(move || {
                        let fresh = || {
                            let h = HistorySeries::new(patterns);
                            if info {
                                h.with_info()
                            } else {
                                h
                            }
                        };
                        let mut out = Vec::new();
                        let mut h = fresh();
                        h.expect = chunk.len();
                        for (i, t) in chunk.iter().enumerate() {
                            if !h.push_older_text(t) {
                                out.push(Part::Read(Box::new(std::mem::replace(&mut h, fresh()))));
                                out.push(Part::Ordinary(c * share + i));
                            }
                        }
                        out.push(Part::Read(Box::new(h)));
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("history reader panicked"))
                .collect()
        });
        for part in parts.into_iter().flatten() {
            match part {
                Part::Read(h) => self.append(*h),
                Part::Ordinary(i) => {
                    if let Some(s) = ordinary(i) {
                        self.push_older(s);
                    }
                }
            }
        }
    }
}

/// A share of [`HistorySeries::texts`]: runs read, or one text for the ordinary path.
enum Part {
    Read(Box<HistorySeries>),
    Ordinary(usize),
}

impl HistorySeries {
    /// Appends `older`, the runs just older than this one's (same patterns and options).
    fn append(&mut self, older: HistorySeries) {
        if self.runs.is_empty() && self.names.is_empty() {
            // Nothing read yet (the first share of the first batch): take it whole.
            *self = HistorySeries { expect: 0, ..older };
            return;
        }
        let base = self.runs.len() as u32;
        let HistorySeries {
            runs,
            names,
            series,
            slot_ids,
            ..
        } = older;
        for (id_o, c) in slot_ids.into_iter().zip(series) {
            let id = self.id(&names[id_o as usize]);
            let slot = match self.slots[id as usize] {
                SKIPPED => continue,
                NO_SLOT => {
                    let slot = self.series.len() as u32;
                    self.slots[id as usize] = slot;
                    self.series.push(Column::default());
                    self.slot_ids.push(id);
                    slot
                }
                slot => slot,
            };
            let dst = &mut self.series[slot as usize];
            let shift = dst.values.len() as u32;
            dst.runs.extend(c.runs.iter().map(|r| r + base));
            dst.values.extend_from_slice(&c.values);
            dst.samples
                .extend(c.samples.into_iter().map(|(at, xs)| (at + shift, xs)));
            if dst.unit.is_none() {
                dst.unit = c.unit;
            }
            if dst.direction.is_none() {
                dst.direction = c.direction;
            }
        }
        self.runs.extend(runs);
    }
}

/// The fast path's view of a [`HistorySeries`]: `custom.<name>` → its id, by the previous
/// run's key at the same position when it is the same name.
struct TextSink<'a> {
    h: &'a mut HistorySeries,
}

impl crate::history_de::CustomSink for TextSink<'_> {
    #[inline(always)]
    fn value(&mut self, pos: usize, name: &str, value: f64) -> bool {
        let h = &mut *self.h;
        let id = match h.order.get(pos) {
            Some(&id) if is_custom(&h.names[id as usize], name) => id,
            _ => {
                let mut key = std::mem::take(&mut h.key_buf);
                key.clear();
                key.push_str("custom.");
                key.push_str(name);
                let id = h.id(&key);
                h.key_buf = key;
                id
            }
        };
        h.note(pos, id, value)
    }

    fn reset(&mut self) {
        self.h.forget_pending();
    }
}

/// `full == "custom." + name`, compared eight bytes at a time: the names are short (a
/// dozen bytes), and a call to `memcmp` per value was a twentieth of the reader (issue 14).
#[inline(always)]
fn is_custom(full: &str, name: &str) -> bool {
    let (f, n) = (full.as_bytes(), name.as_bytes());
    if f.len() != 7 + n.len() {
        return false;
    }
    if n.len() < 8 {
        // Short names (none in the benchmark's store): the slices' own comparison.
        return f[..7] == *b"custom." && f[7..] == *n;
    }
    // Whole words only (iterator loops here were not unrolled and cost more than the
    // call): the prefix with the name's first byte, the rest eight at a time, the last
    // word overlapping the one before.
    let w = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8"));
    if w(f, 0) != u64::from_le_bytes(*b"custom.\0") | (n[0] as u64) << 56 {
        return false;
    }
    let mut j = 1;
    while j + 8 <= n.len() {
        if w(f, 7 + j) != w(n, j) {
            return false;
        }
        j += 8;
    }
    j == n.len() || w(f, f.len() - 8) == w(n, n.len() - 8)
}

/// `items.map(f)` on all cores, in order. The items are handed out in blocks of 32 as the
/// workers ask for them, not as one share per core: series differ in length and the cores
/// of a shared runner in speed, and with fixed shares the whole waited for the slowest.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const BLOCK: usize = 32;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let blocks: Vec<&[T]> = items.chunks(BLOCK).collect();
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(blocks.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(part) = blocks.get(b) else { break };
                        out.push((b, part.iter().map(&f).collect::<Vec<R>>()));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("change-point worker panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|(b, _)| *b);
    done.into_iter().flat_map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ChangeConfig {
        ChangeConfig::default()
    }

    /// A deterministic pseudo-random noise in [-1, 1) (xorshift), so the tests need no crate.
    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    #[test]
    fn issue14_parallel_map_keeps_the_order_whatever_finishes_first() {
        // Blocks of very different cost, so the workers finish them out of order.
        let items: Vec<u64> = (0..1000).collect();
        let f = |i: &u64| {
            let spin = if i % 97 < 5 { 20_000 } else { 10 };
            (0..spin).fold(*i, |a, k| {
                a.wrapping_mul(6364136223846793005).wrapping_add(k)
            })
        };
        let expect: Vec<u64> = items.iter().map(f).collect();
        assert_eq!(parallel_map(&items, f), expect);
        assert_eq!(parallel_map(&items[..63], f), expect[..63]);
        assert_eq!(parallel_map(&items[..65], f), expect[..65]);
    }

    #[test]
    fn a_clean_step_is_found_at_the_first_run_after_it() {
        let mut x: Vec<f64> = noise(1, 60).iter().map(|e| 100.0 + e).collect();
        for v in &mut x[30..] {
            *v += 20.0;
        }
        let cps = change_points(&x, &cfg());
        assert_eq!(cps.iter().map(|c| c.index).collect::<Vec<_>>(), vec![30]);
        let cp = cps[0];
        assert!((cp.before - 100.0).abs() < 0.5, "{cp:?}");
        assert!((cp.after - 120.0).abs() < 0.5, "{cp:?}");
        assert!(cp.p_value < 1e-10);
        assert!((cp.forward_change() - 0.2).abs() < 0.01);
    }

    #[test]
    fn noise_alone_rarely_has_a_change_point() {
        // E-Divisive's windows test many splits, so pure noise does give a point now and
        // then (Otava finds the same ones: 2 of 20 such series in a side-by-side run); the
        // rate must stay small.
        let hits = (0..50)
            .filter(|&seed| {
                let x: Vec<f64> = noise(seed, 200).iter().map(|e| 50.0 + e).collect();
                !change_points(&x, &cfg()).is_empty()
            })
            .count();
        assert!(hits <= 12, "{hits} of 50 noise series have a change point");
    }

    #[test]
    fn two_steps_in_a_long_series_across_windows() {
        let mut x: Vec<f64> = noise(7, 300).iter().map(|e| 10.0 + 0.1 * e).collect();
        for v in &mut x[80..] {
            *v += 1.0;
        }
        for v in &mut x[210..] {
            *v -= 2.0;
        }
        let idx: Vec<usize> = change_points(&x, &cfg()).iter().map(|c| c.index).collect();
        assert_eq!(idx, vec![80, 210]);
    }

    #[test]
    fn min_magnitude_drops_small_changes() {
        let mut x: Vec<f64> = noise(3, 60).iter().map(|e| 100.0 + 0.01 * e).collect();
        for v in &mut x[30..] {
            *v += 1.0; // +1 %: significant, but below a 5 % magnitude floor
        }
        assert_eq!(change_points(&x, &cfg()).len(), 1);
        let strict = ChangeConfig {
            min_magnitude: 0.05,
            ..cfg()
        };
        assert!(change_points(&x, &strict).is_empty());
    }

    #[test]
    fn short_and_constant_series_are_quiet() {
        assert!(change_points(&[], &cfg()).is_empty());
        assert!(change_points(&[1.0], &cfg()).is_empty());
        assert!(change_points(&[1.0, 2.0], &cfg()).is_empty());
        assert!(change_points(&[5.0; 40], &cfg()).is_empty());
    }

    #[test]
    fn deterministic() {
        let mut x: Vec<f64> = noise(11, 500).iter().map(|e| 3.0 + e).collect();
        for v in &mut x[250..] {
            *v *= 1.5;
        }
        assert_eq!(change_points(&x, &cfg()), change_points(&x, &cfg()));
    }

    #[test]
    fn student_t_matches_scipy() {
        // scipy.stats.t.sf(abs(t), df) * 2
        let cases = [
            (2.0, 10.0, 0.073_388_034_770_740_39),
            (0.5, 3.0, 0.651_447_964_848_151),
            (5.0, 48.0, 8.061_665_181_471_024e-6),
            (-3.3, 7.0, 0.013_120_714_938_438_11),
            (12.0, 98.0, 6.000_153_201_837_787e-21),
            (0.0, 5.0, 1.0),
        ];
        for (t, df, want) in cases {
            let got = student_t_two_sided(t, df);
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "t={t} df={df}: {got} vs {want}"
            );
        }
    }

    /// A series with the traits that reach every branch of the cell code: steps, runs of
    /// equal values (ties of `Q`, zero distances), a constant stretch, and lengths that
    /// leave every remainder of the two- and four-cell vectors.
    fn awkward_series(seed: u64) -> Vec<f64> {
        let e = noise(seed, 3);
        let len = 2 + ((e[0] + 1.0) * 200.0) as usize;
        let mut x: Vec<f64> = noise(seed + 1000, len)
            .iter()
            .map(|v| 100.0 + 5.0 * v)
            .collect();
        let at = ((e[1] + 1.0) / 2.0 * len as f64) as usize;
        for v in &mut x[at..] {
            *v *= 1.0 + e[2] / 4.0;
        }
        if seed.is_multiple_of(3) {
            // Rounded: many equal values.
            for v in &mut x {
                *v = v.round();
            }
        }
        if seed.is_multiple_of(5) && len > 20 {
            for v in &mut x[5..15] {
                *v = 42.0;
            }
        }
        x
    }

    /// Every field of each change point, as bits: "bit-identical" compares these.
    fn bits(cps: &[ChangePoint]) -> Vec<[u64; 6]> {
        cps.iter()
            .map(|c| {
                [
                    c.index as u64,
                    c.before.to_bits(),
                    c.after.to_bits(),
                    c.std_before.to_bits(),
                    c.std_after.to_bits(),
                    c.p_value.to_bits(),
                ]
            })
            .collect()
    }

    #[test]
    fn issue14_lanes_give_bit_identical_change_points() {
        let lanes = Lanes::available();
        for seed in 0..240u64 {
            let x = awkward_series(seed);
            let cfg = ChangeConfig {
                // Windows of 2 to 70 values: rows of every length modulo 4.
                window: 2 + (seed as usize * 7) % 69,
                max_pvalue: [0.001, 0.01, 0.2][seed as usize % 3],
                min_magnitude: 0.0,
            };
            let run = |l: Lanes| {
                DETECTOR.with(|d| d.borrow_mut().lanes = l);
                change_points(&x, &cfg)
            };
            let want = run(Lanes::Scalar);
            for &l in &lanes {
                assert_eq!(bits(&run(l)), bits(&want), "{l:?}, seed {seed}");
            }
        }
        DETECTOR.with(|d| d.borrow_mut().lanes = Lanes::best());
    }

    /// The critical values decide every comparison they decide as `p_value <= max_p`
    /// does (issue 14): at and around both bounds (neighbouring floats), across the band
    /// between them and the computed p-value's own crossing, far out, and the edges (0,
    /// subnormal, huge, infinite, NaN), for thresholds from 1e-100 to 0.9 and degrees of
    /// freedom 1–130 and some far beyond.
    #[test]
    fn issue14_critical_values_decide_as_the_p_value() {
        let mut crit = Critical::default();
        let (mut decided, mut total) = (0usize, 0usize);
        let dfs: Vec<usize> = (1..=130).chain([200, 499, 1000, 4096]).collect();
        for max_p in [0.01, 0.002, 0.001, 0.02, 0.1, 0.4, 0.9, 1e-6, 1e-30, 1e-100] {
            for &df in &dfs {
                let d = df as f64;
                let (below, above) = crit.bounds(df, max_p).expect("in range");
                assert!(
                    below > 0.0 && below < above,
                    "{max_p} {df}: {below} {above}"
                );
                assert!(
                    above - below <= 2e-4 * above,
                    "{max_p} {df}: band {below}..{above}"
                );
                // The computed p-value's own crossing, to neighbouring floats.
                let (mut lo, mut hi) = (below, above);
                while f64::from_bits(lo.to_bits() + 1) < hi {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo || mid >= hi {
                        break;
                    }
                    if p_of_t(mid, d) <= max_p {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                let mut ts = vec![
                    0.0,
                    5e-324,
                    1e-300,
                    1e-10,
                    0.5,
                    1.0,
                    2.0,
                    3.0,
                    10.0,
                    1e10,
                    1e200,
                    f64::MAX,
                    f64::INFINITY,
                    f64::NAN,
                ];
                for c in [below, above, lo, hi] {
                    for k in 0..4u64 {
                        ts.push(f64::from_bits(c.to_bits() + k));
                        ts.push(f64::from_bits(c.to_bits() - k));
                    }
                }
                for k in 0..=200 {
                    ts.push(below * 0.999 + (above * 1.001 - below * 0.999) * k as f64 / 200.0);
                    ts.push(above * (k as f64 / 40.0));
                }
                for t in ts {
                    for t in [t, -t] {
                        let exact = p_of_t(t, d) <= max_p;
                        total += 1;
                        if let Some(got) = crit.decide(t, d, max_p) {
                            assert_eq!(got, exact, "t {t}, df {df}, max_p {max_p}");
                            decided += 1;
                        }
                    }
                }
            }
        }
        // Most are decided by the bounds: the band between them is narrow.
        assert!(decided * 10 > total * 8, "{decided} of {total}");
        // Thresholds outside the range, and degrees of freedom not kept, always compute.
        for max_p in [0.0, 1e-200, 0.95, 1.0, 2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(crit.decide(50.0, 10.0, max_p), None, "{max_p}");
        }
        assert_eq!(crit.decide(50.0, 10.5, 0.01), None);
        assert_eq!(crit.decide(50.0, 5000.0, 0.01), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Random `(t, df, max_p)`: what the critical values decide equals the p-value's
        /// comparison (issue 14).
        #[test]
        fn issue14_critical_values_equal_p_on_random_t(
            log_t in -6.0f64..4.0,
            df in 1usize..300,
            max_p in proptest::sample::select(vec![0.01, 0.002, 0.02, 0.4, 1e-5, 0.0013]),
        ) {
            let t = 10f64.powf(log_t);
            let exact = p_of_t(t, df as f64) <= max_p;
            let got = CRIT.with(|c| c.borrow_mut().decide(t, df as f64, max_p));
            if let Some(got) = got {
                proptest::prop_assert_eq!(got, exact);
            }
        }
    }

    thread_local! {
        static CRIT: std::cell::RefCell<Critical> = std::cell::RefCell::new(Critical::default());
    }

    /// `is_custom` is `strip_prefix("custom.") == Some(name)` at every length around the
    /// word size, for equal names, one byte off anywhere, other prefixes (issue 14).
    #[test]
    fn issue14_is_custom_is_strip_prefix() {
        for len in 0..30 {
            let name: String = (0..len)
                .map(|k| char::from(b'a' + (k % 26) as u8))
                .collect();
            let mut fulls = vec![
                format!("custom.{name}"),
                format!("custom:{name}"),
                format!("latency.{name}"),
                format!("custom.{name}x"),
                name.clone(),
                format!("custom.é{name}"),
            ];
            for k in 0..len as usize {
                let mut b = format!("custom.{name}").into_bytes();
                b[7 + k] = b'_';
                fulls.push(String::from_utf8(b).unwrap());
            }
            for full in &fulls {
                let want = full.strip_prefix("custom.") == Some(name.as_str());
                assert_eq!(is_custom(full, &name), want, "{full:?} {name:?}");
            }
        }
    }

    /// The detector finds the same change points, to the bit, with the critical values as
    /// with the p-value computed for every candidate (issue 14).
    #[test]
    fn issue14_critical_values_give_bit_identical_change_points() {
        for seed in 0..240u64 {
            let mut x = awkward_series(seed);
            if seed % 2 == 1 {
                x.extend(noise(seed, 300).iter().map(|v| 100.0 + v));
            }
            let cfg = ChangeConfig {
                window: 2 + (seed as usize * 7) % 69,
                max_pvalue: [0.001, 0.01, 0.2, 0.45, 1e-6][seed as usize % 5],
                min_magnitude: 0.0,
            };
            let run = |off: bool| {
                DETECTOR.with(|d| d.borrow_mut().critical.off = off);
                bits(&change_points(&x, &cfg))
            };
            let want = run(true);
            assert_eq!(run(false), want, "seed {seed}");
        }
        DETECTOR.with(|d| d.borrow_mut().critical.off = false);
    }

    #[test]
    fn issue14_lanes_give_bit_identical_tables_and_candidates() {
        let lanes = Lanes::available();
        // A wide window first, then narrower ones: the tables keep the widest stride.
        for (i, len) in [64usize, 1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 50, 63, 17, 25]
            .into_iter()
            .enumerate()
        {
            let x = awkward_series(i as u64 * 11 + 3)
                .into_iter()
                .cycle()
                .take(len)
                .collect::<Vec<f64>>();
            let look = |l: Lanes| {
                let mut d = Detector {
                    lanes: l,
                    ..Detector::default()
                };
                // A wider window before, so that the narrow one reuses dirty tables.
                d.fill(&noise(99, 64));
                d.fill(&x);
                let wd = d.width;
                let cells = |t: &[f64]| -> Vec<u64> {
                    (0..=len)
                        .flat_map(|r| (0..=len).map(move |c| (r, c)))
                        .map(|(r, c)| t[r * wd + c].to_bits())
                        .collect()
                };
                let tables = (cells(&d.prefix), cells(&d.prefix_t));
                let mut found = Vec::new();
                for s in 0..len {
                    for e in s + 2..=len {
                        let (tau, q) = d.candidate(s, e);
                        // ±0 compare equal and are the only values that may differ in
                        // their bits (a maximum of the two is either).
                        found.push((s, e, tau, if q == 0.0 { 0 } else { q.to_bits() }));
                    }
                }
                (tables, found)
            };
            let want = look(Lanes::Scalar);
            for &l in &lanes {
                assert!(look(l) == want, "{l:?}, window of {len}");
            }
        }
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
    }
}
