//! Digits and pictures as PNG files.
//!
//! Reading accepts any 28x28 PNG: 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA and palette images
//! (expanded by the decoder). Color becomes luminance (BT.601: 0.299 R + 0.587 G + 0.114 B) and
//! alpha is composited over black, MNIST's background; 16-bit samples are scaled, not truncated.
//! An 8-bit grayscale PNG reads back exactly the bytes it was written from. MNIST digits are white
//! ink on a black background; `invert` turns dark-on-light drawings into that convention.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use png::{BitDepth, ColorType, Transformations};

use crate::digits::{plain_io, PIXELS, SIDE};

/// Largest PNG file read: a 28x28 image is a few hundred bytes; anything this big is not a digit.
pub const MAX_PNG_BYTES: u64 = 4 << 20;

/// A decoded PNG: 8- or 16-bit samples, 1 to 4 channels, rows of `line_size` bytes.
struct Decoded {
    width: u32,
    height: u32,
    channels: usize,
    bytes_per_sample: usize,
    line_size: usize,
    buf: Vec<u8>,
}

impl Decoded {
    /// Sample `c` of pixel `x` of row `y`, in [0, 1].
    fn sample(&self, x: usize, y: usize, c: usize) -> f64 {
        let row = &self.buf[y * self.line_size..];
        let i = x * self.channels + c;
        if self.bytes_per_sample == 1 {
            row.get(i).map_or(0.0, |&v| f64::from(v) / 255.0)
        } else {
            match (row.get(2 * i), row.get(2 * i + 1)) {
                (Some(&hi), Some(&lo)) => f64::from(u16::from_be_bytes([hi, lo])) / 65535.0,
                _ => 0.0,
            }
        }
    }
    /// The pixel as (red, green, blue, alpha) in [0, 1] (gray repeated).
    fn rgba(&self, x: usize, y: usize) -> [f64; 4] {
        let s = |c| self.sample(x, y, c);
        match self.channels {
            1 => [s(0), s(0), s(0), 1.0],
            2 => [s(0), s(0), s(0), s(1)],
            3 => [s(0), s(1), s(2), 1.0],
            _ => [s(0), s(1), s(2), s(3)],
        }
    }
}

/// Opens and decodes a PNG no larger than `max_file` bytes, `max_decoded` bytes decoded.
fn decode(path: &Path, max_file: u64, max_decoded: usize, what: &str) -> Result<Decoded, String> {
    let name = path.display();
    let file = File::open(path).map_err(|e| format!("PNG {name}: {}", plain_io(&e)))?;
    let meta = file.metadata().map_err(|e| format!("PNG {name}: {}", plain_io(&e)))?;
    if !meta.is_file() {
        return Err(format!("PNG {name}: not a regular file"));
    }
    let len = meta.len();
    if len > max_file {
        return Err(format!(
            "PNG {name}: {len} bytes is far too large for {what} (limit {max_file})"
        ));
    }
    let mut decoder = png::Decoder::new_with_limits(BufReader::new(file), png::Limits { bytes: max_decoded });
    decoder.set_transformations(Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| png_error(path, e))?;
    let (width, height) = (reader.info().width, reader.info().height);
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| format!("PNG {name}: image too large to decode"))?;
    let mut buf = vec![0u8; size];
    let out = reader.next_frame(&mut buf).map_err(|e| png_error(path, e))?;
    let channels = match out.color_type {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => return Err(format!("PNG {name}: palette image was not expanded")),
    };
    let bytes_per_sample = match out.bit_depth {
        BitDepth::Eight => 1,
        BitDepth::Sixteen => 2,
        other => return Err(format!("PNG {name}: unexpected {other:?} samples after expansion")),
    };
    if buf.len() < out.line_size * height as usize {
        return Err(format!("PNG {name}: decoded fewer rows than the header states"));
    }
    Ok(Decoded {
        width,
        height,
        channels,
        bytes_per_sample,
        line_size: out.line_size,
        buf,
    })
}

