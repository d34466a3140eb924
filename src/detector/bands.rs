//! One detector pass cut into bands that are computed side by side, then stitched back into the
//! pass's probability map. wasm has one thread per worker, so in the browser a page's largest pass
//! (the small-print look at up to 1,600 px, most of a worksheet page's detection time) would keep
//! one worker busy while the pool's others wait for crops to read; cut in bands, every worker of the
//! pool computes one (www/engine-client.js, src/page_read.rs).
//!
//! Each band sees `OVERLAP` pixels of the canvas beyond its own share on every cut side, so that
//! the map it keeps is computed from the same surroundings as the whole canvas's would be; only its
//! own share of the map is kept.

use super::postprocess::ProbMap;
use super::{scale, Detector, Region};
use crate::error::{Error, Result};
use image::{imageops, RgbImage};

/// Pixels of context a band sees beyond its share on each cut side (a multiple of 32, the model's
/// downsampling). Of 64, 128 and 192, the smallest whose stitched map gives the whole pass's regions
/// on the worksheet test (`tests/detector_bands.rs`: at 64 a formula at a seam of 3 bands comes out
/// as two). Page scores (`page_score`, `--detector-bands 2`, the 30 benchmark worksheets and 60
/// hi-res validation pages) were the same at all three, within one page. At 1,600 px in two bands it
/// costs 16% more pixels than the whole pass.
pub const OVERLAP: u32 = 128;

/// One band: a rectangle of the canvas, with the part of it whose map it supplies.
pub struct Band {
    /// the canvas's pixels under the band (the model pads it to multiples of 32, as the canvas is)
    pub image: RgbImage,
    x: u32,
    y: u32,
    /// the canvas pixels x0, y0, x1, y1 (exclusive) whose map this band supplies
    keep: [u32; 4],
}

/// A canvas cut into bands, and what maps their stitched map back to the canvas's pixels.
pub struct Banded {
    pub bands: Vec<Band>,
    /// working size / canvas size (1 unless the canvas's long side is not a multiple of 32)
    scale: f32,
    canvas_size: (u32, u32),
    /// the whole pass's map, in map pixels
    map_size: (usize, usize),
}

impl Detector {
    /// `canvas` (already at the working size) cut into `n` bands across its longer side.
    pub fn cut_bands(&self, canvas: &RgbImage, n: usize) -> Banded {
        cut(canvas, n, self.config.stride)
    }

    /// The regions of the banded canvas, in its pixels and reading order, from its bands' maps
    /// (`band_map` of each band's image, in the bands' order).
    pub fn locate_bands(&self, banded: &Banded, maps: &[ProbMap]) -> Result<Vec<Region>> {
        let map = stitch(banded, maps, self.config.stride)?;
        Ok(self.locate(banded.scale, banded.canvas_size, &map))
    }
}

fn cut(canvas: &RgbImage, n: usize, stride: u32) -> Banded {
    let (w, h) = (canvas.width(), canvas.height());
    // as `prepare` would take it: a long side that is not a multiple of 32 is scaled down to one
    let (image, scale) = scale::to_working_size(canvas, w.max(h));
    let (iw, ih) = (image.width(), image.height());
    let (pw, ph) = (iw.div_ceil(32) * 32, ih.div_ceil(32) * 32);
    let across_rows = ph >= pw;
    let cells = (if across_rows { ph } else { pw }) / 32;
    let n = (n.max(1) as u32).min(cells);
    let cut = |i: u32| (i * cells + n / 2) / n * 32; // band boundaries, in whole cells
    let bands = (0..n)
        .map(|i| {
            let (from, to) = (cut(i), cut(i + 1));
            let (start, end) = (from.saturating_sub(OVERLAP), (to + OVERLAP).min(cells * 32));
            let (x, y, bw, bh, keep) = if across_rows {
                (0, start, iw, end.min(ih).saturating_sub(start), [0, from, pw, to])
            } else {
                (start, 0, end.min(iw).saturating_sub(start), ih, [from, 0, to, ph])
            };
            let image = imageops::crop_imm(image.as_ref(), x, y, bw.max(1), bh.max(1)).to_image();
            Band { image, x, y, keep }
        })
        .collect();
    let s = stride as usize;
    Banded { bands, scale, canvas_size: (w, h), map_size: (pw as usize / s, ph as usize / s) }
}

