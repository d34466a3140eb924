//! 8-connected components of a float map's pixels at or above a threshold: the detector's formula
//! cores in its probability map (`detector::postprocess`), and as boxed pieces (`pieces`) a page's
//! letters (`detector::writing`) and the pieces of ink on a framing probe (`stray_marks`).

/// One connected piece: its box (end-exclusive) and its pixel count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
    pub pixels: usize,
}

impl Piece {
    pub fn width(&self) -> usize {
        self.right - self.left
    }
    pub fn height(&self) -> usize {
        self.bottom - self.top
    }
}

/// The components of `data` at or above `threshold` (as `components`), each as its box and size.
pub fn pieces(width: usize, height: usize, data: &[f32], threshold: f32) -> Vec<Piece> {
    components(width, height, data, threshold)
        .into_iter()
        .map(|pixels| {
            let mut p = Piece { top: usize::MAX, bottom: 0, left: usize::MAX, right: 0, pixels: pixels.len() };
            for &i in &pixels {
                let (y, x) = (i / width, i % width);
                p.top = p.top.min(y);
                p.bottom = p.bottom.max(y + 1);
                p.left = p.left.min(x);
                p.right = p.right.max(x + 1);
            }
            p
        })
        .collect()
}

/// The components of the `width` x `height` row-major `data` at or above `threshold`, each as its
/// pixels' indices, in order of each component's first pixel (row by row).
pub fn components(width: usize, height: usize, data: &[f32], threshold: f32) -> Vec<Vec<usize>> {
    let (w, h) = (width, height);
    let mut label = vec![u32::MAX; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if label[start] != u32::MAX || data[start] < threshold {
            continue;
        }
        let id = out.len() as u32;
        let mut pixels = Vec::new();
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            pixels.push(i);
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if label[j] == u32::MAX && data[j] >= threshold {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(pixels);
    }
    out
}