/// Reads a 28x28 PNG as 784 bytes (0 = black), inverted when `invert` is set.
pub fn read_png(path: &Path, invert: bool) -> Result<Vec<u8>, String> {
    let d = decode(path, MAX_PNG_BYTES, 1 << 20, "a 28x28 digit")?;
    if (d.width, d.height) != (SIDE, SIDE) {
        return Err(format!(
            "PNG {}: image is {}x{} pixels; expected 28x28 (an MNIST digit: white on black)",
            path.display(),
            d.width,
            d.height
        ));
    }
    let mut pixels = Vec::with_capacity(PIXELS);
    for y in 0..SIDE as usize {
        for x in 0..SIDE as usize {
            let [r, g, b, alpha] = d.rgba(x, y);
            let lum = 0.299 * r + 0.587 * g + 0.114 * b;
            let v = (lum * alpha * 255.0).round().clamp(0.0, 255.0) as u8;
            pixels.push(if invert { 255 - v } else { v });
        }
    }
    Ok(pixels)
}

/// Largest picture file read for a graph model.
pub const MAX_PICTURE_BYTES: u64 = 64 << 20;

/// A picture as `height x width x 3` RGB values in [0, 1] (alpha composited over black).
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<f32>,
}

/// Reads any PNG (gray, RGB, with or without alpha, 8 or 16 bits) as RGB.
pub fn read_picture(path: &Path) -> Result<Picture, String> {
    let d = decode(path, MAX_PICTURE_BYTES, 1 << 30, "a picture")?;
    let (width, height) = (d.width as usize, d.height as usize);
    if width == 0 || height == 0 {
        return Err(format!("PNG {}: the image has no pixels", path.display()));
    }
    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let [r, g, b, a] = d.rgba(x, y);
            rgb.extend([(r * a) as f32, (g * a) as f32, (b * a) as f32]);
        }
    }
    Ok(Picture { width, height, rgb })
}

/// Bilinear resize of a `height x width x 3` picture, as TF.js's `image.resizeBilinear` with its
/// defaults (no corner alignment, no half-pixel centers).
pub fn resize_bilinear(p: &Picture, out_h: usize, out_w: usize) -> Vec<f32> {
    let scale = |inp: usize, out: usize| inp as f64 / out as f64;
    let (sy, sx) = (scale(p.height, out_h), scale(p.width, out_w));
    let mut out = Vec::with_capacity(out_h * out_w * 3);
    for y in 0..out_h {
        let fy = y as f64 * sy;
        let y0 = (fy.floor() as usize).min(p.height - 1);
        let y1 = (y0 + 1).min(p.height - 1);
        let dy = fy - y0 as f64;
        for x in 0..out_w {
            let fx = x as f64 * sx;
            let x0 = (fx.floor() as usize).min(p.width - 1);
            let x1 = (x0 + 1).min(p.width - 1);
            let dx = fx - x0 as f64;
            for c in 0..3 {
                let v = |yy: usize, xx: usize| f64::from(p.rgb[(yy * p.width + xx) * 3 + c]);
                let top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * dx;
                let bottom = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * dx;
                out.push((top + (bottom - top) * dy) as f32);
            }
        }
    }
    out
}

fn png_error(path: &Path, e: png::DecodingError) -> String {
    let name = path.display();
    match e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("PNG {name}: file is truncated")
        }
        png::DecodingError::IoError(io) => format!("PNG {name}: {}", plain_io(&io)),
        png::DecodingError::Format(f) => format!("PNG {name}: not a valid PNG file ({f})"),
        png::DecodingError::LimitsExceeded => format!("PNG {name}: image too large to decode"),
        other => format!("PNG {name}: {other}"),
    }
}

