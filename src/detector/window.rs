//! The part of a page the small-print look needs to see: its writing. A whole A4 page photographed
//! from above, with the desk round it, has its writing on a third to two thirds of the photo, and the
//! small-print look (up to 1,600 px on the long side) is most of such a page's detection time. The
//! look's copy of the photo keeps the writing's window (`Window::round_writing`); the detector's pass
//! is cut to it on the detector's grid (`Window::cut`), the page turned level first where it is
//! slanted (`deskew`), so that inside it the detector computes what it would on the whole canvas.

use super::writing::Extent;
use crate::orientation::PageTurn;
use image::{imageops, Rgb, RgbImage};

/// Paper (pixels at the working size) kept round the page's writing: context for the detector at
/// the writing's edge (its receptive field), and room for a mark the writing's extent left out (a
/// long fraction bar, a large drawn bracket).
pub const WINDOW_MARGIN: f32 = 48.0;
/// A cut covering more of the canvas than this is not worth the detector meeting a new input shape
/// (each is planned once, `onnx::ShapedPlans`): the whole canvas is looked at.
const MAX_CUT_SHARE: f32 = 0.85;
/// The detector's grid: the model downsamples by 32, and a formula shifted by a part of it comes
/// out a little different, so a cut starts on it.
const GRID: u32 = 32;

/// A part of an image: `x0..x1` across, `y0..y1` down, in its pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// A window cut from a canvas on the detector's grid: its corner and size in the canvas's pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Window {
    /// The smallest window holding every point.
    pub fn around(points: &[[f32; 2]]) -> Window {
        let init = Window { x0: f32::INFINITY, y0: f32::INFINITY, x1: f32::NEG_INFINITY, y1: f32::NEG_INFINITY };
        points.iter().fold(init, |w, p| Window {
            x0: w.x0.min(p[0]),
            y0: w.y0.min(p[1]),
            x1: w.x1.max(p[0]),
            y1: w.y1.max(p[1]),
        })
    }

    /// The writing's `extent`, found on a `copy`-sized copy of the photo, on a `larger`-sized one,
    /// with `WINDOW_MARGIN` round it, within the image.
    pub fn round_writing(extent: Extent, copy: (u32, u32), larger: (u32, u32)) -> Window {
        let k = [larger.0 as f32 / copy.0.max(1) as f32, larger.1 as f32 / copy.1.max(1) as f32];
        Window {
            x0: ((extent.left as f32 - WINDOW_MARGIN) * k[0]).max(0.0),
            y0: ((extent.top as f32 - WINDOW_MARGIN) * k[1]).max(0.0),
            x1: ((extent.right as f32 + WINDOW_MARGIN) * k[0]).min(larger.0 as f32),
            y1: ((extent.bottom as f32 + WINDOW_MARGIN) * k[1]).min(larger.1 as f32),
        }
    }

    fn corners(&self) -> [[f32; 2]; 4] {
        [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]]
    }

    /// This window of a `w` x `h` image on the image turned upright by `turn` (`PageTurn::straighten`).
    pub fn turned(&self, turn: PageTurn, w: f32, h: f32) -> Window {
        Window::around(&self.corners().map(|p| turn.from_photo(p, w, h)))
    }

    /// This window of an image mapped point by point (onto a canvas made from it).
    pub fn mapped(&self, map: impl Fn([f32; 2]) -> [f32; 2]) -> Window {
        Window::around(&self.corners().map(map))
    }

    /// The window cut from a `canvas`-sized canvas on the detector's grid: from the grid line at or
    /// before its start to whole cells past its end, within the canvas. None where that is most of
    /// the canvas (`MAX_CUT_SHARE`), or nothing of it.
    pub fn cut(&self, canvas: (u32, u32)) -> Option<Cut> {
        let span = |from: f32, to: f32, len: u32| -> Option<(u32, u32)> {
            if !(from < len as f32 && to > 0.0 && to > from) {
                return None;
            }
            let start = from.max(0.0) as u32 / GRID * GRID;
            let end = (to.ceil() as u32).min(len);
            Some((start, (end - start).div_ceil(GRID) * GRID))
        };
        let (x, width) = span(self.x0, self.x1, canvas.0)?;
        let (y, height) = span(self.y0, self.y1, canvas.1)?;
        let (cells, whole) = ((width * height) as f32, (canvas.0 * canvas.1) as f32);
        (cells <= MAX_CUT_SHARE * whole).then_some(Cut { x, y, width, height })
    }
}

