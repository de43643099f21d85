//! The media folder (`MEDIA_DIR`): poster renditions under content-hash names, shared by
//! every process. Files are written to a temporary name and renamed into place, so a reader
//! never sees half a file; an advisory lock on `.lock` keeps the sweep (exclusive) from
//! deleting files that an upload (shared) has written but not yet committed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::image::{Renditions, WIDTHS};

const LOCK_FILE: &str = ".lock";
const TEMP_PREFIX: &str = ".tmp-";
/// Temporary files older than this were left by a crash mid-write.
const TEMP_STALE: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug)]
pub struct MediaDir {
    dir: PathBuf,
}

/// A held advisory lock on the folder; released when dropped.
pub struct FolderLock {
    _file: File,
}

impl MediaDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The file behind a public name, if the name is one this folder could hold: a 32-digit
    /// lowercase hex key, a stored width and `.webp`. Anything else (dots, slashes, other
    /// widths) names nothing.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        parse_name(name).map(|_| self.dir.join(name))
    }

    /// Blocking: waits for the lock. Shared for uploads, exclusive for the sweep.
    pub fn lock(&self, exclusive: bool) -> io::Result<FolderLock> {
        use rustix::fs::{flock, FlockOperation};
        fs::create_dir_all(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_FILE))?;
        let op = if exclusive {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        flock(&file, op).map_err(io::Error::from)?;
        Ok(FolderLock { _file: file })
    }

    /// Writes every rendition (blocking). An existing file of the same name is replaced: its
    /// content is the same, and a fresh file cannot be one a sweep is about to delete.
    pub fn write(&self, renditions: &Renditions) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        for (width, bytes) in &renditions.files {
            let name = file_name(&renditions.key, *width);
            let temp = self.dir.join(
                [
                    TEMP_PREFIX,
                    &name,
                    "-",
                    &crate::auth::tokens::random_token()
                        .chars()
                        .take(12)
                        .collect::<String>(),
                ]
                .concat(),
            );
            let written = (|| {
                let mut file = File::create(&temp)?;
                file.write_all(bytes)?;
                file.sync_all()?;
                fs::rename(&temp, self.dir.join(&name))
            })();
            if let Err(e) = written {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The poster keys with files in the folder (blocking).
    pub fn keys(&self) -> io::Result<Vec<String>> {
        let mut keys = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(keys),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some((key, _)) = parse_name(name) {
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
            } else if name.starts_with(TEMP_PREFIX) {
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > TEMP_STALE);
                if stale {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Deletes a key's renditions (blocking); files already gone are fine.
    pub fn remove(&self, key: &str) -> io::Result<()> {
        for width in WIDTHS {
            match fs::remove_file(self.dir.join(file_name(key, width))) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// `{key}-{width}.webp`.
pub fn file_name(key: &str, width: u32) -> String {
    [key, "-", &width.to_string(), ".webp"].concat()
}

/// Whether `key` has the shape of a poster key (what the database may hold).
pub fn is_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_name(name: &str) -> Option<(&str, u32)> {
    let stem = name.strip_suffix(".webp")?;
    let (key, width) = stem.split_once('-')?;
    let width: u32 = match width {
        "160" => 160,
        "320" => 320,
        "640" => 640,
        _ => return None,
    };
    debug_assert!(WIDTHS.contains(&width));
    is_key(key).then_some((key, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rendition_names_resolve() {
        let media = MediaDir::new("/tmp/media");
        let key = "0123456789abcdef0123456789abcdef";
        assert!(media.file(&file_name(key, 320)).is_some());
        for bad in [
            "../streamvault.db",
            "..%2fetc%2fpasswd",
            ".lock",
            "0123456789abcdef0123456789abcdef-321.webp",
            "0123456789ABCDEF0123456789abcdef-320.webp",
            "0123456789abcdef0123456789abcdef-320.webp/..",
            "0123456789abcdef0123456789abcdef-320.png",
            "/etc/passwd",
            "",
        ] {
            assert!(media.file(bad).is_none(), "{bad}");
        }
    }
}