/// Writes 784 bytes as an 8-bit grayscale 28x28 PNG.
pub fn write_png(path: &Path, pixels: &[u8]) -> Result<(), String> {
    let name = path.display();
    if pixels.len() != PIXELS {
        return Err(format!("{name}: {} pixels given, a digit has 784", pixels.len()));
    }
    let file = File::create(path).map_err(|e| format!("{name}: {}", plain_io(&e)))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), SIDE, SIDE);
    enc.set_color(ColorType::Grayscale);
    enc.set_depth(BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| format!("{name}: {e}"))?;
    writer.write_image_data(pixels).map_err(|e| format!("{name}: {e}"))?;
    writer.finish().map_err(|e| format!("{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ferroflow-edge-unit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir.join(name)
    }

    fn write_raw(path: &Path, w: u32, h: u32, color: ColorType, depth: BitDepth, data: &[u8]) {
        let f = File::create(path).map(BufWriter::new);
        let Ok(f) = f else { return };
        let mut enc = png::Encoder::new(f, w, h);
        enc.set_color(color);
        enc.set_depth(depth);
        let ok = enc
            .write_header()
            .and_then(|mut wr| wr.write_image_data(data).and_then(|_| wr.finish()));
        assert!(ok.is_ok(), "writing the test PNG failed");
    }

    fn digit() -> Vec<u8> {
        (0..PIXELS).map(|i| (i * 7 % 256) as u8).collect()
    }

    #[test]
    fn gray8_round_trips_exactly() {
        let p = tmp("gray8.png");
        assert_eq!(write_png(&p, &digit()), Ok(()));
        assert_eq!(read_png(&p, false), Ok(digit()));
        let inv: Vec<u8> = digit().iter().map(|v| 255 - v).collect();
        assert_eq!(read_png(&p, true), Ok(inv));
    }

    #[test]
    fn color_alpha_and_16_bit_become_luminance() {
        let d = digit();
        // RGB with equal channels: the same gray.
        let rgb: Vec<u8> = d.iter().flat_map(|&v| [v, v, v]).collect();
        let p = tmp("rgb.png");
        write_raw(&p, 28, 28, ColorType::Rgb, BitDepth::Eight, &rgb);
        assert_eq!(read_png(&p, false), Ok(d.clone()));
        // RGBA: opaque white where the digit has ink, transparent elsewhere -> over black.
        let rgba: Vec<u8> = d.iter().flat_map(|&v| [255, 255, 255, v]).collect();
        let p = tmp("rgba.png");
        write_raw(&p, 28, 28, ColorType::Rgba, BitDepth::Eight, &rgba);
        assert_eq!(read_png(&p, false), Ok(d.clone()));
        // Gray+alpha, fully opaque.
        let ga: Vec<u8> = d.iter().flat_map(|&v| [v, 255]).collect();
        let p = tmp("ga.png");
        write_raw(&p, 28, 28, ColorType::GrayscaleAlpha, BitDepth::Eight, &ga);
        assert_eq!(read_png(&p, false), Ok(d.clone()));
        // 16-bit gray: v * 257 is exactly v / 255.
        let g16: Vec<u8> = d.iter().flat_map(|&v| (u16::from(v) * 257).to_be_bytes()).collect();
        let p = tmp("g16.png");
        write_raw(&p, 28, 28, ColorType::Grayscale, BitDepth::Sixteen, &g16);
        assert_eq!(read_png(&p, false), Ok(d.clone()));
        // Pure red: luminance 0.299.
        let red: Vec<u8> = (0..PIXELS).flat_map(|_| [255, 0, 0]).collect();
        let p = tmp("red.png");
        write_raw(&p, 28, 28, ColorType::Rgb, BitDepth::Eight, &red);
        assert_eq!(read_png(&p, false), Ok(vec![76; PIXELS]));
    }

    #[test]
    fn wrong_size_and_garbage_are_errors() {
        let p = tmp("27x28.png");
        write_raw(&p, 27, 28, ColorType::Grayscale, BitDepth::Eight, &[0; 27 * 28]);
        let e = read_png(&p, false).err().unwrap_or_default();
        assert!(e.contains("27x28") && e.contains("expected 28x28"), "{e}");
        let p = tmp("garbage.png");
        assert!(std::fs::write(&p, b"not a png at all").is_ok());
        let e = read_png(&p, false).err().unwrap_or_default();
        assert!(e.contains("not a valid PNG"), "{e}");
        let e = read_png(&tmp("missing.png"), false).err().unwrap_or_default();
        assert!(e.contains("no such file"), "{e}");
    }
}
