//! Quadrilaterals: minimum-area rotated rectangles around pixel sets, and their corner order.

pub type Point = [f32; 2];
pub type Quad = [Point; 4];

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Convex hull (Andrew's monotone chain), counter-clockwise in y-up terms.
pub fn convex_hull(mut pts: Vec<Point>) -> Vec<Point> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> =
            if pass == 0 { Box::new(pts.iter()) } else { Box::new(pts.iter().rev()) };
        for &p in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Minimum-area enclosing rectangle: (centre, width along `angle`, height, angle in radians),
/// with the angle folded into (-45°, 45°] so "width" runs along the text line.
pub fn min_area_rect(points: &[Point]) -> ([f32; 2], f32, f32, f32) {
    let hull = convex_hull(points.to_vec());
    if hull.is_empty() {
        return ([0.0, 0.0], 0.0, 0.0, 0.0);
    }
    let mut best = (f32::MAX, [0.0f32; 2], 0.0f32, 0.0f32, 0.0f32);
    let n = hull.len();
    for i in 0..n.max(1) {
        let a = hull[i];
        let b = hull[(i + 1) % n];
        let ang = (b[1] - a[1]).atan2(b[0] - a[0]);
        let (c, s) = (ang.cos(), ang.sin());
        let (mut lo_u, mut hi_u, mut lo_v, mut hi_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in &hull {
            let u = p[0] * c + p[1] * s;
            let v = -p[0] * s + p[1] * c;
            lo_u = lo_u.min(u);
            hi_u = hi_u.max(u);
            lo_v = lo_v.min(v);
            hi_v = hi_v.max(v);
        }
        let area = (hi_u - lo_u) * (hi_v - lo_v);
        if area < best.0 {
            let (cu, cv) = ((lo_u + hi_u) / 2.0, (lo_v + hi_v) / 2.0);
            let centre = [cu * c - cv * s, cu * s + cv * c];
            best = (area, centre, hi_u - lo_u, hi_v - lo_v, ang);
        }
    }
    let (_, centre, mut w, mut h, mut ang) = best;
    // fold the angle into (-45°, 45°]: a formula is read along its longer-than-tall direction
    let quarter = std::f32::consts::FRAC_PI_2;
    while ang > quarter / 2.0 {
        ang -= quarter;
        std::mem::swap(&mut w, &mut h);
    }
    while ang <= -quarter / 2.0 {
        ang += quarter;
        std::mem::swap(&mut w, &mut h);
    }
    (centre, w, h, ang)
}

/// Corners of a rotated rectangle, clockwise (y down) from the top-left of its reading direction.
pub fn rect_corners(centre: [f32; 2], w: f32, h: f32, angle: f32) -> Quad {
    let (c, s) = (angle.cos(), angle.sin());
    let corner = |du: f32, dv: f32| [centre[0] + du * c - dv * s, centre[1] + du * s + dv * c];
    [corner(-w / 2.0, -h / 2.0), corner(w / 2.0, -h / 2.0), corner(w / 2.0, h / 2.0), corner(-w / 2.0, h / 2.0)]
}

pub fn quad_centre(q: &Quad) -> Point {
    [q.iter().map(|p| p[0]).sum::<f32>() / 4.0, q.iter().map(|p| p[1]).sum::<f32>() / 4.0]
}

/// The unit vector from `a` towards `b` (zero-length: a tiny length stands in, no division by zero).
pub fn unit(a: Point, b: Point) -> Point {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let n = (dx * dx + dy * dy).sqrt().max(1e-6);
    [dx / n, dy / n]
}

fn dist(a: Point, b: Point) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Reading-direction width and height of a quad.
pub fn quad_size(q: &Quad) -> (f32, f32) {
    ((dist(q[0], q[1]) + dist(q[3], q[2])) / 2.0, (dist(q[0], q[3]) + dist(q[1], q[2])) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_area_rect_of_a_rotated_rectangle() {
        let truth = rect_corners([50.0, 40.0], 60.0, 10.0, 0.3);
        let mut pts = Vec::new();
        for i in 0..=20 {
            for j in 0..=4 {
                let (u, v) = (-30.0 + 3.0 * i as f32, -5.0 + 2.5 * j as f32);
                pts.push([50.0 + u * 0.3f32.cos() - v * 0.3f32.sin(), 40.0 + u * 0.3f32.sin() + v * 0.3f32.cos()]);
            }
        }
        let (c, w, h, a) = min_area_rect(&pts);
        assert!((c[0] - 50.0).abs() < 0.5 && (c[1] - 40.0).abs() < 0.5);
        assert!((w - 60.0).abs() < 0.5 && (h - 10.0).abs() < 0.5, "{w} {h}");
        assert!((a - 0.3).abs() < 0.01);
        let q = rect_corners(c, w, h, a);
        for (p, t) in q.iter().zip(truth.iter()) {
            assert!(dist(*p, *t) < 1.0);
        }
    }
}
