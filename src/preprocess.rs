//! Recognizer input: the same steps as training/mathsnap_train/preprocess.py, so the model sees
//! in the engine what it saw in training (tests/preprocess_parity.rs checks the two agree).
//!
//! grayscale -> frame the ink (cut to where the ink is, stray marks left out, with a fixed margin of paper; see
//! `frame_bounds` and `extend`) -> fit inside 64x256 keeping the aspect ratio (area resampling) -> subtract a local
//! paper estimate (7x7 max filter, then 7x7 box blur) so shadows and tinted paper vanish -> scale
//! so the 99th-percentile ink is 1.0 -> top-left on an empty canvas (ink = 1, paper = 0).
//!
//! A recognizer of a wide canvas (the manifest's `input_max_width`) lets a formula too long for 64x256
//! keep its height on a canvas as wide as it needs, in the manifest's `width_step`s (`Canvas`).

use image::RgbImage;

pub const HEIGHT: usize = 64;
pub const WIDTH: usize = 256;
const PAPER_WINDOW: usize = 7;
const MIN_CONTRAST: f32 = 0.15;
/// Share of the ink ignored at each edge when locating it (faint edges; specks far away: stray_marks.rs).
const FRAME_TRIM: f64 = 0.005;
/// The paper's grey level along an edge, for margins beyond the crop's edge.
const PAPER_PERCENTILE: f64 = 90.0;
/// A strip of a crop must not become a huge probe (memory): probes are at most this wide.
const MAX_PROBE_WIDTH: usize = 32 * HEIGHT;
/// Ink fainter than this is left out when locating the formula. The ink map of noisy paper is faint
/// ink everywhere (about 0.07 at sensor noise 0.03), which no trim of the profile's tails removes: it
/// pulled the frame out to the crop's edge and drew the formula smaller (x1.5 at noise 0.01).
const LOCATE_FLOOR: f32 = 0.2;

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

/// The canvases a recognizer reads: 64 x WIDTH, or for a model of a wide canvas (training's
/// preprocess.canvas_width) as wide as a long formula needs, in steps, up to `max_width`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canvas {
    pub max_width: usize,
    pub step: usize,
}

impl Canvas {
    /// The 64 x 256 canvas every formula is fitted into (and squeezed into when it is long).
    pub const NARROW: Canvas = Canvas { max_width: WIDTH, step: WIDTH };

    /// The canvas width for a formula fitted `fitted` columns wide: WIDTH when it fits there, else
    /// the next multiple of the step, never beyond `max_width`.
    pub fn width_for(&self, fitted: usize) -> usize {
        if self.max_width <= WIDTH {
            return WIDTH;
        }
        (fitted.div_ceil(self.step) * self.step).clamp(WIDTH, self.max_width)
    }

    /// Whether an input `width` columns wide is one this canvas makes.
    pub fn holds(&self, width: usize) -> bool {
        width == WIDTH
            || (width > WIDTH
                && width <= self.max_width
                && (width.is_multiple_of(self.step) || width == self.max_width))
    }
}

/// Size after fitting (h, w) into HEIGHT x WIDTH, keeping the aspect ratio.
pub fn fit_size(h: usize, w: usize) -> (usize, usize) {
    fit_size_scaled(h, w, 1.0, WIDTH)
}

