//! Turning an uploaded file into poster renditions: only PNG, JPEG and WebP, checked by their
//! content (never by the name or the declared type), dimensions read from the header before
//! any pixel is decoded, then re-encoded (which drops every metadata chunk: EXIF, GPS, ICC
//! text) as WebP at fixed widths, cropped to the catalog's 2:3 tiles.

use std::io::Cursor;

use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The widths stored for every poster; heights follow the 2:3 tile.
pub const WIDTHS: [u32; 3] = [160, 320, 640];
/// Largest accepted upload (the file itself, not the request around it).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Larger sides or pixel counts are refused before decoding (decompression bombs).
pub const MAX_SIDE: u32 = 6_000;
pub const MAX_PIXELS: u64 = 40_000_000;

/// The height of a rendition `width` wide.
pub const fn height_for(width: u32) -> u32 {
    width * 3 / 2
}

/// Why an upload was refused; each is shown to staff as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    NotAnImage,
    WrongFormat,
    TooManyPixels { width: u32, height: u32 },
    Unreadable,
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::Empty => "Choose an image file to upload.".into(),
            Refused::TooLarge => "The file is larger than 5 MB.".into(),
            Refused::NotAnImage => "That file is not a PNG, JPEG or WebP image.".into(),
            Refused::WrongFormat => "Only PNG, JPEG and WebP images are accepted.".into(),
            Refused::TooManyPixels { width, height } => [
                "The image is ",
                &width.to_string(),
                " × ",
                &height.to_string(),
                " pixels; at most 6,000 a side and 40 megapixels are accepted.",
            ]
            .concat(),
            Refused::Unreadable => "The image could not be read (damaged or incomplete).".into(),
        }
    }
}

/// A poster's files, ready to store: a content-hash key and one WebP file per width.
pub struct Renditions {
    pub key: String,
    pub files: Vec<(u32, Vec<u8>)>,
}

/// Checks and converts an upload (CPU-bound: run it on a blocking thread).
pub fn process(bytes: &[u8]) -> Result<Renditions, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Refused::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Refused::NotAnImage)?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {}
        Some(_) => return Err(Refused::WrongFormat),
        None => return Err(Refused::NotAnImage),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let mut reader = reader;
    reader.limits(limits);
    // Reads the header only.
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => Refused::TooManyPixels {
            width: 0,
            height: 0,
        },
        _ => Refused::Unreadable,
    })?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => Refused::TooManyPixels { width, height },
        _ => Refused::Unreadable,
    })?;
    picture.apply_orientation(orientation);
    renditions(&picture).map_err(|_| Refused::Unreadable)
}

fn check_dimensions(width: u32, height: u32) -> Result<(), Refused> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 {
        return Err(Refused::Unreadable);
    }
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(Refused::TooManyPixels { width, height });
    }
    Ok(())
}

/// The stored files of `picture`: cropped to 2:3 around its centre, then each width. Used for
/// uploads and for the demo's drawn posters alike.
pub fn renditions(picture: &DynamicImage) -> Result<Renditions, image::ImageError> {
    let widest = WIDTHS[WIDTHS.len() - 1];
    // One resample from the original, the smaller ones from that (fast, and sharp enough).
    let mut current = picture.resize_to_fill(widest, height_for(widest), FilterType::CatmullRom);
    let mut files = Vec::with_capacity(WIDTHS.len());
    for &width in WIDTHS.iter().rev() {
        if current.width() != width {
            current = current.resize_exact(width, height_for(width), FilterType::Triangle);
        }
        let rgba = current.to_rgba8();
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out).encode(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        )?;
        files.push((width, out));
    }
    files.reverse();
    let mut hash = Sha256::new();
    for (_, bytes) in &files {
        hash.update(bytes);
    }
    let digest = hash.finalize();
    let key: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Ok(Renditions { key, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = DynamicImage::new_rgb8(width, height);
        let mut out = Cursor::new(Vec::new());
        picture
            .write_to(&mut out, ImageFormat::Png)
            .expect("encode png");
        out.into_inner()
    }

    #[test]
    fn a_small_png_becomes_three_webp_renditions() {
        let result = process(&png(30, 20)).expect("accepted");
        assert_eq!(result.key.len(), 32);
        let widths: Vec<u32> = result.files.iter().map(|(w, _)| *w).collect();
        assert_eq!(widths, WIDTHS);
        for (width, bytes) in &result.files {
            assert_eq!(&bytes[..4], b"RIFF");
            assert_eq!(&bytes[8..12], b"WEBP");
            let back = image::load_from_memory(bytes).expect("decodes");
            assert_eq!((back.width(), back.height()), (*width, height_for(*width)));
        }
    }

    #[test]
    fn text_and_other_formats_are_refused() {
        assert_eq!(process(b"hello").err(), Some(Refused::NotAnImage));
        assert_eq!(
            process(b"GIF89a\x01\x00\x01\x00").err(),
            Some(Refused::WrongFormat)
        );
        assert_eq!(process(b"").err(), Some(Refused::Empty));
    }

    #[test]
    fn a_header_claiming_huge_dimensions_is_refused_before_decoding() {
        let mut bytes = png(1, 1);
        // IHDR's width and height sit at bytes 16..24; the CRC no longer matches, and the
        // check still answers from the dimensions (a decoder would have failed otherwise).
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(matches!(
            process(&bytes).err(),
            Some(Refused::TooManyPixels { .. } | Refused::Unreadable)
        ));
        assert!(check_dimensions(6_001, 10).is_err());
        assert!(check_dimensions(6_000, 6_000).is_ok());
        assert!(check_dimensions(5_000, 9_000).is_err());
    }
}
