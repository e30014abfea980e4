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
    let mut detector = Detector::default();
    let mut start = 0;
    while start < n {
        let end = (start + window).min(n);
        let found = detector.run(&series[start..end], max_p);
        let last = found.last().map_or(0, |&i| i + start);
        for i in found {
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
    let (a, b) = (n1 as f64, n2 as f64);
    let df = a + b - 2.0;
    let pooled = ((a - 1.0) * s1 * s1 + (b - 1.0) * s2 * s2) / df;
    let denom = (pooled * (1.0 / a + 1.0 / b)).sqrt();
    let t = (m1 - m2) / denom;
    if t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    student_t_two_sided(t, df)
}

/// `P(|T| ≥ |t|)` for Student's t with `df` degrees of freedom: `I_{df/(df+t²)}(df/2, 1/2)`.
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    incomplete_beta(df / 2.0, 0.5, x).clamp(0.0, 1.0)
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
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
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
/// so that a window costs O(w²) per candidate search and allocates once.
#[derive(Default)]
struct Detector {
    /// `(w+1)×(w+1)` prefix sums: `p[a][b] = Σ_{i<a, j<b} |xᵢ − xⱼ|`.
    prefix: Vec<f64>,
    width: usize,
}

impl Detector {
    /// The change points (window-local indices, sorted) that E-Divisive keeps in `x` at
    /// significance `max_p`.
    fn run(&mut self, x: &[f64], max_p: f64) -> Vec<usize> {
        let w = x.len();
        self.fill(x);
        let mut cps: Vec<usize> = Vec::new();
        // Each interval's best split, by interval: a new point splits one interval and
        // leaves the others' candidates as they were, so only the two halves are searched
        // again (the same numbers as searching all, in the same order).
        let mut cached: Vec<(usize, usize, usize, f64)> = Vec::new();
        loop {
            // Intervals between the points found so far, as Otava's `get_intervals`.
            let bounds = boundaries(&cps, w);
            let mut best: Option<(usize, f64, usize, usize)> = None;
            for pair in bounds.windows(2) {
                let (s, e) = (pair[0], pair[1]);
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
            let cp = segment_test(x, s, tau, e);
            if cp.p_value <= max_p {
                let pos = cps.partition_point(|&c| c < tau);
                cps.insert(pos, tau);
            } else {
                break;
            }
        }
        cps
    }

    fn fill(&mut self, x: &[f64]) {
        let w = x.len();
        self.width = w + 1;
        self.prefix.clear();
        self.prefix.resize(self.width * self.width, 0.0);
        for a in 0..w {
            let mut row = 0.0;
            for b in 0..w {
                row += (x[a] - x[b]).abs();
                let above = self.prefix[a * self.width + b + 1];
                self.prefix[(a + 1) * self.width + b + 1] = above + row;
            }
        }
    }

    /// `Σ_{i∈[a0,a1), j∈[b0,b1)} |xᵢ − xⱼ|`.
    fn rect(&self, a0: usize, a1: usize, b0: usize, b1: usize) -> f64 {
        let p = |a: usize, b: usize| self.prefix[a * self.width + b];
        p(a1, b1) - p(a0, b1) - p(a1, b0) + p(a0, b0)
    }

    /// The split `τ` in `(s, e)` that maximises `Q` over all ends `κ ∈ (τ, e]`, and that
    /// maximum. Scans as numpy's `argmax` scans Otava's `(τ, κ)` matrix: row by row, with
    /// the cells where `κ ≤ τ` holding 0, keeping the first maximum.
    fn candidate(&self, s: usize, e: usize) -> (usize, f64) {
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
            let n = (tau - s) as f64;
            let within_x = self.rect(s, tau, s, tau) / 2.0;
            // The row's largest `Q` decides against the rows before it at once: which cell
            // of the row holds it does not matter, only the row (`τ`). `f64::max` skips a
            // NaN as `q > best` does.
            let mut row_best = f64::NEG_INFINITY;
            for kappa in tau + 1..=e {
                let m = (kappa - tau) as f64;
                let cross = self.rect(s, tau, tau, kappa);
                let within_y = self.rect(tau, kappa, tau, kappa) / 2.0;
                let mut q = 2.0 / (m + n) * cross;
                if n > 1.0 {
                    q -= 2.0 * m / ((m + n) * (n - 1.0)) * within_x;
                }
                if m > 1.0 {
                    q -= 2.0 * n / ((m + n) * (m - 1.0)) * within_y;
                }
                row_best = row_best.max(q);
            }
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

/// The slot of a key that the patterns leave out.
const SKIPPED: usize = usize::MAX;

/// Gathers the series of a history one run at a time, newest first (as the store reads
/// its file backwards), keeping only numbers and each run's commit, branch and time, so a
/// history of 1,000 runs × 10,000 metrics never sits in memory as snapshots.
pub struct HistorySeries {
    patterns: Vec<String>,
    runs: Vec<crate::schema::Metadata>,
    keys: std::collections::HashMap<String, usize, foldhash::fast::FixedState>,
    /// Per key: (run number counted from the newest, value), newest first.
    series: Vec<(Vec<u32>, Vec<f64>)>,
}

impl HistorySeries {
    /// Keeps metrics whose key matches one of `patterns` (all when empty).
    pub fn new(patterns: &[String]) -> HistorySeries {
        HistorySeries {
            patterns: patterns.to_vec(),
            runs: Vec::new(),
            keys: Default::default(),
            series: Vec::new(),
        }
    }

    /// How many runs were pushed.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Adds the next older run.
    pub fn push_older(&mut self, snap: crate::schema::Snapshot) {
        let run = self.runs.len() as u32;
        for (k, v) in snap.flat() {
            if !v.is_finite() {
                continue;
            }
            // Each key is matched against the patterns once: a key left out is remembered
            // as `SKIPPED`, not matched again in every run.
            let slot = match self.keys.get(k) {
                Some(&SKIPPED) => continue,
                Some(&i) => i,
                None => {
                    if !self.patterns.is_empty()
                        && !self
                            .patterns
                            .iter()
                            .any(|p| crate::config::glob_match(p, k))
                    {
                        self.keys.insert(k.to_string(), SKIPPED);
                        continue;
                    }
                    self.keys.insert(k.to_string(), self.series.len());
                    self.series.push(Default::default());
                    self.series.len() - 1
                }
            };
            self.series[slot].0.push(run);
            self.series[slot].1.push(v);
        }
        self.runs.push(snap.metadata);
    }

    /// The change points of every kept metric, keys in byte order. A metric missing from
    /// some runs has a shorter series: the gaps are skipped, not filled. The series are
    /// independent, so they are spread over the machine's cores; the result does not depend
    /// on how many there are.
    pub fn changes(
        mut self,
        cfg: &ChangeConfig,
    ) -> std::collections::BTreeMap<String, MetricChanges> {
        for (runs, values) in &mut self.series {
            runs.reverse();
            values.reverse();
        }
        let found: Vec<Vec<ChangePoint>> =
            parallel_map(&self.series, |(_, v)| change_points(v, cfg));
        let mut out = std::collections::BTreeMap::new();
        for (key, slot) in self.keys {
            if slot == SKIPPED {
                continue;
            }
            let (runs, values) = &self.series[slot];
            let change_points = found[slot]
                .iter()
                .map(|&point| {
                    // Runs were numbered from the newest.
                    let meta = &self.runs[runs[point.index] as usize];
                    RunChange {
                        point,
                        commit: meta.commit.clone(),
                        branch: meta.branch.clone(),
                        timestamp: meta.timestamp.clone(),
                    }
                })
                .collect();
            out.insert(
                key,
                MetricChanges {
                    runs: values.len(),
                    change_points,
                },
            );
        }
        out
    }
}

/// `items.map(f)` on all cores, in order.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("change-point worker panicked"))
            .collect()
    })
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

    #[test]
    fn ln_gamma_known_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
    }
}
