//! The `mathsnap` command line: `read` images into JSON lines, `eval` against labelled sets.

use clap::{Parser, Subcommand};
use mathsnap::latex::texnorm;
use mathsnap::recognizer::beam::DecodeOptions;
use mathsnap::{Engine, Error, ReadOptions};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "mathsnap/save_crops.rs"]
mod save_crops;

#[derive(Parser)]
#[command(name = "mathsnap", version, about = "Photo of maths -> LaTeX, on this machine")]
struct Cli {
    /// Folder with manifest.json and the ONNX models (default: $MATHSNAP_MODELS, ./models, or next to the binary).
    #[arg(long, global = true)]
    models: Option<PathBuf>,
    /// Beam width for decoding (1 = greedy).
    #[arg(long, global = true, default_value_t = 3)]
    beam: usize,
    /// Read pages as they are: do not detect and undo quarter or half turns of the whole page (a slanted page is still levelled for detection).
    #[arg(long, global = true)]
    no_rotate: bool,
    /// Threads reading a page's formulas side by side (0 = one per core, up to 4).
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
    /// Cut the small-print look's detector pass into this many bands computed side by side, as the
    /// browser's worker pool does (1 = one pass, spread over the cores by tract).
    #[arg(long, global = true, default_value_t = 1)]
    detector_bands: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one JSON object per image: {"image", "formulas": [{"latex","score","quad"}], "rotation", "ms", "work", "error"}
    /// (with --save-crops also "crops": the names its crops were saved under, in the formulas' order).
    Read {
        /// Each image is one formula crop: skip detection.
        #[arg(long)]
        single: bool,
        /// Also save every formula's crop, as the recognizer saw it, to DIR/<image stem>-<k>.png, append
        /// `<name>\t<latex>` rows to DIR/labels.tsv and update DIR/manifest.json (a labelling batch that
        /// `eval --single DIR` and training's --real read). DIR is created; nothing in it is overwritten.
        /// Exit code 2 when DIR cannot be written.
        #[arg(long, value_name = "DIR")]
        save_crops: Option<PathBuf>,
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// ExpRate, <=1 and <=2 token errors and normalised edit distance on a labelled folder.
    Eval {
        /// name<TAB>latex[<TAB>cell] per line; default DIR/labels.tsv.
        #[arg(long)]
        labels: Option<PathBuf>,
        #[arg(long)]
        single: bool,
        /// Write each prediction as a JSON line to this file: {"image", "truth", "latex", "edit", "score"}, with
        /// --single also "evidence", what the confidence was computed from (training's calibrate.py fits on it),
        /// and "upside_down", the upside-down probe's log-odds (null without the probe).
        #[arg(long)]
        predictions: Option<PathBuf>,
        dir: PathBuf,
    },
}

fn models_dir(arg: Option<PathBuf>) -> PathBuf {
    if let Some(p) = arg.or_else(|| std::env::var_os("MATHSNAP_MODELS").map(PathBuf::from)) {
        return p;
    }
    let here = PathBuf::from("models");
    if here.join("manifest.json").exists() {
        return here;
    }
    // target/release/mathsnap -> <repo>/models
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent()?.parent().map(|r| r.join("models")))
        .filter(|p| p.join("manifest.json").exists())
        .unwrap_or(here)
}

/// An image file's bytes; an unreadable file is the image's error, reported like an undecodable one.
fn image_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::bad_image(format!("cannot read file {}: {e}", path.display())))
}

fn read_one(engine: &Engine, path: &Path, opts: &ReadOptions) -> Result<mathsnap::ReadResult, Error> {
    engine.read_encoded(&image_bytes(path)?, opts)
}

/// One image read as one formula crop (as `read --single`), with the evidence behind its confidence.
fn read_crop(engine: &Engine, path: &Path, opts: &ReadOptions) -> Result<mathsnap::CropReading, Error> {
    engine.read_crop(&mathsnap::input::decode(&image_bytes(path)?)?, &opts.decode)
}

fn cmd_read(
    engine: &Engine,
    images: &[PathBuf],
    opts: &ReadOptions,
    mut batch: Option<save_crops::CropBatch>,
) -> ExitCode {
    let mut failed = false;
    let stdout = std::io::stdout();
    for path in images {
        let line = match read_one(engine, path, opts) {
            Ok(r) => {
                let mut line = json!({"image": path.display().to_string(), "formulas": r.formulas, "width": r.width,
                                      "height": r.height, "rotation": r.rotation, "ms": r.ms, "work": r.work, "error": null});
                if let Some(b) = batch.as_mut() {
                    match b.save(path, &r.formulas) {
                        Ok(names) => line["crops"] = json!(names),
                        Err(e) => {
                            let _ = writeln!(stdout.lock(), "{line}");
                            eprintln!("mathsnap read --save-crops: {e}");
                            return ExitCode::from(2);
                        }
                    }
                }
                line
            }
            Err(e) => {
                failed = true;
                json!({"image": path.display().to_string(), "formulas": [], "ms": null,
                       "error": e.message, "code": e.code()})
            }
        };
        let mut out = stdout.lock();
        let _ = writeln!(out, "{line}");
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Default)]
struct Tally {
    n: usize,
    exact: usize,
    le1: usize,
    le2: usize,
    dist: f64,
}

