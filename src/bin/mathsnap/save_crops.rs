//! `mathsnap read --save-crops DIR`: a stack of photos becomes a labelling batch. Every formula read is
//! saved as the crop the recognizer saw (straightened, before its own framing and resizing) to
//! `DIR/<image stem>-<k>.png` (k: reading order from 1), with a row `<name>\t<latex>` appended to
//! `DIR/labels.tsv` (the layout `mathsnap eval DIR` and `train.py --real DIR` read) and an entry in
//! `DIR/manifest.json` (format "mathsnap-crops", docs/CONTRACTS.md).
//!
//! User data is never lost: labels.tsv is only appended to, a name already in labels.tsv or on disk
//! is never reused (the stem gets `_2`, `_3`, ...), and a manifest.json that is not a
//! "mathsnap-crops" manifest (an app export, anything else) is left alone and the command refuses.

use mathsnap::Formula;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "mathsnap-crops";

pub struct CropBatch {
    dir: PathBuf,
    /// Names already in labels.tsv, and those written by this run.
    taken: HashSet<String>,
    labels: File,
    /// labels.tsv had content without a final newline: the first append starts with one.
    needs_newline: bool,
    manifest: Map<String, Value>,
}

/// `models/manifest.json` as a model version: "sha256:" and the first 12 hex digits of its hash (the
/// manifest holds each model file's sha256, so it names the set of models exactly).
pub fn model_version(models_dir: &Path) -> Option<String> {
    let bytes = std::fs::read(models_dir.join("manifest.json")).ok()?;
    let hash = Sha256::digest(&bytes);
    Some(format!("sha256:{}", hash.iter().take(6).map(|b| format!("{b:02x}")).collect::<String>()))
}

impl CropBatch {
    /// Create `dir` (and parents) if needed, check an existing manifest.json is ours, read the names
    /// labels.tsv already holds, and open it for appending. Every failure is a sentence for the user.
    pub fn open(dir: &Path, model_version: Option<String>) -> Result<CropBatch, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
        if !dir.is_dir() {
            return Err(format!("{} is not a folder", dir.display()));
        }
        let manifest_path = dir.join("manifest.json");
        let manifest = if manifest_path.exists() {
            let text = std::fs::read_to_string(&manifest_path)
                .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m))
                    if m.get("format") == Some(&json!(FORMAT)) && m.get("entries").is_some_and(Value::is_array) =>
                {
                    m
                }
                _ => {
                    return Err(format!(
                        "{} exists and is not a \"{FORMAT}\" manifest: left as it is; save the crops to another folder",
                        manifest_path.display()
                    ))
                }
            }
        } else {
            let mut m = Map::new();
            m.insert("format".into(), json!(FORMAT));
            m.insert("version".into(), json!(1));
            m.insert("app_version".into(), json!(format!("mathsnap-cli {}", env!("CARGO_PKG_VERSION"))));
            m.insert("model_version".into(), json!(model_version));
            m.insert("created".into(), json!(utc_now()));
            m.insert("count".into(), json!(0));
            m.insert("entries".into(), json!([]));
            m
        };
        let labels_path = dir.join("labels.tsv");
        let (taken, needs_newline) = match std::fs::read(&labels_path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let names = text.lines().filter_map(|l| l.split('\t').next()).map(str::to_string).collect();
                (names, !bytes.is_empty() && !bytes.ends_with(b"\n"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (HashSet::new(), false),
            Err(e) => return Err(format!("cannot read {}: {e}", labels_path.display())),
        };
        let labels = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&labels_path)
            .map_err(|e| format!("cannot write {}: {e}", labels_path.display()))?;
        let batch = CropBatch { dir: dir.to_path_buf(), taken, labels, needs_newline, manifest };
        batch.write_manifest()?; // a folder we cannot write to fails here, before any image is read
        Ok(batch)
    }

    /// Save the crops of one image's formulas (read with `keep_crops`); returns the names given.
    pub fn save(&mut self, source: &Path, formulas: &[Formula]) -> Result<Vec<String>, String> {
        let with_crops: Vec<(&Formula, &image::RgbImage)> =
            formulas.iter().filter_map(|f| f.crop.as_ref().map(|c| (f, c))).collect();
        if with_crops.is_empty() {
            return Ok(vec![]);
        }
        let stem = self.free_stem(source, with_crops.len());
        let (mut rows, mut names, mut entries) = (String::new(), Vec::new(), Vec::new());
        if std::mem::take(&mut self.needs_newline) {
            rows.push('\n');
        }
        let time = utc_now();
        for (k, (formula, crop)) in with_crops.iter().enumerate() {
            let name = format!("{stem}-{}.png", k + 1);
            let path = self.dir.join(&name);
            crop.save_with_format(&path, image::ImageFormat::Png)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            self.taken.insert(name.clone());
            // one row per line: a tab or line break inside the LaTeX would break the table
            let latex: String =
                formula.latex.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect();
            rows.push_str(&format!("{name}\t{latex}\n"));
            entries.push(json!({"image": name, "latex": latex, "score": formula.score,
                                "source": source.display().to_string(), "quad": formula.quad, "time": time}));
            names.push(name);
        }
        let labels_path = self.dir.join("labels.tsv");
        self.labels
            .write_all(rows.as_bytes())
            .and_then(|_| self.labels.flush())
            .map_err(|e| format!("cannot append to {}: {e}", labels_path.display()))?;
        let list = self.manifest.get_mut("entries").and_then(Value::as_array_mut).expect("checked at open");
        list.extend(entries);
        let count = list.len();
        self.manifest.insert("count".into(), json!(count));
        self.manifest.insert("updated".into(), json!(time));
        self.write_manifest()?;
        Ok(names)
    }

    /// The image's file stem, made safe as a file name and a labels.tsv field, with `_2`, `_3`, ...
    /// until none of `<stem>-1.png` .. `<stem>-<n>.png` is taken (in labels.tsv, on disk, this run).
    fn free_stem(&self, source: &Path, n: usize) -> String {
        let raw = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut base: String =
            raw.chars().map(|c| if c.is_alphanumeric() || "._+-".contains(c) { c } else { '_' }).collect();
        if base.trim_matches('.').is_empty() {
            base = "image".into();
        }
        let free = |stem: &str| {
            (1..=n).all(|k| {
                let name = format!("{stem}-{k}.png");
                !self.taken.contains(&name) && !self.dir.join(&name).exists()
            })
        };
        if free(&base) {
            return base;
        }
        (2..).map(|i| format!("{base}_{i}")).find(|s| free(s)).expect("some suffix is free")
    }

    /// manifest.json replaced whole, through a temporary file: a failed write leaves the old one.
    fn write_manifest(&self) -> Result<(), String> {
        let path = self.dir.join("manifest.json");
        let tmp = self.dir.join(".manifest.json.tmp");
        let text = serde_json::to_string_pretty(&self.manifest).expect("JSON values serialise");
        std::fs::write(&tmp, text + "\n").and_then(|_| std::fs::rename(&tmp, &path)).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
    }
}

/// The time now in UTC, ISO 8601 to the second ("2026-12-03T16:25:00Z").
fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // days since 1970-01-01 -> civil date (Howard Hinnant's days_from_civil, inverted)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_now_is_iso_8601() {
        let t = super::utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T", "{t}");
    }
}
