//! Small order statistics shared by the engine's heuristics.

/// The upper median (the middle value; of two middle values, the larger): None for no values.
pub fn upper_median(values: &[f32]) -> Option<f32> {
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::upper_median;

    #[test]
    fn upper_median_takes_the_larger_middle_value() {
        assert_eq!(upper_median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(upper_median(&[4.0, 1.0, 3.0, 2.0]), Some(3.0));
        assert_eq!(upper_median(&[]), None);
    }
}
