//! QR codes: the module matrix from the `qrcode` crate (no rendering
//! features), drawn here as an SVG path and as a 1-bit PNG. Both writers
//! are small and exact: one SVG path of horizontal runs in module units,
//! and a PNG of `scale` pixels per module with a quiet zone.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use qrcode::{Color, EcLevel, QrCode};

/// A square matrix of modules, row by row; true is dark.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub width: usize,
    dark: Vec<bool>,
}

/// Error correction level M (15 %): survives scratches on a shop-floor
/// label and keeps the code small enough for 25 mm labels.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// The quiet zone the standard asks for around a code, in modules.
pub const QUIET: usize = 4;

impl Matrix {
    pub fn encode(data: &str) -> Result<Self, String> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EC_LEVEL)
            .map_err(|e| format!("cannot encode {} bytes as a QR code: {e}", data.len()))?;
        let width = code.width();
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Self { width, dark })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// SVG path data in module units, offset by `quiet` modules: one
    /// `M x y h n v1 h -n z` rectangle per horizontal run of dark modules.
    pub fn svg_path(&self, quiet: usize) -> String {
        let mut d = String::with_capacity(self.width * self.width * 2);
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                let _ = write_run(&mut d, start + quiet, y + quiet, run);
            }
        }
        d
    }

    /// A standalone SVG of the code: `size_mm` square including the quiet
    /// zone, viewBox in module units.
    pub fn to_svg(&self, size_mm: f64) -> String {
        let n = self.width + 2 * QUIET;
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}mm\" height=\"{size}mm\" \
             viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>\
             <path id=\"qr\" fill=\"#000\" d=\"{d}\"/></svg>\n",
            size = super::layout::mm(size_mm),
            d = self.svg_path(QUIET)
        )
    }

    /// A grayscale PNG, 1 bit per pixel: `scale` pixels per module and a
    /// quiet zone of `border` modules.
    pub fn to_png(&self, scale: u32, border: u32) -> Result<Vec<u8>, String> {
        let scale = scale as usize;
        let border = border as usize;
        let side = (self.width + 2 * border) * scale;
        let side_u32 = u32::try_from(side).map_err(|_| "image too large".to_owned())?;
        let row_bytes = side.div_ceil(8);
        let mut raw = Vec::with_capacity((row_bytes + 1) * side);
        for py in 0..side {
            raw.push(0); // filter: none
            let my = (py / scale).checked_sub(border);
            let mut byte = 0u8;
            for px in 0..side {
                let mx = (px / scale).checked_sub(border);
                let dark = matches!((mx, my), (Some(x), Some(y)) if x < self.width && y < self.width && self.is_dark(x, y));
                // Bit depth 1, grayscale: 1 is white.
                byte = (byte << 1) | u8::from(!dark);
                if px % 8 == 7 {
                    raw.push(byte);
                    byte = 0;
                }
            }
            if !side.is_multiple_of(8) {
                raw.push(byte << (8 - side % 8));
            }
        }
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&raw).map_err(|e| e.to_string())?;
        let idat = z.finish().map_err(|e| e.to_string())?;

        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&side_u32.to_be_bytes());
        ihdr.extend_from_slice(&side_u32.to_be_bytes());
        // Bit depth 1, colour type 0 (grayscale), deflate, no filter method, no interlace.
        ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);

        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &idat);
        chunk(&mut png, b"IEND", &[]);
        Ok(png)
    }
}

fn write_run(d: &mut String, x: usize, y: usize, run: usize) -> std::fmt::Result {
    use std::fmt::Write as _;
    write!(d, "M{x} {y}h{run}v1h-{run}z")
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Chunks are at most a few kilobytes here.
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_decodable_image_of_the_right_size() {
        let m = Matrix::encode("https://shopdb.example.com/a/42").unwrap();
        let png = m.to_png(4, 4).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width as usize, (m.width + 8) * 4);
        assert_eq!(info.bit_depth, png::BitDepth::One);
        // The top-left finder pattern's corner is dark, the border white.
        let row = |y: usize| &buf[y * info.line_size..(y + 1) * info.line_size];
        let bit = |x: usize, y: usize| (row(y)[x / 8] >> (7 - x % 8)) & 1;
        assert_eq!(bit(0, 0), 1);
        assert_eq!(bit(16, 16), 0);
    }

    #[test]
    fn svg_path_covers_every_dark_module_once() {
        let m = Matrix::encode("HELLO").unwrap();
        let d = m.svg_path(0);
        let total: usize = d
            .split('z')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.split('h')
                    .nth(1)
                    .unwrap()
                    .split('v')
                    .next()
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
        let dark = (0..m.width)
            .flat_map(|y| (0..m.width).map(move |x| (x, y)))
            .filter(|(x, y)| m.is_dark(*x, *y))
            .count();
        assert_eq!(total, dark);
    }
}
