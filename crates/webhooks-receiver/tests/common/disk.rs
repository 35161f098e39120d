//! A small filesystem of its own for a test to fill: a tmpfs mounted for the test's life
//! (mounting needs root; without it the test says it is skipped).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A 4 MiB tmpfs, unmounted when dropped.
pub struct SmallDisk(PathBuf);

impl SmallDisk {
    /// Mounts one at `dir/disk`; `None` (and a "skipped" line) when this is not root.
    pub fn mount(dir: &Path) -> Option<Self> {
        if !is_root() {
            eprintln!("skipped: mounting a small filesystem to fill needs root");
            return None;
        }
        let disk = dir.join("disk");
        std::fs::create_dir(&disk).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(&disk)
            .status()
            .unwrap();
        assert!(mounted.success(), "mount a tmpfs");
        Some(Self(disk))
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Fills it with one file (at most 8 MiB written); the file, to remove to free the space.
    pub fn fill(&self) -> PathBuf {
        let filler = self.0.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        for _ in 0..128 {
            if file
                .write_all(&block)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                break;
            }
        }
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}