/// As `fit_size` into HEIGHT x max_width, then shrunk by `scale` <= 1 (a smaller view of the same crop).
pub fn fit_size_scaled(h: usize, w: usize, scale: f64, max_width: usize) -> (usize, usize) {
    let s = (HEIGHT as f64 / h as f64).min(max_width as f64 / w as f64) * scale;
    let fh = ((h as f64 * s).round() as usize).clamp(1, HEIGHT);
    let fw = ((w as f64 * s).round() as usize).clamp(1, max_width);
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

/// [start, end) of a 1-D ink profile without FRAME_TRIM of its mass at either end.
fn ink_span(profile: &[f64]) -> (usize, usize) {
    let mut cumulative = Vec::with_capacity(profile.len());
    let mut sum = 0.0;
    for v in profile {
        sum += v;
        cumulative.push(sum);
    }
    let first_reaching = |q: f64| cumulative.iter().position(|&c| c / sum >= q).unwrap_or(profile.len());
    (first_reaching(FRAME_TRIM), first_reaching(1.0 - FRAME_TRIM) + 1)
}

/// Half up, as training rounds.
fn round_half_up(v: f64) -> i64 {
    (v + 0.5).floor() as i64
}

/// Where the ink is in an image, in its pixels.
struct InkBox {
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
}

/// Integer bounds (top, bottom, left, right) of a region of an image; may reach past its edges.
pub type Bounds = (i64, i64, i64, i64);

impl InkBox {
    /// The box grown by `margin` x its height on every side.
    fn around(&self, margin: f64) -> Bounds {
        let pad = margin * (self.bottom - self.top);
        (
            round_half_up(self.top - pad),
            round_half_up(self.bottom + pad),
            round_half_up(self.left - pad),
            round_half_up(self.right + pad),
        )
    }
}

/// Located on a copy HEIGHT pixels high (the scale the paper estimate is tuned for; lower for a
/// strip longer than MAX_PROBE_WIDTH); None without ink.
fn ink_box(g: &Gray) -> Option<InkBox> {
    let s = (HEIGHT as f64 / g.height as f64).min(MAX_PROBE_WIDTH as f64 / g.width as f64);
    let size = |n: usize| (round_half_up(n as f64 * s) as usize).max(1);
    let mut ink = normalise_ink(&resize(g, size(g.width), size(g.height)));
    ink.data.iter_mut().filter(|v| **v < LOCATE_FLOOR).for_each(|v| *v = 0.0);
    let ink = crate::stray_marks::without_stray_marks(ink);
    if ink.data.iter().sum::<f32>() < 1.0 {
        return None; // less than one pixel's worth of ink: nothing to frame
    }
    let rows: Vec<f64> = ink.data.chunks(ink.width).map(|r| r.iter().map(|&v| v as f64).sum()).collect();
    let mut cols = vec![0.0f64; ink.width];
    for row in ink.data.chunks(ink.width) {
        for (c, &v) in cols.iter_mut().zip(row) {
            *c += v as f64;
        }
    }
    let ((y0, y1), (x0, x1)) = (ink_span(&rows), ink_span(&cols));
    Some(InkBox { top: y0 as f64 / s, bottom: y1 as f64 / s, left: x0 as f64 / s, right: x1 as f64 / s })
}

/// g[top..bottom, left..right]; the bounds must lie inside g.
fn sub_image(g: &Gray, (top, bottom, left, right): (usize, usize, usize, usize)) -> Gray {
    let width = right - left;
    let mut data = Vec::with_capacity(width * (bottom - top));
    for y in top..bottom {
        data.extend_from_slice(&g.data[y * g.width + left..y * g.width + right]);
    }
    Gray { width, height: bottom - top, data }
}

/// Bounds clipped to the inside of g, never empty.
fn inside(g: &Gray, (top, bottom, left, right): Bounds) -> (usize, usize, usize, usize) {
    let (h, w) = (g.height as i64, g.width as i64);
    let (t, l) = (top.clamp(0, h - 1), left.clamp(0, w - 1));
    (t as usize, bottom.clamp(t + 1, h) as usize, l as usize, right.clamp(l + 1, w) as usize)
}

/// Where in g its ink is, with `margin` x the ink's height on every side: past g's edges where the
/// crop is tighter than that. The whole of g when it holds no ink.
///
/// Why frame: a crop's own margins vary with where it came from (CROHME renderings are cut tight to
/// the ink, phone photos keep paper around it, detector quads are in between), and with them the size
/// of the symbols the model sees. Training frames every sample the same way (preprocess.py), so the
/// input no longer depends on the crop's margins. Two passes: on a photo with wide margins the first
/// sees the formula a few pixels high, so the second locates it again within the first's box.
pub fn frame_bounds(g: &Gray, margin: f64) -> Bounds {
    let whole = (0, g.height as i64, 0, g.width as i64);
    let Some(rough) = ink_box(g) else { return whole };
    let near = inside(g, rough.around(0.5));
    match ink_box(&sub_image(g, near)) {
        Some(fine) => {
            let (t, b, l, r) = fine.around(margin);
            let (dy, dx) = (near.0 as i64, near.2 as i64);
            (t + dy, b.max(t + 1) + dy, l + dx, r.max(l + 1) + dx)
        }
        None => rough.around(margin),
    }
}

/// The paper's grey level at every position along one edge of a crop. `strip` is the band of the
/// crop along that edge; `along_rows`: the edge runs down the rows (a left or right side). The band is
/// cut into square pieces; each gives the PAPER_PERCENTILE of its pixels at its centre, and positions
/// between centres are interpolated linearly (held beyond the first and last), so padding follows a
/// shadow's gradient along the edge instead of making a step that reads as a bar.
fn edge_levels(strip: &Gray, along_rows: bool) -> Vec<f32> {
    let (n, piece) = if along_rows { (strip.height, strip.width) } else { (strip.width, strip.height) };
    let (mut centres, mut levels) = (Vec::new(), Vec::new());
    for start in (0..n).step_by(piece.max(1)) {
        let end = (start + piece).min(n);
        let bounds = if along_rows { (start, end, 0, strip.width) } else { (0, strip.height, start, end) };
        levels.push(percentile(&sub_image(strip, bounds).data, PAPER_PERCENTILE) as f64);
        centres.push((start + end - 1) as f64 / 2.0);
    }
    (0..n).map(|i| interpolate(i as f64, &centres, &levels) as f32).collect()
}

/// numpy.interp: linear between the points (xs ascending), held beyond the first and last.
fn interpolate(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let last = xs.len() - 1;
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[last] {
        return ys[last];
    }
    let k = xs.partition_point(|&c| c <= x) - 1;
    let f = (x - xs[k]) / (xs[k + 1] - xs[k]);
    ys[k] + f * (ys[k + 1] - ys[k])
}

/// g over `bounds`, which may reach past its edges: the paper added on each side continues the
/// image's own paper along that side (`edge_levels`: its level at each position along the edge), so
/// shaded or tinted paper meets no step at the image's edge, which the ink normalisation would read
/// as a stroke. (Leaving the margin as empty canvas instead makes a stroke along the edge of a tight
/// crop vanish into its replicated border, and read worse.)
pub fn extend(g: &Gray, bounds: Bounds) -> Gray {
    let (it, ib, il, ir) = inside(g, bounds);
    let (top, bottom, left, right) = bounds;
    let (y0, x0) = ((it as i64 - top.min(it as i64)) as usize, (il as i64 - left.min(il as i64)) as usize);
    let height = (bottom.max(ib as i64) - top.min(it as i64)) as usize;
    let width = (right.max(ir as i64) - left.min(il as i64)) as usize;
    let (y1, x1) = (y0 + ib - it, x0 + ir - il);
    // each side's levels only where that side is added to (sorting a band of a big photo is not free)
    let band = ((ib - it) / 8).max(1);
    let levels = |padded: bool, bounds: (usize, usize, usize, usize), along_rows: bool| {
        padded.then(|| edge_levels(&sub_image(g, bounds), along_rows))
    };
    let above = levels(y0 > 0, (it, (it + band).min(ib), il, ir), false);
    let below = levels(y1 < height, (ib.saturating_sub(band).max(it), ib, il, ir), false);
    let before = levels(x0 > 0, (it, ib, il, (il + band).min(ir)), true);
    let after = levels(x1 < width, (it, ib, ir.saturating_sub(band).max(il), ir), true);
    let mut out = Gray::new(width, height);
    for (y, row) in out.data.chunks_mut(width).enumerate() {
        // the left and right sides' levels run on into the corners, held at the first and last row's
        let inner_row = y.saturating_sub(y0).min(ib - it - 1);
        if let Some(v) = &before {
            row[..x0].fill(v[inner_row]);
        }
        if let Some(v) = &after {
            row[x1..].fill(v[inner_row]);
        }
        let middle = &mut row[x0..x1];
        match (y < y0, y >= y1) {
            (true, _) => middle.copy_from_slice(above.as_deref().expect("padded above")),
            (_, true) => middle.copy_from_slice(below.as_deref().expect("padded below")),
            _ => {
                let src = (it + y - y0) * g.width;
                middle.copy_from_slice(&g.data[src + il..src + ir]);
            }
        }
    }
    out
}

/// A formula crop -> the recognizer's [HEIGHT x WIDTH] input. `frame_margin`: the manifest's
/// (None for models trained before framing, which read crops as they came).
pub fn prepare(img: &RgbImage, frame_margin: Option<f64>) -> Vec<f32> {
    prepare_views(img, frame_margin, &[1.0], Canvas::NARROW).remove(0)
}

/// One input per view scale (1.0 = fitted to the canvas; 0.85 = the same, 15% smaller), framed once;
/// each [HEIGHT x its canvas width] (`Canvas::width_for`).
pub fn prepare_views(img: &RgbImage, frame_margin: Option<f64>, scales: &[f64], canvas: Canvas) -> Vec<Vec<f32>> {
    gray_views(&to_gray(img), frame_margin, scales, canvas)
}

/// `prepare_views` of a crop already in grey.
pub fn gray_views(g: &Gray, frame_margin: Option<f64>, scales: &[f64], canvas: Canvas) -> Vec<Vec<f32>> {
    let g = framed(g, frame_margin);
    scales.iter().map(|&scale| view_at(&g, scale, canvas)).collect()
}

/// A grey crop cut to its ink with `frame_margin` of paper around it (as it is without a margin):
/// what every view of it is drawn from (`view_at`).
pub fn framed(g: &Gray, frame_margin: Option<f64>) -> std::borrow::Cow<'_, Gray> {
    match frame_margin {
        Some(margin) => std::borrow::Cow::Owned(extend(g, frame_bounds(g, margin))),
        None => std::borrow::Cow::Borrowed(g),
    }
}

