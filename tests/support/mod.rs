//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn mathsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mathsnap")).args(args).output().expect("mathsnap runs")
}

pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// A test's own folder under the system's temporary one, removed when the test ends (pass or fail).
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("mathsnap-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

/// A PNG whose header claims the given size, with a valid CRC but no pixel data worth the name.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale
    v.extend(13u32.to_be_bytes());
    v.extend(&ihdr);
    v.extend(crc32(&ihdr).to_be_bytes());
    // a first IDAT (a zlib stream that barely starts) and IEND, so decoders get past the header
    for (kind, data) in [(&b"IDAT"[..], &[0x78u8, 0x9c, 0x63, 0x00, 0x00][..]), (&b"IEND"[..], &[][..])] {
        let mut chunk = kind.to_vec();
        chunk.extend(data);
        v.extend((data.len() as u32).to_be_bytes());
        v.extend(&chunk);
        v.extend(crc32(&chunk).to_be_bytes());
    }
    v
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Strings as JSON lines in a temporary file, for a script to read: a corpus written to a child's stdin
/// while the child fills its stdout pipe could deadlock.
pub fn json_lines_file(name: &str, items: &[String]) -> PathBuf {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("mathsnap-{name}-{}.jsonl", std::process::id()));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for s in items {
        writeln!(f, "{}", serde_json::to_string(s).unwrap()).unwrap();
    }
    f.flush().unwrap();
    path
}

/// `page` photographed turned by `deg` about its centre, on a desk that shows in the corners: the
/// photo's frame is the page's bounding box at that angle.
pub fn photographed_at_slant(page: &image::RgbImage, deg: f32) -> image::RgbImage {
    let (w, h) = (page.width() as f32, page.height() as f32);
    let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
    let (cw, ch) = ((w * c.abs() + h * s.abs()).ceil(), (w * s.abs() + h * c.abs()).ceil());
    // where each corner of the photo lies on the page: the photo's frame turned by `deg` about the centre
    let on_page = |x: f32, y: f32| {
        let (dx, dy) = (x - cw / 2.0, y - ch / 2.0);
        [w / 2.0 + dx * c - dy * s, h / 2.0 + dx * s + dy * c]
    };
    let frame = [on_page(0.0, 0.0), on_page(cw, 0.0), on_page(cw, ch), on_page(0.0, ch)];
    mathsnap::rectify::warp_quad(page, &frame, cw as u32, ch as u32, image::Rgb([90, 80, 70]))
}
