//! Files guests send in the chat (a menu question with a photo, an event brief as PDF): what a
//! file is, judged by its bytes and never by its name, whether it may be kept, and the image
//! with its metadata removed (EXIF with GPS position and camera, XMP, comments, text chunks).
//! No I/O: the bytes come in, the bytes to store go out.

/// Largest file a guest may send.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Files per conversation.
pub const MAX_PER_CONVERSATION: i64 = 5;
/// Largest image, in pixels: a small file that decodes to more is a decompression bomb.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest file name kept (characters).
pub const NAME_MAX: usize = 120;

/// The kinds of file accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Kind::Pdf
    }
}

/// Why a file is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    /// Not an image (JPEG, PNG, WebP) or PDF by its content, whatever its name says.
    Type,
    /// Its header says it is larger than [`MAX_PIXELS`], or no size could be read.
    Dimensions,
    /// The image's structure is broken.
    Damaged,
}

impl Refused {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Empty => "empty",
            Refused::TooLarge => "too_large",
            Refused::Type => "unsupported_type",
            Refused::Dimensions => "too_many_pixels",
            Refused::Damaged => "damaged",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refused::Empty => "the file is empty".into(),
            Refused::TooLarge => format!("a file may have at most {} MB", MAX_BYTES / 1024 / 1024),
            Refused::Type => {
                "only images (JPEG, PNG, WebP) and PDF files, judged by their content".into()
            }
            Refused::Dimensions => format!(
                "an image may have at most {} megapixels",
                MAX_PIXELS / 1_000_000
            ),
            Refused::Damaged => "the image could not be read".into(),
        }
    }
}

/// What the bytes are, by their signature.
pub fn sniff(b: &[u8]) -> Option<Kind> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if b.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Checks a guest's file and returns its kind and the bytes to keep: images without their
/// metadata, PDFs as sent.
pub fn accept(bytes: &[u8]) -> Result<(Kind, Vec<u8>), Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let kind = sniff(bytes).ok_or(Refused::Type)?;
    let kept = match kind {
        Kind::Jpeg => jpeg(bytes)?,
        Kind::Png => png(bytes)?,
        Kind::Webp => webp(bytes)?,
        Kind::Pdf => bytes.to_vec(),
    };
    Ok((kind, kept))
}

/// A file name safe to show and to send as `filename`: the last path part, printable
/// characters only, at most [`NAME_MAX`], with the extension of what the file really is.
pub fn clean_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map(|(s, _)| s).unwrap_or(base);
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ';' | '\\' | '/'))
        .take(NAME_MAX)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "file" } else { stem };
    format!("{stem}.{}", kind.extension())
}

fn too_big(w: u64, h: u64) -> Result<(), Refused> {
    if w == 0 || h == 0 || w.saturating_mul(h) > MAX_PIXELS {
        Err(Refused::Dimensions)
    } else {
        Ok(())
    }
}

/// JPEG: every APPn segment but JFIF (APP0), the ICC colour profile (APP2) and Adobe's (APP14),
/// and every comment, are dropped; the frame's size is checked.
fn jpeg(b: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    let mut sized = false;
    loop {
        // Markers may be padded with 0xFF.
        while i < b.len() && b[i] == 0xFF && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 4 > b.len() || b[i] != 0xFF {
            return Err(Refused::Damaged);
        }
        let marker = b[i + 1];
        if marker == 0xD9 {
            out.extend_from_slice(&b[i..i + 2]);
            break;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return Err(Refused::Damaged);
        }
        let segment = &b[i..i + 2 + len];
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): height and width.
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if len < 7 {
                return Err(Refused::Damaged);
            }
            let h = u16::from_be_bytes([segment[5], segment[6]]) as u64;
            let w = u16::from_be_bytes([segment[7], segment[8]]) as u64;
            too_big(w, h)?;
            sized = true;
        }
        let drop = matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE);
        if !drop {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
        if marker == 0xDA {
            // The entropy-coded data runs to the end of the image; keep it as it is.
            out.extend_from_slice(&b[i..]);
            break;
        }
    }
    if !sized {
        return Err(Refused::Dimensions);
    }
    Ok(out)
}

