//! Order statistics shared by providers (the median of repeated runs: go `-count`, Google
//! Benchmark repetitions), baselines (rolling median) and the statistics (`auto` bands):
//! one neutral home, so none of them reaches into another's module for them.

/// The median as flameiq-core's `noise_filter_median` computes it (the mean of the middle
/// two for an even count), over the finite values; `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => v.get(n / 2).copied(),
        _ => Some((v.get(n / 2 - 1)? + v.get(n / 2)?) / 2.0),
    }
}

/// NumPy's default (`linear`) percentile `q` (0–100) of values sorted ascending; the
/// slice must not be empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_non_finite() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 5.0]), Some(5.0));
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // np.percentile([85, 90, 95, 100, 110, 120, 130], [25, 50, 75]) == [92.5, 100, 115]
        let s = [85.0, 90.0, 95.0, 100.0, 110.0, 120.0, 130.0];
        assert_eq!(percentile(&s, 25.0), 92.5);
        assert_eq!(percentile(&s, 50.0), 100.0);
        assert_eq!(percentile(&s, 75.0), 115.0);
    }
}