impl Tally {
    fn add(&mut self, e: usize, len: usize) {
        self.n += 1;
        self.exact += (e == 0) as usize;
        self.le1 += (e <= 1) as usize;
        self.le2 += (e <= 2) as usize;
        self.dist += e as f64 / len.max(1) as f64;
    }
    fn line(&self, name: &str) -> String {
        let pct = |k: usize| 100.0 * k as f64 / self.n.max(1) as f64;
        format!(
            "{name}: n={} ExpRate={:.1}% <=1err={:.1}% <=2err={:.1}% norm_edit={:.3}",
            self.n,
            pct(self.exact),
            pct(self.le1),
            pct(self.le2),
            self.dist / self.n.max(1) as f64
        )
    }
}

fn cmd_eval(
    engine: &Engine,
    dir: &Path,
    labels: Option<PathBuf>,
    opts: &ReadOptions,
    predictions: Option<PathBuf>,
) -> ExitCode {
    let labels = labels.unwrap_or_else(|| dir.join("labels.tsv"));
    let text = match std::fs::read_to_string(&labels) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mathsnap eval: cannot read {}: {e}", labels.display());
            return ExitCode::from(2);
        }
    };
    let mut pred_out = match predictions.map(|p| std::fs::File::create(&p).map_err(|e| (p, e))).transpose() {
        Ok(f) => f,
        Err((p, e)) => {
            eprintln!("mathsnap eval: cannot write predictions to {}: {e}", p.display());
            return ExitCode::from(2);
        }
    };
    let (mut all, mut cells, mut errors) = (Tally::default(), BTreeMap::<String, Tally>::new(), 0usize);
    for row in text.lines().filter(|l| l.contains('\t')) {
        let mut parts = row.splitn(3, '\t');
        let (name, truth, cell) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
        // the score of what was read: the lowest of its formulas' (one formula with --single)
        let read = if opts.single {
            read_crop(engine, &dir.join(name), opts).map(|r| {
                let score = (!r.latex.is_empty()).then_some(r.confidence);
                (r.latex, score, Some((r.evidence, r.upside_down)))
            })
        } else {
            read_one(engine, &dir.join(name), opts).map(|r| {
                let got = r.formulas.iter().map(|f| f.latex.as_str()).collect::<Vec<_>>().join(" ");
                (got, r.formulas.iter().map(|f| f.score).reduce(f32::min), None)
            })
        };
        let (got, score, seen) = read.unwrap_or_else(|e| {
            errors += 1;
            eprintln!("{name}: {e}");
            (String::new(), None, None)
        });
        let (a, b) = (texnorm::norm(&got), texnorm::norm(truth));
        let e = texnorm::edit(&a, &b);
        all.add(e, a.len().max(b.len()));
        if let Some(c) = cell {
            cells.entry(c.trim().to_string()).or_default().add(e, a.len().max(b.len()));
        }
        if let Some(f) = pred_out.as_mut() {
            let _ = writeln!(
                f,
                "{}",
                json!({"image": name, "truth": truth, "latex": got, "edit": e, "score": score,
                       "evidence": seen.map(|s| s.0), "upside_down": seen.and_then(|s| s.1)})
            );
        }
    }
    for (c, t) in &cells {
        println!("{}", t.line(c));
    }
    println!("{}", all.line(&format!("ALL {}", dir.display())));
    if errors > 0 {
        println!("{errors} images could not be read");
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = models_dir(cli.models);
    let engine = match Engine::load_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("mathsnap: {e}");
            return ExitCode::from(2);
        }
    };
    let decode = DecodeOptions { beam: cli.beam.max(1), ..DecodeOptions::default() };
    match cli.command {
        Command::Read { single, save_crops: crops_dir, images } => {
            let batch = match crops_dir.map(|d| save_crops::CropBatch::open(&d, save_crops::model_version(&dir))) {
                Some(Err(e)) => {
                    eprintln!("mathsnap read --save-crops: {e}");
                    return ExitCode::from(2);
                }
                Some(Ok(b)) => Some(b),
                None => None,
            };
            let keep_crops = batch.is_some();
            let opts = ReadOptions {
                single,
                auto_rotate: !cli.no_rotate,
                decode,
                keep_crops,
                threads: cli.threads,
                detector_bands: cli.detector_bands,
            };
            cmd_read(&engine, &images, &opts, batch)
        }
        Command::Eval { labels, single, predictions, dir } => {
            let opts = ReadOptions {
                single,
                auto_rotate: !cli.no_rotate,
                decode,
                keep_crops: false,
                threads: cli.threads,
                detector_bands: cli.detector_bands,
            };
            cmd_eval(&engine, &dir, labels, &opts, predictions)
        }
    }
}