/// PNG: text, time and EXIF chunks are dropped; the header's size is checked.
fn png(b: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    let mut sized = false;
    while i + 12 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let end = i
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .ok_or(Refused::Damaged)?;
        if end > b.len() {
            return Err(Refused::Damaged);
        }
        let kind = &b[i + 4..i + 8];
        if kind == b"IHDR" {
            if len < 8 {
                return Err(Refused::Damaged);
            }
            let w = u32::from_be_bytes([b[i + 8], b[i + 9], b[i + 10], b[i + 11]]) as u64;
            let h = u32::from_be_bytes([b[i + 12], b[i + 13], b[i + 14], b[i + 15]]) as u64;
            too_big(w, h)?;
            sized = true;
        }
        let drop = matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME");
        if !drop {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            break;
        }
    }
    if !sized {
        return Err(Refused::Dimensions);
    }
    Ok(out)
}

/// WebP: the EXIF and XMP chunks are dropped (and their flags cleared); the canvas size is
/// checked.
fn webp(b: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut i = 12;
    let mut size: Option<(u64, u64)> = None;
    while i + 8 <= b.len() {
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        let padded = len + (len & 1);
        let end = (i + 8).checked_add(padded).ok_or(Refused::Damaged)?;
        if i + 8 + len > b.len() {
            return Err(Refused::Damaged);
        }
        let end = end.min(b.len());
        let fourcc = &b[i..i + 4];
        let data = &b[i + 8..i + 8 + len];
        match fourcc {
            b"VP8X" if len >= 10 => {
                let w = 1 + u32::from_le_bytes([data[4], data[5], data[6], 0]) as u64;
                let h = 1 + u32::from_le_bytes([data[7], data[8], data[9], 0]) as u64;
                size = Some((w, h));
            }
            b"VP8 " if len >= 10 && size.is_none() => {
                let w = (u16::from_le_bytes([data[6], data[7]]) & 0x3FFF) as u64;
                let h = (u16::from_le_bytes([data[8], data[9]]) & 0x3FFF) as u64;
                size = Some((w, h));
            }
            b"VP8L" if len >= 5 && size.is_none() => {
                let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
                size = Some((
                    (bits & 0x3FFF) as u64 + 1,
                    ((bits >> 14) & 0x3FFF) as u64 + 1,
                ));
            }
            _ => {}
        }
        if !matches!(fourcc, b"EXIF" | b"XMP ") {
            chunks.push(&b[i..end]);
        }
        i = end;
    }
    let (w, h) = size.ok_or(Refused::Dimensions)?;
    too_big(w, h)?;
    let body: usize = chunks.iter().map(|c| c.len()).sum();
    let mut out = Vec::with_capacity(12 + body);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + body) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    for c in chunks {
        let start = out.len();
        out.extend_from_slice(c);
        if &c[..4] == b"VP8X" && c.len() > 8 {
            // Flags: EXIF (0x08) and XMP (0x04) are gone.
            out[start + 8] &= !0x0C;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny JPEG: SOI, an EXIF APP1 with a GPS tag name, JFIF APP0, a comment, a frame of
    /// `w`×`h`, a scan and EOI.
    pub(crate) fn jpeg_with_exif(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0MM\0*GPSLatitude 47.99N GPSLongitude 7.85E";
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(exif);
        let jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        b.extend_from_slice(&[0xFF, 0xE0]);
        b.extend_from_slice(&((jfif.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(jfif);
        let com = b"taken by Max Mustermann";
        b.extend_from_slice(&[0xFF, 0xFE]);
        b.extend_from_slice(&((com.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(com);
        b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
        b.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        b.extend(png_chunk(b"IHDR", &ihdr));
        b.extend(png_chunk(b"tEXt", b"Author\0Max Mustermann"));
        b.extend(png_chunk(b"eXIf", b"MM\0*GPS"));
        b.extend(png_chunk(b"IDAT", b"pixels"));
        b.extend(png_chunk(b"IEND", b""));
        b
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_exif_gps_and_comments_and_keeps_its_picture() {
        let (kind, kept) = accept(&jpeg_with_exif(640, 480)).expect("accepted");
        assert_eq!(kind, Kind::Jpeg);
        assert!(!contains(&kept, b"Exif"), "EXIF gone");
        assert!(!contains(&kept, b"GPS"), "position gone");
        assert!(!contains(&kept, b"Mustermann"), "comment gone");
        assert!(contains(&kept, b"JFIF"), "JFIF kept");
        assert!(
            contains(&kept, &[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]),
            "scan kept"
        );
        assert_eq!(sniff(&kept), Some(Kind::Jpeg));
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let (kind, kept) = accept(&png(800, 600)).expect("accepted");
        assert_eq!(kind, Kind::Png);
        assert!(!contains(&kept, b"Mustermann") && !contains(&kept, b"GPS"));
        assert!(contains(&kept, b"IDAT") && contains(&kept, b"IEND"));
    }

    #[test]
    fn a_webp_loses_exif_and_its_flag() {
        let mut vp8x = vec![0x08 | 0x04, 0, 0, 0];
        vp8x.extend_from_slice(&[99, 0, 0, 49, 0, 0]); // 100 x 50
        let mut body = b"WEBP".to_vec();
        for (cc, data) in [
            (b"VP8X", vp8x.as_slice()),
            (b"EXIF", b"MM\0*GPS".as_slice()),
            (b"VP8L", b"\x2f\0\0\0\0".as_slice()),
        ] {
            body.extend_from_slice(cc);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend(body);
        let (kind, kept) = accept(&b).expect("accepted");
        assert_eq!(kind, Kind::Webp);
        assert!(!contains(&kept, b"GPS"));
        assert_eq!(kept[20] & 0x0C, 0, "flags cleared");
        assert_eq!(
            u32::from_le_bytes([kept[4], kept[5], kept[6], kept[7]]) as usize,
            kept.len() - 8
        );
    }

    #[test]
    fn the_content_decides_not_the_name() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".repeat(10);
        assert_eq!(accept(&exe), Err(Refused::Type), "an .exe named .jpg");
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0".repeat(10);
        assert_eq!(accept(&zip), Err(Refused::Type), "a zip (bomb or not)");
        assert_eq!(accept(b"<svg onload=alert(1)>"), Err(Refused::Type));
        assert_eq!(accept(b""), Err(Refused::Empty));
        let (kind, kept) = accept(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF").expect("pdf");
        assert_eq!((kind, kept.len()), (Kind::Pdf, 34));
    }

    #[test]
    fn decompression_bombs_and_oversize_files_are_refused() {
        assert_eq!(accept(&png(100_000, 100_000)), Err(Refused::Dimensions));
        assert_eq!(
            accept(&jpeg_with_exif(65_000, 65_000)),
            Err(Refused::Dimensions)
        );
        assert_eq!(accept(&png(0, 10)), Err(Refused::Dimensions));
        let mut big = png(10, 10);
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(accept(&big), Err(Refused::TooLarge));
        let cut = &jpeg_with_exif(10, 10)[..30];
        assert!(accept(cut).is_err(), "a cut JPEG");
    }

    #[test]
    fn names_are_cleaned_and_take_the_real_extension() {
        assert_eq!(clean_name("../../etc/passwd.jpg", Kind::Png), "passwd.png");
        assert_eq!(
            clean_name("C:\\Users\\x\\Menü Frage.JPG", Kind::Jpeg),
            "Menü Frage.jpg"
        );
        assert_eq!(clean_name("\"<script>.pdf", Kind::Pdf), "script.pdf");
        assert_eq!(clean_name("", Kind::Pdf), "file.pdf");
        assert_eq!(
            clean_name(&"a".repeat(500), Kind::Jpeg).chars().count(),
            NAME_MAX + 4
        );
    }
}