/// The whole pass's map from its bands' maps: each band's kept share copied into place.
fn stitch(banded: &Banded, maps: &[ProbMap], stride: u32) -> Result<ProbMap> {
    if maps.len() != banded.bands.len() {
        return Err(Error::bad_input(format!("{} maps supplied for {} bands", maps.len(), banded.bands.len())));
    }
    let (mw, mh) = banded.map_size;
    let mut out = ProbMap { width: mw, height: mh, data: vec![0.0; mw * mh] };
    let s = stride;
    for (band, map) in banded.bands.iter().zip(maps) {
        let (bw, bh) = (band.image.width().div_ceil(32) * 32 / s, band.image.height().div_ceil(32) * 32 / s);
        if (map.width, map.height) != (bw as usize, bh as usize) || map.data.len() != map.width * map.height {
            return Err(Error::bad_input(format!(
                "a band's map is {}x{} ({} values), expected {bw}x{bh}",
                map.width,
                map.height,
                map.data.len()
            )));
        }
        let [x0, y0, x1, y1] = band.keep.map(|v| (v / s) as usize);
        let (bx, by) = ((band.x / s) as usize, (band.y / s) as usize);
        for my in y0..y1.min(mh) {
            for mx in x0..x1.min(mw) {
                out.data[my * mw + mx] = map.data[(my - by) * map.width + (mx - bx)];
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keep rectangles of the bands tile the padded canvas exactly: every map pixel is supplied
    /// by one band, from inside that band.
    #[test]
    fn bands_cover_the_canvas_once_each() {
        for (w, h, n) in
            [(1131u32, 1600u32, 2usize), (1600, 1131, 2), (1152, 1600, 3), (300, 70, 2), (40, 40, 4), (1000, 1000, 1)]
        {
            let canvas = RgbImage::new(w, h);
            let banded = cut(&canvas, n, 4);
            // the padded canvas (scaled first when its long side is not a multiple of 32)
            let (pw, ph) = (banded.map_size.0 as u32 * 4, banded.map_size.1 as u32 * 4);
            assert_eq!(pw.max(ph), (w.max(h) / 32).max(1) * 32, "{w}x{h}");
            let mut covered = vec![0u8; (pw * ph) as usize];
            for b in &banded.bands {
                let [x0, y0, x1, y1] = b.keep;
                assert!(x0 >= b.x && y0 >= b.y, "{w}x{h}/{n}: keep inside the band");
                assert!(
                    x1 <= b.x + b.image.width().div_ceil(32) * 32 && y1 <= b.y + b.image.height().div_ceil(32) * 32
                );
                for y in y0..y1 {
                    for x in x0..x1 {
                        covered[(y * pw + x) as usize] += 1;
                    }
                }
            }
            assert!(covered.iter().all(|&c| c == 1), "{w}x{h} in {n} bands");
        }
    }

    /// Maps stitched back: each map pixel comes from the band that keeps it, at the right place.
    #[test]
    fn stitching_puts_each_band_map_in_place() {
        let canvas = RgbImage::new(200, 520);
        let banded = cut(&canvas, 2, 4);
        assert_eq!(banded.bands.len(), 2);
        // each band's map holds the canvas map pixel index it stands for, so the stitched map must
        // read 0, 1, 2, ... everywhere
        let (mw, _) = banded.map_size;
        let maps: Vec<ProbMap> = banded
            .bands
            .iter()
            .map(|b| {
                let (bw, bh) =
                    ((b.image.width().div_ceil(32) * 8) as usize, (b.image.height().div_ceil(32) * 8) as usize);
                let (bx, by) = ((b.x / 4) as usize, (b.y / 4) as usize);
                let data = (0..bw * bh).map(|i| ((by + i / bw) * mw + bx + i % bw) as f32).collect();
                ProbMap { width: bw, height: bh, data }
            })
            .collect();
        let map = stitch(&banded, &maps, 4).unwrap();
        assert!(map.data.iter().enumerate().all(|(i, &v)| v == i as f32));
        // a missing or misshapen map is an error, not a panic
        assert!(stitch(&banded, &maps[..1], 4).is_err());
        let wrong = vec![
            ProbMap { width: 3, height: 3, data: vec![0.0; 9] },
            ProbMap { width: 3, height: 3, data: vec![0.0; 9] },
        ];
        assert!(stitch(&banded, &wrong, 4).is_err());
    }
}
