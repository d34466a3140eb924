//! 8-connected components of a float map's pixels at or above a threshold: the detector's formula
//! cores in its probability map (`detector::postprocess`), a page's letters (`detector::writing`)
//! and the pieces of ink on a framing probe (`stray_marks`).

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
