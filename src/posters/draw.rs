//! Posters drawn from a title, for the demo and scale seeds: a two-colour gradient and a few
//! translucent shapes chosen by a hash of the title, with the title set in DejaVu Sans Bold
//! (bundled by the `dejavu` crate: no network, no system fonts).

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use image::{DynamicImage, Rgba, RgbaImage};
use sha2::{Digest, Sha256};

use super::image::{height_for, WIDTHS};

/// Draws the poster of `title` at the widest rendition's size.
pub fn poster(title: &str) -> DynamicImage {
    let (mut canvas, band_top) = art(title.as_bytes());
    if let Ok(font) = FontRef::try_from_slice(dejavu::sans::bold()) {
        title_text(&mut canvas, &font, title, band_top);
    }
    DynamicImage::ImageRgba8(canvas)
}

/// A poster without a title: the same art from `design` (the large synthetic catalogs share
/// a few of these instead of drawing thousands).
pub fn pattern(design: u32) -> DynamicImage {
    let (canvas, _) = art(&["pattern-", &design.to_string()].concat().into_bytes());
    DynamicImage::ImageRgba8(canvas)
}

/// The gradient, shapes and title band chosen by a hash of `input`; returns where the band
/// starts.
fn art(input: &[u8]) -> (RgbaImage, u32) {
    // Drawn small and scaled up: the art is soft anyway, and 16 times fewer pixels keep the
    // seeds quick.
    let width = WIDTHS[0];
    let height = height_for(width);
    let full = WIDTHS[WIDTHS.len() - 1];
    let scale = width as f32 / full as f32;
    let seed: [u8; 32] = Sha256::digest(input).into();
    let hue = f32::from(seed[0]) / 255.0 * 360.0;
    let top = hsl(hue, 0.55, 0.45);
    let bottom = hsl((hue + 40.0 + f32::from(seed[1] % 80)) % 360.0, 0.6, 0.18);
    let mut canvas = RgbaImage::from_fn(width, height, |_, y| {
        let t = y as f32 / height as f32;
        mix(top, bottom, t)
    });
    // A few large soft circles: the "art".
    for i in 0..3 {
        let base = 2 + i * 3;
        let cx = f32::from(seed[base]) / 255.0 * width as f32;
        let cy = f32::from(seed[base + 1]) / 255.0 * height as f32 * 0.7;
        let r = (120.0 + f32::from(seed[base + 2]) / 255.0 * 220.0) * scale;
        let colour = hsl((hue + 150.0 + 40.0 * i as f32) % 360.0, 0.6, 0.6);
        circle(&mut canvas, cx, cy, r, colour, 0.22);
    }
    // A darker band behind the title keeps it legible on any colours.
    let band_top = height * 58 / 100;
    for y in band_top..height {
        let t = (y - band_top) as f32 / (height - band_top) as f32;
        for x in 0..width {
            let pixel = canvas.get_pixel_mut(x, y);
            *pixel = blend(*pixel, [0, 0, 0], 0.6 * t);
        }
    }
    let factor = full / width;
    let canvas = image::imageops::resize(
        &canvas,
        full,
        height_for(full),
        image::imageops::FilterType::Triangle,
    );
    (canvas, band_top * factor)
}

fn title_text(canvas: &mut RgbaImage, font: &FontRef<'_>, title: &str, band_top: u32) {
    let (width, height) = canvas.dimensions();
    let margin = 48.0;
    let max_width = width as f32 - 2.0 * margin;
    let words: Vec<&str> = title.split_whitespace().collect();
    let mut size = 84.0;
    let lines = loop {
        let scaled = font.as_scaled(PxScale::from(size));
        let lines = wrap(&scaled, &words, max_width);
        let fits = lines.len() <= 4 && lines.iter().all(|l| measure(&scaled, l) <= max_width);
        if fits || size <= 30.0 {
            break lines;
        }
        size -= 6.0;
    };
    let scaled = font.as_scaled(PxScale::from(size));
    let line_height = scaled.height() + scaled.line_gap();
    let block = line_height * lines.len() as f32;
    let mut baseline = (height as f32 - margin - block).max(band_top as f32) + scaled.ascent();
    for line in &lines {
        let mut x = margin;
        let mut previous = None;
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(prev) = previous {
                x += scaled.kern(prev, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(size), point(x, baseline));
            x += scaled.h_advance(id);
            previous = Some(id);
            let Some(outlined) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                    let pixel = canvas.get_pixel_mut(px as u32, py as u32);
                    *pixel = blend(*pixel, [255, 255, 255], coverage);
                }
            });
        }
        baseline += line_height;
    }
}

fn measure<F: Font, S: ScaleFont<F>>(font: &S, text: &str) -> f32 {
    text.chars().map(|c| font.h_advance(font.glyph_id(c))).sum()
}

fn wrap<F: Font, S: ScaleFont<F>>(font: &S, words: &[&str], max_width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        let candidate = if current.is_empty() {
            (*word).to_owned()
        } else {
            [current.as_str(), " ", word].concat()
        };
        if current.is_empty() || measure(font, &candidate) <= max_width {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = (*word).to_owned();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn circle(canvas: &mut RgbaImage, cx: f32, cy: f32, r: f32, colour: [u8; 3], alpha: f32) {
    let (width, height) = canvas.dimensions();
    let x0 = (cx - r).max(0.0) as u32;
    let x1 = ((cx + r) as u32).min(width);
    let y0 = (cy - r).max(0.0) as u32;
    let y1 = ((cy + r) as u32).min(height);
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            if d <= r {
                // Soft edge over the last pixel.
                let edge = (r - d).min(1.0);
                let pixel = canvas.get_pixel_mut(x, y);
                *pixel = blend(*pixel, colour, alpha * edge);
            }
        }
    }
}

fn blend(pixel: Rgba<u8>, colour: [u8; 3], alpha: f32) -> Rgba<u8> {
    let mix = |a: u8, b: u8| (f32::from(a) * (1.0 - alpha) + f32::from(b) * alpha).round() as u8;
    Rgba([
        mix(pixel[0], colour[0]),
        mix(pixel[1], colour[1]),
        mix(pixel[2], colour[2]),
        255,
    ])
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> Rgba<u8> {
    blend(Rgba([a[0], a[1], a[2], 255]), b, t)
}

fn hsl(h: f32, s: f32, l: f32) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_draws_the_same_poster_every_time() {
        let a = poster("The Long Winter");
        let b = poster("The Long Winter");
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), poster("Harbour Lights").as_bytes());
        assert_eq!((a.width(), a.height()), (640, 960));
    }
}
