//! Multiple-testing adjustments for reports that test many metrics at once. Both return
//! adjusted p-values in the input order (as statsmodels' `multipletests` does).

use super::StatsError;

fn check(p_values: &[f64]) -> Result<(), StatsError> {
    if p_values.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(StatsError::BadArgument("p-values must lie in [0, 1]"));
    }
    Ok(())
}

fn order(p_values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]).then(i.cmp(&j)));
    order
}

/// Holm's step-down adjustment (controls the family-wise error rate).
pub fn holm(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    check(p_values)?;
    let m = p_values.len();
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order(p_values).iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
        adjusted[i] = running;
    }
    Ok(adjusted)
}

/// Benjamini–Hochberg step-up adjustment (controls the false discovery rate).
pub fn benjamini_hochberg(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    check(p_values)?;
    let m = p_values.len();
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order(p_values).iter().enumerate().rev() {
        running = running.min(p_values[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running.min(1.0);
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_textbook_case() {
        let p = [0.01, 0.04, 0.03, 0.005];
        let h = holm(&p).unwrap();
        assert_eq!(h, vec![0.03, 0.06, 0.06, 0.02]);
        let bh = benjamini_hochberg(&p).unwrap();
        for (got, want) in bh.iter().zip([0.02, 0.04, 0.04, 0.02]) {
            assert!((got - want).abs() < 1e-12, "{bh:?}");
        }
        assert!(holm(&[1.5]).is_err());
        assert!(holm(&[]).unwrap().is_empty());
    }
}
