//! Pages photographed at a slant. The detector finds formulas on pages tilted by up to ±45°, but a
//! tilted page is a worse input for it: its formulas are smaller (a slanted page fills less of the
//! frame) and their cores run diagonally across the map's pixel grid, so thin ones come out too tall or
//! not at all. The first detection pass still tells the page's slant; the page is then turned level
//! (on the detector's downscaled copy, at the same pixel scale) and detected again, and the regions
//! are mapped back onto the photo. Crops are still cut from the full-resolution photo.

use crate::detector::window::{Cut, Window};
use crate::detector::{Detector, Region};
use crate::error::Result;
use crate::geometry::{Point, Quad};
use crate::pipeline::Work;
use crate::rectify;
use image::{Rgb, RgbImage};
use std::borrow::Cow;

/// Slants smaller than this are left alone: the detector reads them as well as level pages.
/// Chosen on validation pages (`make_pages --split val`): 2.5°, 5° and 8° score within 0.003 F1,
/// 12° less.
pub const MIN_SLANT_DEG: f32 = 5.0;

/// The page's slant in radians, within (-45°, 45°]: the length-weighted median direction of the
/// regions' reading sides, taken modulo a quarter turn (a page on its side has the same slant as
/// an upright one; quarter and half turns are undone later, in `orientation`). None without regions.
pub fn page_slant(regions: &[Region]) -> Option<f32> {
    let quarter = std::f32::consts::FRAC_PI_2;
    let mut slants: Vec<(f32, f32)> = regions
        .iter()
        .map(|r| {
            let [a, b, _, d] = r.quad;
            let along = (b[0] - a[0]).hypot(b[1] - a[1]);
            let across = (d[0] - a[0]).hypot(d[1] - a[1]);
            let angle = (b[1] - a[1]).atan2(b[0] - a[0]);
            // fold into (-45°, 45°]
            let mut folded = angle - quarter * (angle / quarter).round();
            if folded <= -quarter / 2.0 {
                folded += quarter;
            }
            (folded, along.max(across))
        })
        .filter(|(a, w)| a.is_finite() && *w > 0.0)
        .collect();
    if slants.is_empty() {
        return None;
    }
    slants.sort_by(|x, y| x.0.total_cmp(&y.0));
    let half = slants.iter().map(|s| s.1).sum::<f32>() / 2.0;
    let mut acc = 0.0;
    for (angle, weight) in &slants {
        acc += weight;
        if acc >= half {
            return Some(*angle);
        }
    }
    slants.last().map(|s| s.0)
}

/// Level canvases have sides that are multiples of this: a handful of input shapes, so the
/// detector's optimised plans (one per shape) are reused from photo to photo whatever the slant.
/// They are the turned page's bounding box rounded up, not a square round it: a portrait page at
/// 1,600 px turned 5 degrees fits 1280 x 1792 (2.3 MP) where the square took 1792 x 1792 (3.2 MP).
const CANVAS_STEP: u32 = 128;

/// A slanted page turned level: the page turned by `-slant` about its centre, in the middle of a
/// canvas that holds all of it, at the page's own pixel scale.
///
/// Where the detector is to look at a `window` of the page only, only the part of the canvas that
/// holds it is made (`Window::cut`), pixel for pixel as the whole canvas would have it there.
struct Levelled {
    image: RgbImage,
    slant: f32,
    /// centre of the page and of the whole canvas
    from_centre: Point,
    to_centre: Point,
    /// the part of the whole canvas `image` is, if it is not all of it
    cut: Option<Cut>,
}

impl Levelled {
    fn new(page: &RgbImage, slant: f32, window: Option<&Window>) -> Levelled {
        let (w, h) = (page.width() as f32, page.height() as f32);
        let (c, s) = (slant.cos().abs(), slant.sin().abs());
        let to_step = |needed: f32| (needed.ceil() as u32).div_ceil(CANVAS_STEP).max(1) * CANVAS_STEP;
        let (cw, ch) = (to_step(w * c + h * s), to_step(w * s + h * c));
        let from_centre = [w / 2.0, h / 2.0];
        let to_centre = [cw as f32 / 2.0, ch as f32 / 2.0];
        let mut level = Levelled { image: RgbImage::new(1, 1), slant, from_centre, to_centre, cut: None };
        level.cut = window.and_then(|window| window.mapped(|p| level.to_canvas(p)).cut((cw, ch)));
        let (x0, y0, iw, ih) = match level.cut {
            Some(cut) => (cut.x as f32, cut.y as f32, cut.width, cut.height),
            None => (0.0, 0.0, cw, ch),
        };
        // the (part of the) canvas's corners on the page: the quad that is cut out upright
        let (x1, y1) = (x0 + iw as f32, y0 + ih as f32);
        let corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(|p| level.whole_to_page(p));
        level.image = rectify::warp_quad(page, &corners, iw, ih, border_colour(page));
        level
    }

