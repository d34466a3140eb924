//! Small order statistics shared by the engine's heuristics.

/// The upper median (the middle value; of two middle values, the larger): None for no values.
pub fn upper_median(values: &[f32]) -> Option<f32> {
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

/// The median as numpy takes it (of two middle values, their mean): None for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::{median, upper_median};

    #[test]
    fn median_averages_the_two_middle_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn upper_median_takes_the_larger_middle_value() {
        assert_eq!(upper_median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(upper_median(&[4.0, 1.0, 3.0, 2.0]), Some(3.0));
        assert_eq!(upper_median(&[]), None);
    }
}
