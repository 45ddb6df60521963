//! Shared test harness: runs the real `hagaki` binary against a database in a fresh temp dir,
//! with a cleaned environment and a pinned clock.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A quiet moment: a Wednesday morning in Japan, far from any maintenance window.
pub const NOW: &str = "2026-11-18T10:00:00+09:00";
pub const INSURER_NUMBER: &str = "06130090";

/// A temp directory with (optionally) an initialised database in it.
pub struct Site {
    pub dir: TempDir,
    pub now: String,
}

impl Site {
    /// An empty directory: no database yet.
    pub fn empty() -> Self {
        Site {
            dir: tempfile::tempdir().expect("temp dir"),
            now: NOW.to_string(),
        }
    }

    /// A directory with a database made by `hagaki init`.
    pub fn new() -> Self {
        let site = Site::empty();
        site.cmd()
            .args([
                "init",
                "--insurer-number",
                INSURER_NUMBER,
                "--insurer-name",
                "ひまわり健康保険組合",
                "--portal-url",
                "https://portal.himawari-kenpo.example.jp/",
                "--mail-from",
                "portal@himawari-kenpo.example.jp",
            ])
            .assert()
            .success();
        site
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("hagaki.db")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary, in the site's directory, on its database, at the site's pinned time.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("hagaki").expect("hagaki binary");
        cmd.env_clear()
            .env("HAGAKI_DB", self.db())
            .env("HAGAKI_NOW", &self.now)
            .env("HAGAKI_ACTOR", "tester")
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs with `--format json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .cmd()
            .arg("--format")
            .arg("json")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "hagaki {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }
}

/// A file in `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Reads a whole file; for scanning a database's bytes for secrets.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
