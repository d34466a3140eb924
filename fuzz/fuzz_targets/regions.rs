//! Any detector probability map (values, size) through region extraction, reading order and
//! rectification: the geometry must cope with degenerate, thin, huge and NaN-ridden components.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mathsnap::detector::postprocess::{reading_order, regions, ProbMap};
use mathsnap::rectify::crop_quad;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let width = 1 + data[0] as usize % 96;
    let threshold = data[1] as f32 / 255.0;
    let cells = &data[2..];
    let height = (cells.len() / width).clamp(1, 96);
    let data: Vec<f32> = (0..width * height)
        .map(|i| match cells.get(i) {
            Some(255) => f32::NAN,
            Some(&b) => b as f32 / 254.0,
            None => 0.0,
        })
        .collect();
    let map = ProbMap { width, height, data };
    let found = reading_order(regions(&map, threshold, 0.1));
    // crop each region from a page four times the map's size, as the engine does
    let page = image::RgbImage::from_pixel((width * 4) as u32, (height * 4) as u32, image::Rgb([255, 255, 255]));
    for r in &found {
        let crop = crop_quad(&page, &r.quad);
        assert!(crop.width() >= 1 && crop.height() >= 1);
    }
});
