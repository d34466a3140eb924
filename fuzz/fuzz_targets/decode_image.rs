//! Any bytes into the image decoder, then preprocessing of whatever it accepts: the first thing a
//! hostile or broken file meets. Must return Ok or a typed error, never panic or over-allocate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mathsnap::{input, preprocess};

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = input::decode(data) {
        let x = preprocess::prepare(&img, Some(0.25));
        assert_eq!(x.len(), preprocess::HEIGHT * preprocess::WIDTH);
        assert!(x.iter().all(|v| v.is_finite()));
    }
});
