//! The whole engine entry, as the CLI and the web worker call it: bytes -> decode -> detect ->
//! rectify -> recognise -> LaTeX, with the committed models. Slow per input (the models run), so
//! it complements the fast targets rather than replacing them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mathsnap::{Engine, ReadOptions};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
        Engine::load_dir(&dir).expect("the committed models load")
    })
}

fuzz_target!(|data: &[u8]| {
    // first byte picks the mode, so both the detector path and the single-crop path are explored
    let Some((&mode, bytes)) = data.split_first() else { return };
    let opts = ReadOptions { single: mode & 1 == 1, ..ReadOptions::default() };
    if let Ok(r) = engine().read_encoded(bytes, &opts) {
        for f in &r.formulas {
            assert!(f.score.is_finite());
        }
    }
});