pub fn prepare_gray(g: &Gray) -> Vec<f32> {
    view_at(g, 1.0, Canvas::NARROW)
}

/// One view of an already framed crop (`framed`): the recognizer's input with the crop fitted to it
/// at `scale` (1.0 = fitted to the canvas; 0.85 = 15% smaller), [HEIGHT x the canvas's width for it].
pub fn view_at(g: &Gray, scale: f64, canvas: Canvas) -> Vec<f32> {
    let (h, w) = fit_size_scaled(g.height, g.width, scale, canvas.max_width.max(WIDTH));
    let ink = normalise_ink(&resize(g, w, h));
    let width = canvas.width_for(w);
    let mut input = vec![0.0f32; HEIGHT * width];
    for y in 0..h {
        input[y * width..y * width + w].copy_from_slice(&ink.data[y * w..(y + 1) * w]);
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canvas_grows_in_steps_only_for_a_formula_that_does_not_fit() {
        let wide = Canvas { max_width: 512, step: 64 };
        assert_eq!(wide.width_for(100), WIDTH);
        assert_eq!(wide.width_for(WIDTH), WIDTH);
        assert_eq!(wide.width_for(WIDTH + 1), WIDTH + 64);
        assert_eq!(wide.width_for(10_000), 512);
        assert_eq!(Canvas::NARROW.width_for(10_000), WIDTH);
        assert!(wide.holds(WIDTH) && wide.holds(320) && wide.holds(512));
        assert!(!wide.holds(300) && !wide.holds(576) && !wide.holds(192));
        assert!(Canvas::NARROW.holds(WIDTH) && !Canvas::NARROW.holds(320));
    }

    #[test]
    fn a_long_formula_keeps_its_height_on_a_wide_canvas() {
        let mut g = Gray::new(800, 40);
        for x in 10..790 {
            for y in 10..30 {
                g.data[y * 800 + x] = if x % 20 < 10 { 0.1 } else { 0.9 };
            }
        }
        g.data.iter_mut().filter(|v| **v == 0.0).for_each(|v| *v = 0.9);
        let rows = |x: &[f32], width: usize| {
            (0..HEIGHT).filter(|r| x[r * width..(r + 1) * width].iter().any(|&v| v > 0.5)).count()
        };
        let narrow = view_at(&g, 1.0, Canvas::NARROW);
        let wide = view_at(&g, 1.0, Canvas { max_width: 1024, step: 64 });
        assert_eq!(narrow.len(), HEIGHT * WIDTH);
        let width = wide.len() / HEIGHT;
        assert!(width > WIDTH && width.is_multiple_of(64), "{width}");
        assert!(rows(&wide, width) > 2 * rows(&narrow, WIDTH));
    }

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

    /// A fraction-like drawing cut tight to its ink, with `pad` pixels of paper on every side, paper
    /// at `paper` and ink at 0.
    fn formula(pad: usize, paper: f32) -> Gray {
        let (w, h) = (200 + 2 * pad, 60 + 2 * pad);
        let mut g = Gray { width: w, height: h, data: vec![paper; w * h] };
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as isize - pad as isize, y as isize - pad as isize);
                let bar = (28..32).contains(&fy) && (0..200).contains(&fx);
                let stem = (0..20).contains(&fy) && (90..96).contains(&fx);
                let foot = ((40..60).contains(&fy) && (60..64).contains(&fx))
                    || ((56..60).contains(&fy) && (60..140).contains(&fx));
                if bar || stem || foot {
                    g.data[y * w + x] = 0.0;
                }
            }
        }
        g
    }

    fn framed(g: &Gray) -> Vec<f32> {
        prepare_gray(&extend(g, frame_bounds(g, 0.25)))
    }

    /// (rows, columns) the ink spans in a model input.
    fn extent(x: &[f32]) -> (usize, usize) {
        let rows: Vec<usize> =
            (0..HEIGHT).filter(|&r| x[r * WIDTH..(r + 1) * WIDTH].iter().any(|&v| v > 0.3)).collect();
        let cols: Vec<usize> = (0..WIDTH).filter(|&c| (0..HEIGHT).any(|r| x[r * WIDTH + c] > 0.3)).collect();
        (rows[rows.len() - 1] - rows[0] + 1, cols[cols.len() - 1] - cols[0] + 1)
    }

    #[test]
    fn framing_ignores_the_margins_a_crop_came_with() {
        let (tight, padded) = (extent(&framed(&formula(0, 1.0))), extent(&framed(&formula(80, 1.0))));
        assert!(tight.0.abs_diff(padded.0) <= 1 && tight.1.abs_diff(padded.1) <= 2, "{tight:?} {padded:?}");
        assert!(tight.0 > 36, "the formula fills the height but for the margins: {tight:?}");
        // without framing the padded crop reads as a much smaller formula
        assert!(extent(&prepare_gray(&formula(80, 1.0))).0 < 20);
    }

    #[test]
    fn sensor_noise_does_not_grow_the_frame() {
        // noisy paper is faint ink everywhere in the ink map; it must not pull the frame out to the
        // crop's edge and draw the formula smaller (x1.5 the frame's height at sigma 0.01 it did)
        let clean = extent(&framed(&formula(40, 1.0)));
        let mut state: u32 = 7;
        for sigma in [0.01f32, 0.03, 0.05] {
            let mut g = formula(40, 0.9);
            for v in g.data.iter_mut() {
                state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                let u: f32 = (0..4).map(|k| ((state.rotate_left(8 * k) >> 8) as f32) / (1u32 << 24) as f32).sum();
                *v = (*v + sigma * (u - 2.0) * 1.732).clamp(0.0, 1.0);
            }
            let noisy = extent(&framed(&g));
            assert!(noisy.0.abs_diff(clean.0) <= 2, "sigma {sigma}: {noisy:?} against {clean:?}");
        }
    }

    #[test]
    fn padding_follows_the_paper_along_an_edge() {
        // a tight crop whose paper darkens from left to right: the rows added above it darken alike
        let mut g = formula(0, 1.0);
        for y in 0..g.height {
            for x in 0..g.width {
                let shade = 1.0 - 0.5 * x as f32 / (g.width - 1) as f32;
                g.data[y * g.width + x] *= shade;
            }
        }
        let out = extend(&g, (-10, g.height as i64, 0, g.width as i64));
        let (left, right) = (out.at(2, 0), out.at(out.width - 3, 0));
        assert!(left > 0.9 && right < 0.6, "the margin above follows the gradient: {left} .. {right}");
    }

    #[test]
    fn framing_reaches_past_a_tight_crop_by_the_margin() {
        let (top, bottom, left, right) = frame_bounds(&formula(0, 1.0), 0.25);
        // the outermost half percent of the ink does not count when locating it, hence the slack
        assert!((top + 15).abs() <= 4 && (bottom - 75).abs() <= 4, "rows {top}..{bottom}");
        assert!((left + 15).abs() <= 4 && (right - 215).abs() <= 4, "columns {left}..{right}");
    }

    #[test]
    fn the_image_edge_is_not_drawn_as_a_stroke() {
        // shaded paper: the margin past the tight crop's edge stays empty canvas, not a dark frame
        let x = framed(&formula(0, 0.6));
        let ink_at = |y: usize, x0: usize| x[y * WIDTH + x0] > 0.3;
        assert!((0..WIDTH).all(|c| !ink_at(0, c) && !ink_at(3, c)), "no stroke along the top");
        assert!((0..HEIGHT).all(|r| !ink_at(r, 0) && !ink_at(r, 3)), "no stroke along the left");
        assert_eq!(extent(&x), extent(&framed(&formula(0, 1.0))));
    }

    #[test]
    fn a_long_strip_is_framed_without_a_huge_probe() {
        let mut strip = Gray { width: 40_000, height: 2, data: vec![1.0; 80_000] };
        strip.data[100..39_900].iter_mut().for_each(|v| *v = 0.0);
        let (top, bottom, left, right) = frame_bounds(&strip, 0.25);
        // located at a twentieth of its size: the frame is good to a probe pixel (20 px) or two
        assert!(right - left < 41_000 && bottom - top < 100, "{top}..{bottom} x {left}..{right}");
        assert_eq!(framed(&strip).len(), HEIGHT * WIDTH);
    }

    #[test]
    fn an_image_without_ink_is_not_framed() {
        let blank = Gray { width: 90, height: 40, data: vec![0.8; 3600] };
        assert_eq!(frame_bounds(&blank, 0.25), (0, 40, 0, 90));
    }
}