    /// A point of the level canvas (`image`) on the page.
    fn to_page(&self, p: Point) -> Point {
        self.whole_to_page(self.cut.map_or(p, |cut| cut.to_canvas(p)))
    }

    /// A point of the whole level canvas on the page.
    fn whole_to_page(&self, p: Point) -> Point {
        let (c, s) = (self.slant.cos(), self.slant.sin());
        let (dx, dy) = (p[0] - self.to_centre[0], p[1] - self.to_centre[1]);
        // the canvas is the page turned by -slant, so a canvas point turns back by +slant
        [self.from_centre[0] + dx * c - dy * s, self.from_centre[1] + dx * s + dy * c]
    }

    /// A point of the page on the whole level canvas.
    fn to_canvas(&self, p: Point) -> Point {
        let (c, s) = (self.slant.cos(), self.slant.sin());
        let (dx, dy) = (p[0] - self.from_centre[0], p[1] - self.from_centre[1]);
        [self.to_centre[0] + dx * c + dy * s, self.to_centre[1] - dx * s + dy * c]
    }

    fn quad_to_page(&self, q: &Quad) -> Quad {
        q.map(|p| self.to_page(p))
    }
}

/// The mean colour of the image's outermost pixels: what fills the corners a turned page uncovers
/// (usually the desk around the page), so that they add no edges of their own. White for an empty image.
fn border_colour(img: &RgbImage) -> Rgb<u8> {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Rgb([255, 255, 255]);
    }
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    let mut add = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        for c in 0..3 {
            sum[c] += p[c] as u64;
        }
        n += 1;
    };
    for x in 0..w {
        add(x, 0);
        add(x, h - 1);
    }
    for y in 1..h.saturating_sub(1) {
        add(0, y);
        add(w - 1, y);
    }
    Rgb(sum.map(|v| (v / n.max(1)) as u8))
}

/// Whether a page slanted by `slant` radians is detected again turned level (`MIN_SLANT_DEG`).
fn worth_levelling(slant: f32) -> bool {
    slant.abs() >= MIN_SLANT_DEG.to_radians()
}

/// Regions of `page` and the slant it was levelled by, if it was, with every pass run whole
/// (`LevelDetection::run_whole`; what `pipeline::Engine::detect_turned` runs on a page's working copy).
pub fn detect_level(
    detector: &Detector,
    page: &RgbImage,
    known_slant: Option<f32>,
    work: &mut Work,
) -> Result<(Vec<Region>, Option<f32>)> {
    LevelDetection::start(Cow::Borrowed(page), known_slant, None).run_whole(detector, work)
}

/// Regions of `page` (the photo already scaled to the detector's working size) in reading order, found
/// on the page turned level when the first pass says it is slanted by `MIN_SLANT_DEG` or more. The level
/// canvas keeps the page's pixel scale (its sides grow to the turned page's bounding box, then to
/// multiples of `CANVAS_STEP`), so the formulas are not shrunk by the turn. Quads come back in `page`'s pixels.
///
/// As steps, for whoever runs the detector passes: `canvas()` is what the next pass looks at,
/// `advance` takes the regions the detector found on it; `run_whole` runs every pass whole, and the
/// browser's worker pool computes the small-print look's passes in bands (`pipeline::TurnedDetection`,
/// src/page_read.rs).
///
/// `known_slant` (`start`) is the slant an earlier pass on the same page levelled it by, or the one
/// a small-print page's letters show (`pipeline::Working::slant`): a larger copy of the page, or the
/// page turned by quarter or half turns, has the same slant (`page_slant` folds it modulo a quarter
/// turn), so the first pass, which would only measure it again, is skipped. On a page that takes the
/// small-print look that pass is the size of the whole page at 1,600 pixels.
///
/// `window` (`start`): the part of the page its formulas can be on (the small-print look's
/// `detector::window`); each pass looks at the part of its canvas that holds it, cut on the
/// detector's grid, or at the whole canvas where that is most of it.
pub struct LevelDetection<'a> {
    stage: Stage<'a>,
    window: Option<Window>,
}

enum Stage<'a> {
    /// the page as it is, to find its regions and measure its slant; the window's cut of it, if any
    Measure(Cow<'a, RgbImage>, Option<(Cut, RgbImage)>),
    /// the page turned level
    Level(Levelled, (u32, u32)),
}

