//! A ZIP archive writer (PKWARE APPNOTE 6.3.10: local file headers, deflated data, the central
//! directory and its end record; UTF-8 names flagged by bit 11). Enough for exports of a few
//! megabytes: no ZIP64, at most 65,535 entries, each under 4 GiB.

use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::Write;

/// Builds an archive entry by entry, in memory.
#[derive(Default)]
pub struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// Fixed DOS date and time of every entry (1 January 2026, 00:00): an export's contents carry
/// their own timestamps, and a fixed one keeps archives byte-for-byte reproducible.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;

impl Zip {
    pub fn new() -> Self {
        Zip::default()
    }

    /// Adds a file, deflated.
    pub fn add(&mut self, name: &str, data: &[u8]) -> std::io::Result<()> {
        if self.entries == u16::MAX || data.len() > u32::MAX as usize / 2 {
            return Err(std::io::Error::other("the archive is too large"));
        }
        let crc = crc32fast::hash(data);
        let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data)?;
        let packed = enc.finish()?;
        let offset = self.out.len() as u32;
        let name = name.as_bytes();
        // Local file header.
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0 (deflate)
        h.extend_from_slice(&(1u16 << 11).to_le_bytes()); // names in UTF-8
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&DOS_TIME.to_le_bytes());
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        h.extend_from_slice(name);
        self.out.extend_from_slice(&h);
        self.out.extend_from_slice(&packed);
        // Its central directory record.
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&0x031eu16.to_le_bytes()); // made by: Unix, 3.0
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&(1u16 << 11).to_le_bytes());
        c.extend_from_slice(&8u16.to_le_bytes());
        c.extend_from_slice(&DOS_TIME.to_le_bytes());
        c.extend_from_slice(&DOS_DATE.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes()); // extra
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // -rw-r--r--
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name);
        self.entries += 1;
        Ok(())
    }

    /// The finished archive.
    pub fn finish(mut self) -> Vec<u8> {
        let at = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.append(&mut self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&at.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Zip;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }
    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }

    #[test]
    fn entries_read_back_through_the_central_directory_with_their_crc() {
        let mut z = Zip::new();
        z.add("guest.json", r#"{"name":"Jürgen"}"#.as_bytes())
            .expect("add");
        z.add("README.txt", "Ihre Daten — äöü".repeat(50).as_bytes())
            .expect("add");
        let zip = z.finish();
        // The end record points at the central directory.
        let end = zip.len() - 22;
        assert_eq!(u32_at(&zip, end), 0x0605_4b50);
        assert_eq!(u16_at(&zip, end + 10), 2, "two entries");
        let mut at = u32_at(&zip, end + 16) as usize;
        let mut names = Vec::new();
        for _ in 0..2 {
            assert_eq!(u32_at(&zip, at), 0x0201_4b50);
            let crc = u32_at(&zip, at + 16);
            let packed = u32_at(&zip, at + 20) as usize;
            let size = u32_at(&zip, at + 24) as usize;
            let name_len = u16_at(&zip, at + 28) as usize;
            let local = u32_at(&zip, at + 42) as usize;
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).expect("utf8");
            // The local header and its deflated bytes.
            assert_eq!(u32_at(&zip, local), 0x0403_4b50);
            let data_at = local + 30 + u16_at(&zip, local + 26) as usize;
            let mut plain = Vec::new();
            DeflateDecoder::new(&zip[data_at..data_at + packed])
                .read_to_end(&mut plain)
                .expect("inflate");
            assert_eq!(plain.len(), size);
            assert_eq!(crc32fast::hash(&plain), crc);
            names.push((name, String::from_utf8(plain).expect("utf8")));
            at += 46 + name_len;
        }
        assert_eq!(
            names[0],
            ("guest.json".into(), r#"{"name":"Jürgen"}"#.into())
        );
        assert!(names[1].1.starts_with("Ihre Daten — äöü"));
    }
}
