//! Closed-form intervals for a proportion.

use super::{check_level, Interval, StatsError};

/// Wilson score interval for `successes` out of `n`.
pub fn wilson(successes: u64, n: u64, level: f64) -> Result<Interval, StatsError> {
    check_level(level)?;
    if n == 0 {
        return Err(StatsError::Empty);
    }
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n_f)) / (1.0 + z2 / n_f);
    let half = z / (1.0 + z2 / n_f) * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    Ok(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        level,
        method: "wilson".to_string(),
        resamples: None,
        seed: None,
    })
}

/// Inverse of the standard normal CDF (Acklam's rational approximation refined by one Halley
/// step; absolute error below 1e-12).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let p_low = 0.02425;
    let x = if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step against the exact CDF.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function to near machine precision: the Maclaurin series of erf below
/// 2, the continued fraction of erfc (modified Lentz) above, where the series would cancel.
pub fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        let mut sum = x;
        let mut term = x;
        let x2 = x * x;
        for k in 1..200 {
            let k = k as f64;
            term *= -x2 / k;
            let add = term / (2.0 * k + 1.0);
            sum += add;
            if add.abs() <= 1e-17 * sum.abs() {
                break;
            }
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
    } else {
        let tiny = 1e-300;
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for n in 1..500 {
            let a = n as f64 / 2.0;
            d = x + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = x + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x * x).exp() / f / std::f64::consts::PI.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_tables() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-9);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090232306167813).abs() < 1e-9);
    }

    #[test]
    fn wilson_matches_textbook_example() {
        // 81 of 263 at 95%: statsmodels proportion_confint(method="wilson") gives (0.2553, 0.3662).
        let ci = wilson(81, 263, 0.95).unwrap();
        assert!((ci.low - 0.25527).abs() < 1e-4 && (ci.high - 0.36622).abs() < 1e-4, "{ci:?}");
    }

    #[test]
    fn wilson_stays_in_unit_interval() {
        let all = wilson(10, 10, 0.95).unwrap();
        assert!(all.high <= 1.0 && all.low > 0.6);
        let none = wilson(0, 10, 0.95).unwrap();
        assert!(none.low >= 0.0 && none.high < 0.4);
        assert_eq!(wilson(0, 0, 0.95), Err(StatsError::Empty));
    }
}