impl Cut {
    /// The cut's pixels of `canvas`; past the canvas's edge (its last cells may reach beyond it),
    /// white, as the detector pads a whole canvas to its grid (`detector::model_input`).
    pub fn image(&self, canvas: &RgbImage) -> RgbImage {
        let mut out = RgbImage::from_pixel(self.width, self.height, Rgb([255, 255, 255]));
        let (w, h) = (self.width.min(canvas.width() - self.x), self.height.min(canvas.height() - self.y));
        imageops::replace(&mut out, &*imageops::crop_imm(canvas, self.x, self.y, w, h), 0, 0);
        out
    }

    /// A point of the cut in the canvas's pixels.
    pub fn to_canvas(&self, p: [f32; 2]) -> [f32; 2] {
        [p[0] + self.x as f32, p[1] + self.y as f32]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writing_s_window_grows_by_the_margin_at_the_larger_size_within_the_image() {
        let extent = Extent { left: 300, top: 200, right: 500, bottom: 400 };
        let window = Window::round_writing(extent, (800, 600), (1600, 1200));
        assert_eq!(window, Window { x0: 504.0, y0: 304.0, x1: 1096.0, y1: 896.0 });
        let edge = Extent { left: 10, top: 0, right: 790, bottom: 580 };
        assert_eq!(
            Window::round_writing(edge, (800, 600), (1600, 1200)),
            Window { x0: 0.0, y0: 0.0, x1: 1600.0, y1: 1200.0 }
        );
    }

    #[test]
    fn a_cut_starts_on_the_detectors_grid_and_ends_in_whole_cells() {
        let window = Window { x0: 504.0, y0: 304.0, x1: 1096.0, y1: 896.0 };
        // 504 down to 480, to 1096: 616 up to 640; 304 down to 288, to 896: 608
        assert_eq!(window.cut((1600, 1200)), Some(Cut { x: 480, y: 288, width: 640, height: 608 }));
        // at the canvas's edge its last cell reaches past it, as the whole canvas's does
        let edge = Window { x0: 0.0, y0: 0.0, x1: 1131.0, y1: 400.0 };
        assert_eq!(edge.cut((1131, 1600)), Some(Cut { x: 0, y: 0, width: 1152, height: 416 }));
        // most of the canvas, or none of it: no cut
        assert_eq!(Window { x0: 10.0, y0: 10.0, x1: 1590.0, y1: 1150.0 }.cut((1600, 1200)), None);
        assert_eq!(Window { x0: 1700.0, y0: 10.0, x1: 1800.0, y1: 100.0 }.cut((1600, 1200)), None);
    }

    #[test]
    fn a_cut_s_pixels_are_the_canvas_s_and_white_beyond_it() {
        let canvas = RgbImage::from_fn(100, 70, |x, y| Rgb([x as u8, y as u8, 7]));
        let cut = Cut { x: 64, y: 32, width: 64, height: 64 };
        let image = cut.image(&canvas);
        assert_eq!(image.dimensions(), (64, 64));
        assert_eq!(image.get_pixel(0, 0), &Rgb([64, 32, 7]));
        assert_eq!(image.get_pixel(35, 37), &Rgb([99, 69, 7]));
        assert_eq!(image.get_pixel(36, 0), &Rgb([255, 255, 255]));
        assert_eq!(image.get_pixel(0, 38), &Rgb([255, 255, 255]));
        assert_eq!(cut.to_canvas([1.5, 2.0]), [65.5, 34.0]);
    }

    #[test]
    fn a_window_turned_with_its_image_covers_the_same_pixels() {
        // a 100 x 60 image; the window's corners come back onto it by `to_photo`
        let window = Window { x0: 10.0, y0: 5.0, x1: 30.0, y1: 25.0 };
        for turn in [PageTurn::None, PageTurn::Cw90, PageTurn::Cw180, PageTurn::Cw270] {
            let turned = window.turned(turn, 100.0, 60.0);
            let (tw, th) = if matches!(turn, PageTurn::Cw90 | PageTurn::Cw270) { (60.0, 100.0) } else { (100.0, 60.0) };
            assert!(turned.x0 >= 0.0 && turned.y0 >= 0.0 && turned.x1 <= tw && turned.y1 <= th, "{turn:?}: {turned:?}");
            let back = turned.mapped(|p| turn.to_photo(p, 100.0, 60.0));
            assert_eq!(back, window, "{turn:?}");
        }
    }
}
