//! Recognizer input: the same steps as training/mathsnap_train/preprocess.py, so the model sees
//! in the engine what it saw in training (tests/preprocess_parity.rs checks the two agree).
//!
//! grayscale -> fit inside 64x256 keeping the aspect ratio (area resampling) -> subtract a local
//! paper estimate (7x7 max filter, then 7x7 box blur) so shadows and tinted paper vanish -> scale
//! so the 99th-percentile ink is 1.0 -> top-left on an empty canvas (ink = 1, paper = 0).

use image::RgbImage;

pub const HEIGHT: usize = 64;
pub const WIDTH: usize = 256;
const PAPER_WINDOW: usize = 7;
const MIN_CONTRAST: f32 = 0.15;

/// A single-channel float image, row-major.
#[derive(Clone, Debug)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Gray {
    pub fn new(width: usize, height: usize) -> Self {
        Gray { width, height, data: vec![0.0; width * height] }
    }
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }
}

/// Luma with the weights training uses, in 0..1.
pub fn to_gray(img: &RgbImage) -> Gray {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let data =
        img.pixels().map(|p| (0.299 * p.0[0] as f32 + 0.587 * p.0[1] as f32 + 0.114 * p.0[2] as f32) / 255.0).collect();
    Gray { width: w, height: h, data }
}

/// Size after fitting (h, w) into HEIGHT x WIDTH, keeping the aspect ratio.
pub fn fit_size(h: usize, w: usize) -> (usize, usize) {
    let s = (HEIGHT as f64 / h as f64).min(WIDTH as f64 / w as f64);
    let fh = ((h as f64 * s).round() as usize).clamp(1, HEIGHT);
    let fw = ((w as f64 * s).round() as usize).clamp(1, WIDTH);
    (fh, fw)
}

/// Weights of source cells [i, i+1) overlapping the destination cell [d*scale, (d+1)*scale).
fn area_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let (a, b) = (d as f64 * scale, ((d + 1) as f64 * scale).min(src as f64));
            let mut taps = Vec::new();
            let mut i = a.floor() as usize;
            while (i as f64) < b && i < src {
                let overlap = (b.min(i as f64 + 1.0) - a.max(i as f64)) / scale;
                if overlap > 1e-9 {
                    taps.push((i, overlap as f32));
                }
                i += 1;
            }
            taps
        })
        .collect()
}

/// Two-tap linear weights with half-pixel centres (how OpenCV's area mode upsamples).
fn linear_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let x = ((d as f64 + 0.5) * scale - 0.5).max(0.0);
            let i0 = (x.floor() as usize).min(src - 1);
            let i1 = (i0 + 1).min(src - 1);
            let f = (x - i0 as f64) as f32;
            vec![(i0, 1.0 - f), (i1, f)]
        })
        .collect()
}

fn axis_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    if dst < src {
        area_weights(src, dst)
    } else {
        linear_weights(src, dst)
    }
}

/// Separable resize: area averaging when shrinking, linear when enlarging.
pub fn resize(g: &Gray, out_w: usize, out_h: usize) -> Gray {
    let wx = axis_weights(g.width, out_w);
    let wy = axis_weights(g.height, out_h);
    let mut tmp = Gray::new(out_w, g.height);
    for y in 0..g.height {
        let row = &g.data[y * g.width..(y + 1) * g.width];
        for (x, taps) in wx.iter().enumerate() {
            tmp.data[y * out_w + x] = taps.iter().map(|&(i, w)| row[i] * w).sum();
        }
    }
    let mut out = Gray::new(out_w, out_h);
    for (y, taps) in wy.iter().enumerate() {
        for x in 0..out_w {
            out.data[y * out_w + x] = taps.iter().map(|&(i, w)| tmp.data[i * out_w + x] * w).sum();
        }
    }
    out
}

/// k x k window filter with replicated borders, applied separably (max and mean are separable).
fn window_filter(g: &Gray, k: usize, reduce: fn(&[f32]) -> f32) -> Gray {
    let r = k / 2;
    let pass = |src: &Gray, horizontal: bool| -> Gray {
        let mut out = Gray::new(src.width, src.height);
        let mut win = vec![0.0f32; k];
        for y in 0..src.height {
            for x in 0..src.width {
                for (j, slot) in win.iter_mut().enumerate() {
                    let o = j as isize - r as isize;
                    *slot = if horizontal {
                        src.at((x as isize + o).clamp(0, src.width as isize - 1) as usize, y)
                    } else {
                        src.at(x, (y as isize + o).clamp(0, src.height as isize - 1) as usize)
                    };
                }
                out.data[y * src.width + x] = reduce(&win);
            }
        }
        out
    };
    pass(&pass(g, true), false)
}

fn max_of(v: &[f32]) -> f32 {
    v.iter().copied().fold(f32::MIN, f32::max)
}
fn mean_of(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

/// numpy's default (linear) percentile.
fn percentile(values: &[f32], q: f64) -> f32 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let f = (pos - lo as f64) as f32;
    v[lo] * (1.0 - f) + v[hi] * f
}

/// Paper-bright grayscale -> ink map in 0..1, independent of the illumination.
pub fn normalise_ink(g: &Gray) -> Gray {
    let paper = window_filter(&window_filter(g, PAPER_WINDOW, max_of), PAPER_WINDOW, mean_of);
    let d: Vec<f32> = g.data.iter().zip(&paper.data).map(|(&v, &p)| p.max(v) - v).collect();
    let scale = percentile(&d, 99.0).max(MIN_CONTRAST);
    Gray { width: g.width, height: g.height, data: d.iter().map(|v| (v / scale).clamp(0.0, 1.0)).collect() }
}

/// A formula crop -> the recognizer's [HEIGHT x WIDTH] input.
pub fn prepare(img: &RgbImage) -> Vec<f32> {
    prepare_gray(&to_gray(img))
}

pub fn prepare_gray(g: &Gray) -> Vec<f32> {
    let (h, w) = fit_size(g.height, g.width);
    let ink = normalise_ink(&resize(g, w, h));
    let mut canvas = vec![0.0f32; HEIGHT * WIDTH];
    for y in 0..h {
        canvas[y * WIDTH..y * WIDTH + w].copy_from_slice(&ink.data[y * w..(y + 1) * w]);
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_ratio() {
        assert_eq!(fit_size(152, 716), (54, 256));
        assert_eq!(fit_size(200, 100), (64, 32));
    }

    #[test]
    fn area_resize_preserves_the_mean() {
        let g = Gray { width: 10, height: 4, data: (0..40).map(|v| v as f32 / 40.0).collect() };
        let r = resize(&g, 3, 2);
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!((mean(&g.data) - mean(&r.data)).abs() < 1e-4);
    }

    #[test]
    fn dark_stroke_on_shaded_paper_becomes_ink() {
        // paper brightness falls from 1.0 to 0.5 left to right; a dark vertical stroke in the middle
        let mut g = Gray::new(40, 20);
        for y in 0..20 {
            for x in 0..40 {
                g.data[y * 40 + x] = 1.0 - 0.5 * x as f32 / 39.0;
            }
            g.data[y * 40 + 20] = 0.05;
        }
        let ink = normalise_ink(&g);
        assert!(ink.at(20, 10) > 0.9);
        assert!(ink.at(5, 10) < 0.1 && ink.at(35, 10) < 0.1);
    }
}