/// What a pass of `LevelDetection` leads to.
pub enum LevelStep<'a> {
    /// the regions in the page's pixels, and the slant the page was levelled by, if it was
    Done { regions: Vec<Region>, slant: Option<f32> },
    /// the page is slanted: one more pass, on the level canvas
    Again(LevelDetection<'a>),
}

impl<'a> LevelDetection<'a> {
    pub fn start(page: Cow<'a, RgbImage>, known_slant: Option<f32>, window: Option<Window>) -> LevelDetection<'a> {
        let stage = match known_slant {
            Some(a) if worth_levelling(a) => Stage::Level(Levelled::new(&page, a, window.as_ref()), page.dimensions()),
            _ => {
                let cut = window.and_then(|w| w.cut(page.dimensions())).map(|cut| (cut, cut.image(&page)));
                Stage::Measure(page, cut)
            }
        };
        LevelDetection { stage, window }
    }

    /// The image the next detector pass looks at, at its own size.
    pub fn canvas(&self) -> &RgbImage {
        match &self.stage {
            Stage::Measure(_, Some((_, cut))) => cut,
            Stage::Measure(page, None) => page,
            Stage::Level(level, _) => &level.image,
        }
    }

    /// Every pass run whole, one after the other: the regions in the page's pixels and the slant
    /// the page was levelled by, if it was.
    pub fn run_whole(mut self, detector: &Detector, work: &mut Work) -> Result<(Vec<Region>, Option<f32>)> {
        loop {
            let canvas = self.canvas();
            work.detector_pass(canvas);
            let regions = detector.detect_at(canvas, canvas.width().max(canvas.height()))?;
            match self.advance(regions) {
                LevelStep::Done { regions, slant } => return Ok((regions, slant)),
                LevelStep::Again(next) => self = next,
            }
        }
    }

    /// The regions the detector found on `canvas()`.
    pub fn advance(self, regions: Vec<Region>) -> LevelStep<'a> {
        match self.stage {
            Stage::Measure(page, cut) => {
                let (w, h) = (page.width() as f32, page.height() as f32);
                let regions = match cut {
                    // the cut's last cells may reach past the page: what the detector found there is on its edge
                    Some((cut, _)) => regions
                        .into_iter()
                        .map(|r| Region {
                            quad: r.quad.map(|p| cut.to_canvas(p)).map(|p| [p[0].clamp(0.0, w), p[1].clamp(0.0, h)]),
                            score: r.score,
                        })
                        .collect(),
                    None => regions,
                };
                match page_slant(&regions) {
                    Some(a) if worth_levelling(a) => {
                        let level = Levelled::new(&page, a, self.window.as_ref());
                        let stage = Stage::Level(level, page.dimensions());
                        LevelStep::Again(LevelDetection { stage, window: self.window })
                    }
                    _ => LevelStep::Done { regions, slant: None },
                }
            }
            Stage::Level(level, (w, h)) => {
                let (w, h) = (w as f32, h as f32);
                // reading order was taken on the level page; mapping back keeps it
                let regions = regions
                    .into_iter()
                    .map(|r| Region {
                        quad: level.quad_to_page(&r.quad).map(|p| [p[0].clamp(0.0, w), p[1].clamp(0.0, h)]),
                        score: r.score,
                    })
                    .collect();
                LevelStep::Done { regions, slant: Some(level.slant) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::rect_corners;

    fn region(angle_deg: f32, w: f32, h: f32) -> Region {
        Region { quad: rect_corners([100.0, 100.0], w, h, angle_deg.to_radians()), score: 1.0 }
    }

    #[test]
    fn slant_is_the_length_weighted_median_modulo_a_quarter_turn() {
        assert_eq!(page_slant(&[]), None);
        let level = page_slant(&[region(0.0, 80.0, 20.0)]).unwrap();
        assert!(level.abs() < 1e-4, "{level}");
        // two long regions at 30°, one short stray at -10°: the long ones decide
        let s = page_slant(&[region(30.0, 200.0, 20.0), region(30.5, 150.0, 20.0), region(-10.0, 30.0, 20.0)]).unwrap();
        assert!((s.to_degrees() - 30.0).abs() < 0.6, "{}", s.to_degrees());
        // a region whose corners start a quarter turn round (a page on its side) has the same slant
        let mut turned = region(20.0, 100.0, 20.0);
        turned.quad.rotate_left(1);
        let s = page_slant(&[turned]).unwrap();
        assert!((s.to_degrees() - 20.0).abs() < 1e-3, "{}", s.to_degrees());
        let s = page_slant(&[region(-40.0, 100.0, 20.0)]).unwrap();
        assert!((s.to_degrees() + 40.0).abs() < 1e-3, "{}", s.to_degrees());
    }

    #[test]
    fn a_level_canvas_maps_back_onto_the_page() {
        // a dark bar slanted by 25° on a 300 x 200 photo: on the level copy it runs straight across,
        // and a point of the copy maps back to where it was on the photo
        let slant = 25f32.to_radians();
        let bar = rect_corners([150.0, 100.0], 160.0, 16.0, slant);
        let mut photo = RgbImage::from_pixel(300, 200, Rgb([250, 250, 250]));
        let (c, s) = (slant.cos(), slant.sin());
        for y in 0..200 {
            for x in 0..300 {
                let (dx, dy) = (x as f32 - 150.0, y as f32 - 100.0);
                if (dx * c + dy * s).abs() < 80.0 && (-dx * s + dy * c).abs() < 8.0 {
                    photo.put_pixel(x, y, Rgb([0, 0, 0]));
                }
            }
        }
        let level = Levelled::new(&photo, slant, None);
        let (cw, ch) = (level.image.width() as f32, level.image.height() as f32);
        // the turned photo's bounding box, each side rounded up to a multiple of CANVAS_STEP
        for (side, needed) in [(cw, 300.0 * c + 200.0 * s), (ch, 300.0 * s + 200.0 * c)] {
            assert_eq!(side as u32 % CANVAS_STEP, 0);
            assert!(side >= needed && side < needed + CANVAS_STEP as f32, "{side} for {needed}");
        }
        // a portrait page at the small-print look's size, turned 5 degrees: its bounding box, not a square
        let page = Levelled::new(&RgbImage::new(1131, 1600), 5f32.to_radians(), None);
        assert_eq!(page.image.dimensions(), (1280, 1792));
        // the bar is level on the copy: dark along its centre row, light a few pixels above and below
        let (mx, my) = (cw / 2.0, ch / 2.0);
        for dx in [-60.0, 0.0, 60.0] {
            assert!(level.image.get_pixel((mx + dx) as u32, my as u32).0[0] < 60, "dark at {dx}");
            assert!(level.image.get_pixel((mx + dx) as u32, (my - 14.0) as u32).0[0] > 200, "light above at {dx}");
        }
        // the bar's level quad maps back onto the photo's slanted bar
        let level_bar = rect_corners([mx, my], 160.0, 16.0, 0.0);
        let back = level.quad_to_page(&level_bar);
        for (p, q) in back.iter().zip(bar.iter()) {
            assert!((p[0] - q[0]).abs() < 1.0 && (p[1] - q[1]).abs() < 1.0, "{p:?} vs {q:?}");
        }
        // the uncovered corners take the photo's border colour, not white or black
        assert_eq!(level.image.get_pixel(0, 0).0, [250, 250, 250]);
    }

    #[test]
    fn a_level_canvas_cut_to_a_window_is_the_whole_canvas_there() {
        // a textured 640 x 480 page turned level by 8 degrees, whole and cut to a window round its middle
        let page =
            RgbImage::from_fn(640, 480, |x, y| Rgb([(x * 7 % 251) as u8, (y * 5 % 241) as u8, ((x + y) % 256) as u8]));
        let slant = 8f32.to_radians();
        let whole = Levelled::new(&page, slant, None);
        let window = Window { x0: 200.0, y0: 150.0, x1: 420.0, y1: 330.0 };
        let part = Levelled::new(&page, slant, Some(&window));
        let cut = part.cut.expect("a window of a sixth of the page is cut");
        assert_eq!((cut.x % 32, cut.y % 32, cut.width % 32, cut.height % 32), (0, 0, 0, 0));
        assert_eq!(part.image.dimensions(), (cut.width, cut.height));
        // the window's corners, turned level, lie inside the cut
        for p in [[200.0, 150.0], [420.0, 150.0], [420.0, 330.0], [200.0, 330.0]] {
            let q = whole.to_canvas(p);
            assert!(q[0] >= cut.x as f32 && q[0] <= (cut.x + cut.width) as f32, "{q:?} outside {cut:?}");
            assert!(q[1] >= cut.y as f32 && q[1] <= (cut.y + cut.height) as f32, "{q:?} outside {cut:?}");
        }
        // pixel for pixel the whole canvas's (within a level of rounding), and mapped back to the same place
        let mut worst = 0i32;
        for (x, y, p) in part.image.enumerate_pixels() {
            let q = whole.image.get_pixel(x + cut.x, y + cut.y);
            worst = worst.max((0..3).map(|c| (p.0[c] as i32 - q.0[c] as i32).abs()).max().unwrap());
        }
        assert!(worst <= 1, "pixels differ by {worst}");
        let (a, b) = (part.to_page([10.0, 20.0]), whole.to_page([10.0 + cut.x as f32, 20.0 + cut.y as f32]));
        assert!((a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3, "{a:?} vs {b:?}");
    }
}
