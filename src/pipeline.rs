//! The engine: photo -> formulas. Detection on a downscaled copy, rectification from the full
//! resolution, recognition of each crop, LaTeX repair. Used by the CLI and the wasm bindings.

use crate::clock::now_ms;
use crate::deskew::{LevelDetection, LevelStep};
use crate::detector::window::Window;
use crate::detector::writing::Writing;
use crate::detector::{self, postprocess, Detector, Region};
use crate::error::{Error, Result};
use crate::geometry::{quad_size, Quad};
use crate::models::Manifest;
use crate::orientation::{self, PageTurn};
use crate::preprocess::Gray;
use crate::recognizer::beam::DecodeOptions;
use crate::recognizer::calibration::Evidence;
use crate::recognizer::views;
use crate::recognizer::{Encoded, Recognizer};
use crate::{latex, parallel, preprocess};
use image::RgbImage;
use serde::Serialize;
use std::borrow::Cow;

#[derive(Clone, Debug, Serialize)]
pub struct Formula {
    pub latex: String,
    pub score: f32,
    pub quad: Quad,
    /// The crop the recognizer read, as it saw it: straightened (the quad plus its margin sampled
    /// upright from the photo; with `single`, the image itself), before its own framing, resizing and
    /// normalisation. Only with `ReadOptions::keep_crops` (e.g. `mathsnap read --save-crops`); never serialised.
    #[serde(skip)]
    pub crop: Option<RgbImage>,
}

/// One crop as the recognizer read it.
#[derive(Clone, Debug)]
pub struct CropReading {
    /// empty when the crop holds no ink
    pub latex: String,
    pub confidence: f32,
    pub evidence: Evidence,
    /// the log-odds that the crop is upside down (`recognizer::upside_down`), when the models have
    /// the probe and the crop holds ink
    pub upside_down: Option<f32>,
}

impl CropReading {
    /// A reading handed back by whoever read the crop (the browser's workers): what a page needs of it.
    pub fn supplied(latex: String, confidence: f32, upside_down: Option<f32>) -> CropReading {
        CropReading { latex, confidence, evidence: Evidence::NONE, upside_down }
    }

    /// The reading of a crop that holds no ink at all: no formula, not a guess.
    fn no_ink() -> CropReading {
        CropReading::supplied(String::new(), 0.0, None)
    }
}

/// A crop's reading begun by `Engine::start_crop`.
pub enum CropStart {
    Read(CropReading),
    /// its first view alone was unsure: `Engine::finish_crop` reads it with every view
    Waiting(WaitingCrop),
}

/// A crop waiting for its other views: its framed ink (to encode them here, if no one else did) and
/// its first view's search.
pub struct WaitingCrop {
    framed: Gray,
    unsure: views::UnsureRead,
}

/// A whole picture being read as one formula (`Engine::start_single`).
pub struct SingleRead {
    width: u32,
    height: u32,
    /// the picture, where the result is to keep its crop (`ReadOptions::keep_crops`)
    kept: Option<RgbImage>,
    start: CropStart,
    /// the result's timings so far
    pub ms: Timings,
}

impl SingleRead {
    /// The first view alone was unsure: the result waits for the picture's other views.
    pub fn waiting(&self) -> bool {
        matches!(self.start, CropStart::Waiting(_))
    }

    /// Whether `others` can be the picture's other views (`views::UnsureRead::check_others`); any
    /// will do for a picture read already, which leaves them unused.
    pub fn check_others(&self, engine: &Engine, others: &[Encoded]) -> Result<()> {
        match &self.start {
            CropStart::Waiting(waiting) => waiting.unsure.check_others(&engine.recognizer, others),
            CropStart::Read(_) => Ok(()),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub decode: f64,
    pub detect: f64,
    pub recognize: f64,
}

/// What a read cost, counted (the benchmark reports it beside the time, so a change that adds a pass
/// shows it): whole detector passes and the megapixels they saw (the close-up probe, the working
/// size, a slanted page levelled, turns tried), and crops the recognizer read (formulas, the
/// half-turn probes, a page turned round read again).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Work {
    pub detector_passes: u32,
    pub detector_megapixels: f32,
    /// passes among `detector_passes` that were cut in bands (`ReadOptions::detector_bands`)
    pub banded_passes: u32,
    pub crops_read: u32,
}

impl Work {
    pub(crate) fn detector_pass(&mut self, image: &RgbImage) {
        self.detector_passes += 1;
        self.detector_megapixels += image.width() as f32 * image.height() as f32 / 1e6;
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ReadResult {
    pub formulas: Vec<Formula>,
    pub width: u32,
    pub height: u32,
    /// Degrees the photo was turned clockwise to read it upright (0, 90, 180, 270).
    pub rotation: u32,
    pub ms: Timings,
    pub work: Work,
}

#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The whole image is one formula: skip detection.
    pub single: bool,
    /// Detect and undo whole-page quarter and half turns (page mode only).
    pub auto_rotate: bool,
    pub decode: DecodeOptions,
    /// Keep each formula's crop in `Formula::crop`. Off: nothing is kept or copied (the crops are
    /// dropped as soon as they are read, as before).
    pub keep_crops: bool,
    /// Threads reading a page's crops side by side (0: one per core, up to
    /// `parallel::MAX_THREADS`; always 1 in wasm, where the worker pool does this).
    pub threads: usize,
    /// Bands the small-print look's detector pass, and a page turned round's, are cut into, computed
    /// side by side (1: one pass; the browser's worker pool asks for one per worker, since wasm has
    /// one thread per worker; natively tract already spreads one pass over the cores). See
    /// `detector::bands`.
    pub detector_bands: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            single: false,
            auto_rotate: true,
            decode: DecodeOptions::default(),
            keep_crops: false,
            threads: 0,
            detector_bands: 1,
        }
    }
}

impl ReadOptions {
    /// Whether the small-print look and a page turned round are cut in bands, handed out to be
    /// computed side by side, rather than run whole here.
    pub(crate) fn cuts_bands(&self) -> bool {
        self.detector_bands > 1
    }
}

/// Fewer strong-ink pixels than this in the 64x256 input: blank paper, not a formula.
const MIN_INK_PIXELS: usize = 12;
/// A close-up's regions made whole: the pieces of each line joined and, where that leaves one
/// formula, stretched along its line over ink the detector left out at either end (`image`: the
/// photo in the regions' pixels). Only then: a page of large formulas can pass for a close-up, and
/// there the ink beside a formula is prose (stretching every line changed 5 of the 200 synthetic
/// test pages, 4 for the worse; stretching single formulas changed none).
fn close_up_formulas(image: &RgbImage, regions: Vec<Region>) -> Vec<Region> {
    let mut joined = postprocess::join_close_up_lines(regions);
    if let [only] = joined.as_mut_slice() {
        only.quad = detector::close_up::stretch_to_ink(image, &only.quad);
    }
    joined
}

/// The copy of the photo the detector works on, whether it is a close-up's (its regions are then
/// made whole: `close_up_formulas`), the slant it was levelled by when detected (`deskew`), or, on
/// small print, the one its letters show (`Engine::detect_page`), which a later pass on the page,
/// turned or larger, reuses instead of measuring again, and, on the page's working size, what its
/// letters say (`writing::Writing`: how small its print, which way its lines).
pub(crate) struct Working {
    pub(crate) image: RgbImage,
    close_up: bool,
    pub(crate) slant: Option<f32>,
    writing: Option<Writing>,
    /// the turn the page's letters settled it is looked at larger at, this copy left undetected
    /// (`detector::scale::writing_settles_a_larger_look`)
    letters_turn: Option<PageTurn>,
    /// the part of this copy the page's writing is on, where the detector looks for formulas (the
    /// small-print look's copy: `detector::window`); None: all of it
    window: Option<Window>,
}

impl Working {
    fn new(image: RgbImage) -> Working {
        Working { image, close_up: false, slant: None, writing: None, letters_turn: None, window: None }
    }

    /// The page's working-size copy, with what its letters say.
    fn page(image: RgbImage, writing: Writing) -> Working {
        Working { writing: Some(writing), ..Working::new(image) }
    }

    /// The turn to try the larger look at too, when the regions it found at `turn` doubt that turn:
    /// they look sideways on a page taken upright, or on a page its letters (alone) said lies on its
    /// side. The larger look's turn is then the one whose regions run across (`look_closer`).
    pub(crate) fn doubts_larger_look(&self, turn: PageTurn, regions: &[Region]) -> Option<PageTurn> {
        let by_letters = self.letters_turn == Some(turn);
        match turn {
            PageTurn::None if orientation::looks_sideways(regions) => Some(PageTurn::Cw90),
            PageTurn::Cw90 if by_letters && orientation::looks_sideways(regions) => Some(PageTurn::None),
            _ => None,
        }
    }

    /// The regions a detection of this copy turned by `turn` found, levelled by `slant` if it was,
    /// which the copy keeps from now on; back in the pixels of the `w` x `h` photo, corners in each
    /// formula's own order.
    fn take_turned(&mut self, turn: PageTurn, regions: Vec<Region>, slant: Option<f32>, w: u32, h: u32) -> Vec<Region> {
        self.slant = slant;
        let (ww, wh) = (self.image.width() as f32, self.image.height() as f32);
        let (sx, sy) = (w as f32 / ww, h as f32 / wh);
        regions
            .into_iter()
            .map(|r| Region {
                quad: turn
                    .quad_to_photo(&r.quad, ww, wh)
                    .map(|p| [(p[0] * sx).clamp(0.0, w as f32), (p[1] * sy).clamp(0.0, h as f32)]),
                score: r.score,
            })
            .collect()
    }
}

pub struct Engine {
    recognizer: Recognizer,
    detector: Option<Detector>,
}

/// A model file's bytes, looked up by the name the manifest gives it.
pub trait ModelSource {
    fn bytes(&self, file: &str) -> Result<Vec<u8>>;
}

/// Model files read from a folder on disk.
pub struct ModelDir(pub std::path::PathBuf);

impl ModelSource for ModelDir {
    fn bytes(&self, file: &str) -> Result<Vec<u8>> {
        let p = self.0.join(file);
        std::fs::read(&p).map_err(|e| Error::model(format!("cannot read model file {}: {e}", p.display())))
    }
}

impl Engine {
    pub fn load(manifest_json: &str, source: &dyn ModelSource) -> Result<Self> {
        let manifest = Manifest::parse(manifest_json)?;
        let fetch = |file: &str| -> Result<Vec<u8>> {
            let b = source.bytes(file)?;
            manifest.verify(file, &b)?;
            Ok(b)
        };
        let recognizer = Recognizer::from_entry(&manifest.recognizer, &fetch)?;
        let detector = match &manifest.detector {
            Some(d) => Some(Detector::new(d.config.clone(), &fetch(&d.file)?)?),
            None => None,
        };
        Ok(Engine { recognizer, detector })
    }

    /// Load from a folder holding manifest.json and the model files it names (native use).
    pub fn load_dir(dir: &std::path::Path) -> Result<Self> {
        let manifest_path = dir.join("manifest.json");
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| Error::model(format!("cannot read {}: {e}", manifest_path.display())))?;
        Engine::load(&manifest, &ModelDir(dir.to_path_buf()))
    }

    pub fn has_detector(&self) -> bool {
        self.detector.is_some()
    }

    /// Recognise one upright formula crop: its LaTeX and confidence.
    /// An empty string when the crop holds no ink at all (a blank photo is "no formula", not a guess).
    pub fn recognize_crop(&self, crop: &RgbImage, opts: &DecodeOptions) -> Result<(String, f32)> {
        self.read_crop(crop, opts).map(|r| (r.latex, r.confidence))
    }

    /// `recognize_crop` with what the confidence was computed from (`mathsnap eval --predictions`
    /// writes it for the calibrator; training/mathsnap_train/calibrate.py).
    pub fn read_crop(&self, crop: &RgbImage, opts: &DecodeOptions) -> Result<CropReading> {
        let Some(framed) = self.framed_ink(crop) else {
            return Ok(CropReading::no_ink());
        };
        let read = views::read_views(&self.recognizer, &framed, opts, &mut views::StageTimes::default())?;
        self.crop_reading(read)
    }

    /// `read_crop` in two steps, for a reader whose other views may be encoded elsewhere meanwhile:
    /// the crop's first view read alone (`views::read_first_view`). A reading it is unsure of waits
    /// for the crop's other views, which `finish_crop` encodes itself or takes from whoever encoded
    /// them beside this step (`encode_other_views`).
    pub fn start_crop(&self, crop: &RgbImage, opts: &DecodeOptions) -> Result<CropStart> {
        let Some(framed) = self.framed_ink(crop) else {
            return Ok(CropStart::Read(CropReading::no_ink()));
        };
        Ok(match views::read_first_view(&self.recognizer, &framed, opts, &mut views::StageTimes::default())? {
            views::FirstView::Sure(read) => CropStart::Read(self.crop_reading(read)?),
            views::FirstView::Unsure(unsure) => CropStart::Waiting(WaitingCrop { framed, unsure }),
        })
    }

    /// The crop's views beside the first, encoded from the crop as `start_crop` frames it: what
    /// `finish_crop` waits for (none for a crop with no ink, which `start_crop` reads at once).
    pub fn encode_other_views(&self, crop: &RgbImage) -> Result<Vec<Encoded>> {
        match self.framed_ink(crop) {
            Some(framed) => views::encode_other_views(&self.recognizer, &framed, &mut views::StageTimes::default()),
            None => Ok(vec![]),
        }
    }

    /// The second step of `start_crop`: every view read together. `others`: the crop's other views
    /// (`encode_other_views`), or None to encode them here.
    pub fn finish_crop(
        &self,
        waiting: WaitingCrop,
        others: Option<Vec<Encoded>>,
        opts: &DecodeOptions,
    ) -> Result<CropReading> {
        let mut times = views::StageTimes::default();
        let others = match others {
            Some(others) => others,
            None => views::encode_other_views(&self.recognizer, &waiting.framed, &mut times)?,
        };
        let read = views::read_with_others(&self.recognizer, waiting.unsure, others, opts, &mut times)?;
        self.crop_reading(read)
    }

    /// A view's encoding handed over by another worker (`encode_other_views` there), checked
    /// against this recognizer's slots.
    pub fn view_encoding(&self, memory: Vec<f32>, keys: Vec<f32>) -> Result<Encoded> {
        self.recognizer
            .encoding(memory, keys)
            .map_err(|_| Error::bad_input("a view's encoding does not fit this recognizer"))
    }

    /// The crop's ink framed as every view is drawn from it; None when the crop holds no ink at all
    /// (a blank photo is "no formula", not a guess). Blank or not is judged on the crop as it came:
    /// framing would blow a speck up to a formula's size.
    fn framed_ink(&self, crop: &RgbImage) -> Option<Gray> {
        let gray = preprocess::to_gray(crop);
        if preprocess::prepare_gray(&gray).iter().filter(|&&v| v > 0.5).count() < MIN_INK_PIXELS {
            return None;
        }
        Some(preprocess::framed(&gray, self.recognizer.config.frame_margin).into_owned())
    }

    /// What a crop's views read says, as the engine reports it: the tokens as LaTeX, with the
    /// upside-down probe's word on the first view (the crop fitted to the input, as the probe was fitted).
    fn crop_reading(&self, read: views::ViewsRead) -> Result<CropReading> {
        let config = &self.recognizer.config;
        let upside_down = config.upside_down.as_ref().map(|probe| probe.logit(&read.first)).transpose()?;
        let decoded = read.decoded;
        let tokens: Vec<&str> =
            decoded.tokens.iter().filter_map(|&i| config.vocab.get(i).map(String::as_str)).collect();
        Ok(CropReading {
            latex: latex::to_latex(&tokens),
            confidence: decoded.confidence,
            evidence: decoded.evidence,
            upside_down,
        })
    }

    pub(crate) fn detector(&self) -> Result<&Detector> {
        self.detector.as_ref().ok_or_else(|| {
            Error::model("no detector model in models/manifest.json: only single-formula crops can be read")
        })
    }

    /// Formula regions at the manifest's working size (`None`: a slanted page is detected again
    /// turned level, as in a whole read) or at a given one (the live preview: one quick pass).
    pub fn detect(&self, img: &RgbImage, long_side: Option<u32>) -> Result<Vec<Region>> {
        match long_side {
            Some(s) => self.detector()?.detect_at(img, s),
            None => {
                let mut work = Work::default();
                let (working, regions) = self.detect_page(img, &mut work)?;
                Ok(self.look_closer(img, working, (PageTurn::None, false), regions, &mut work)?.2)
            }
        }
    }

    /// The first step of reading a whole picture as one formula (`ReadOptions::single`): its first
    /// view read alone (`start_crop`). `finish_single` gives the result, reading every view where
    /// the first was unsure; the browser's pool encodes those on another worker meanwhile.
    pub fn start_single(&self, img: &RgbImage, opts: &ReadOptions) -> Result<SingleRead> {
        let t = now_ms();
        let start = self.start_crop(img, &opts.decode)?;
        let ms = Timings { recognize: now_ms() - t, ..Timings::default() };
        let kept = opts.keep_crops.then(|| img.clone());
        Ok(SingleRead { width: img.width(), height: img.height(), kept, start, ms })
    }

    /// The picture's result: its one formula where it holds ink, quadrilateral the whole picture.
    /// `others`: the picture's other views where its first was unsure (`encode_other_views`), or
    /// None to encode them here; a picture read already leaves them unused.
    pub fn finish_single(
        &self,
        single: SingleRead,
        others: Option<Vec<Encoded>>,
        opts: &ReadOptions,
    ) -> Result<ReadResult> {
        let SingleRead { width: w, height: h, kept, start, mut ms } = single;
        let t = now_ms();
        let reading = match start {
            CropStart::Read(reading) => reading,
            CropStart::Waiting(waiting) => self.finish_crop(waiting, others, &opts.decode)?,
        };
        ms.recognize += now_ms() - t;
        let quad = [[0.0, 0.0], [w as f32, 0.0], [w as f32, h as f32], [0.0, h as f32]];
        let formulas = if reading.latex.is_empty() {
            vec![]
        } else {
            vec![Formula { latex: reading.latex, score: reading.confidence, quad, crop: kept }]
        };
        let work = Work { crops_read: 1, ..Work::default() };
        Ok(ReadResult { formulas, width: w, height: h, rotation: 0, ms, work })
    }

    /// Decode encoded image bytes (EXIF orientation honoured), then `read`, timing the decode too.
    pub fn read_encoded(&self, bytes: &[u8], opts: &ReadOptions) -> Result<ReadResult> {
        let t = now_ms();
        let img = crate::input::decode(bytes)?;
        let decode_ms = now_ms() - t;
        let mut r = self.read(&img, opts)?;
        r.ms.decode = decode_ms;
        Ok(r)
    }

    pub fn read(&self, img: &RgbImage, opts: &ReadOptions) -> Result<ReadResult> {
        if opts.single {
            let single = self.start_single(img, opts)?;
            return self.finish_single(single, None, opts);
        }

        // the page's steps (page_read.rs), its crops read on this machine's cores
        let mut page = self.start_page(Cow::Borrowed(img), opts)?;
        let threads = parallel::thread_count(opts.threads);
        loop {
            if !page.pending_bands().is_empty() {
                let detector = self.detector()?;
                let maps = parallel::map(page.pending_bands(), threads, |band| detector.band_map(&band.image))?;
                page.supply_maps(self, maps)?;
            } else if !page.pending().is_empty() {
                let readings = parallel::map(page.pending(), threads, |crop| self.read_crop(crop, &opts.decode))?;
                page.supply(self, readings)?;
            } else {
                return page.finish();
            }
        }
    }

    /// The photo scaled as the detector scales it, to a long side of `long_side`.
    fn working_copy(img: &RgbImage, long_side: u32) -> RgbImage {
        let (sw, sh) = detector::scale::fit(img.width(), img.height(), long_side);
        detector::scale::scale(img, sw, sh)
    }

    /// The upright page's working copy and its regions (in the photo's pixels). A small probe comes
    /// first: when its regions are taller than a page's formulas could be at the working size, the
    /// photo is a close-up and the probe's size is the one its formula is found at
    /// (`detector::scale::CLOSE_UP_PROBE_SIDE`), unless the page's writing says it is a page: small
    /// print (a whole page whose table of large words or heading the probe took for a formula) or
    /// lines running down the photo (a page on its side, whose table the probe took for one);
    /// otherwise the page is detected at the working size, unless its writing already settles that
    /// it is to be looked at larger, level and upright (no regions then: `look_closer` finds them).
    pub(crate) fn detect_page(&self, img: &RgbImage, work: &mut Work) -> Result<(Working, Vec<Region>)> {
        let (w, h) = (img.width(), img.height());
        let long_side = self.detector()?.config.long_side;
        let probe_side = detector::scale::CLOSE_UP_PROBE_SIDE;
        let copy = if probe_side < long_side {
            let mut probe = Working::new(Self::working_copy(img, probe_side));
            let regions = self.detect_turned(&mut probe, PageTurn::None, w, h, work)?;
            // heights in the full working size's pixels
            let heights = Self::heights_at(&regions, long_side as f32 / w.max(h).max(1) as f32);
            if detector::scale::looks_close_up(&heights) {
                let image = Self::working_copy(img, long_side);
                let writing = Writing::of(&image);
                let a_page = detector::scale::writing_is_small_print(writing.height)
                    || orientation::letters_say_sideways(&writing);
                if !a_page {
                    // unturned, the photo's pixels are the probe's scaled: joining there is joining upright
                    let close_up = Working { close_up: true, ..probe };
                    return Ok((close_up, close_up_formulas(img, regions)));
                }
                Some(Working::page(image, writing))
            } else {
                None
            }
        } else {
            None
        };
        let mut working = copy.unwrap_or_else(|| {
            let image = Self::working_copy(img, long_side);
            let writing = Writing::of(&image);
            Working::page(image, writing)
        });
        // small print whose letters say which way its lines run: whatever the working size's regions
        // are, the page is looked at larger next (its writing decides that), at the turn its letters
        // say, and levelled there by its letters' slant where that is worth it
        // (`deskew::LevelDetection`), so that pass would decide nothing
        let letters =
            working.writing.and_then(|w| detector::scale::writing_settles_a_larger_look(&w).map(|turn| (w, turn)));
        if let Some((writing, turn)) = letters {
            if Self::finer_side(img, &working, &[]).is_some() {
                // the letters' slant is of lines across: a page on its side has its slant measured turned
                working.slant = writing.slant.filter(|_| turn == PageTurn::None).map(f32::to_radians);
                working.letters_turn = Some(turn);
                return Ok((working, Vec::new()));
            }
        }
        // a page whose letters run across at a slant is detected turned level by it at once: the
        // pass on the page as it is would only measure that slant from its regions
        if let Some(writing) = working.writing.filter(orientation::letters_say_across) {
            working.slant = writing.slant.map(f32::to_radians);
        }
        let regions = self.detect_turned(&mut working, PageTurn::None, w, h, work)?;
        Ok((working, regions))
    }

    /// Small print (a whole page photographed from above): when the `regions` found on `working`
    /// are too small for the detector to read well, the page is detected again, turned by `turn`, on
    /// a larger copy (`detector::scale::small_print_side`), which later passes (a page turned round)
    /// then work on too. Called once the page's quarter turn is settled, so that the turn is tried
    /// on the cheaper copy; with `auto_rotate`, where the larger look's regions doubt that turn
    /// (`Working::doubts_larger_look`: small print at the working size may show too little to tell,
    /// and the letters alone may be wrong), the other is tried too, and kept where its regions run
    /// across. Otherwise `working`, `turn` and `regions` come back as they are.
    pub(crate) fn look_closer(
        &self,
        img: &RgbImage,
        working: Working,
        (turn, auto_rotate): (PageTurn, bool),
        regions: Vec<Region>,
        work: &mut Work,
    ) -> Result<(Working, PageTurn, Vec<Region>)> {
        let Some(mut finer) = Self::finer_copy(img, &working, &regions) else {
            return Ok((working, turn, regions));
        };
        let (w, h) = (img.width(), img.height());
        let regions = self.detect_turned(&mut finer, turn, w, h, work)?;
        let Some(other) = working.doubts_larger_look(turn, &regions).filter(|_| auto_rotate) else {
            return Ok((finer, turn, regions));
        };
        // a slant measured on regions that run the wrong way says nothing of the other turn's
        finer.slant = None;
        let others = self.detect_turned(&mut finer, other, w, h, work)?;
        Ok(match orientation::confirms_quarter_turn(&regions, &others) {
            true => (finer, other, others),
            false => (finer, turn, regions),
        })
    }

    /// A page whose `regions`, found on `working` upright, look sideways, or whose letters say its
    /// lines run down the photo (the regions not saying otherwise: a sideways page's few small
    /// formulas may show no region at all), is detected again turned a quarter. The turn is kept when
    /// the turned regions confirm it (a steeply slanted page can look sideways too), or, on the
    /// letters' word, when they do not contradict it: the page's turn and the regions to go on with.
    pub(crate) fn settle_quarter_turn(
        &self,
        working: &mut Working,
        regions: Vec<Region>,
        img: &RgbImage,
        work: &mut Work,
    ) -> Result<(PageTurn, Vec<Region>)> {
        if let Some(turn) = working.letters_turn {
            // no regions were looked for at this size: the larger look has the last word
            return Ok((turn, regions));
        }
        let lines_run_down = working.writing.as_ref().is_some_and(orientation::letters_say_sideways);
        let try_turn = orientation::looks_sideways(&regions) || lines_run_down && !orientation::looks_upright(&regions);
        if !try_turn {
            return Ok((PageTurn::None, regions));
        }
        let turned = self.detect_turned(working, PageTurn::Cw90, img.width(), img.height(), work)?;
        let confirmed = orientation::confirms_quarter_turn(&regions, &turned)
            || lines_run_down && !orientation::looks_sideways(&turned);
        Ok(if confirmed { (PageTurn::Cw90, turned) } else { (PageTurn::None, regions) })
    }

    /// The larger copy of the photo `look_closer` detects again (`finer_side`), keeping the working
    /// copy's slant (measured there, or its letters'), which holds at the larger size; None where
    /// there is none.
    pub(crate) fn finer_copy(img: &RgbImage, working: &Working, regions: &[Region]) -> Option<Working> {
        let side = Self::finer_side(img, working, regions)?;
        let image = Self::working_copy(img, side);
        let extent = working.writing.and_then(|writing| writing.extent);
        let window = extent.map(|e| Window::round_writing(e, working.image.dimensions(), image.dimensions()));
        Some(Working { slant: working.slant, window, ..Working::new(image) })
    }

    /// The long side `look_closer` detects the photo `img` again at when the `regions` found on
    /// `working` are small print, or when the page's writing is (the regions may be the few large
    /// formulas of a page whose small ones the detector missed, or none); None when neither is (or
    /// the photo is a close-up). The decision alone: nothing is scaled.
    fn finer_side(img: &RgbImage, working: &Working, regions: &[Region]) -> Option<u32> {
        use detector::scale::{small_print_side, FORMULA_PER_WRITING};
        if working.close_up {
            return None;
        }
        let photo_side = img.width().max(img.height());
        let side = working.image.width().max(working.image.height());
        let heights = Self::heights_at(regions, side as f32 / photo_side.max(1) as f32);
        small_print_side(&heights, side, photo_side).or_else(|| {
            let writing = working.writing?.height?;
            small_print_side(&[writing * FORMULA_PER_WRITING], side, photo_side)
        })
    }

    /// Each region's height (its quad's shorter side: a sideways page is not yet turned upright)
    /// at `scale` times the photo's pixels.
    fn heights_at(regions: &[Region], scale: f32) -> Vec<f32> {
        regions
            .iter()
            .map(|r| {
                let (qw, qh) = quad_size(&r.quad);
                qw.min(qh) * scale
            })
            .collect()
    }

    /// Regions of the page turned by `turn`, detected on the working copy (levelled when slanted, by
    /// the slant it already knows if it does, which it then keeps), in the pixels of the `w` x `h`
    /// photo, corners in each formula's own order. Every pass is run whole (`TurnedDetection`).
    pub(crate) fn detect_turned(
        &self,
        working: &mut Working,
        turn: PageTurn,
        w: u32,
        h: u32,
        work: &mut Work,
    ) -> Result<Vec<Region>> {
        let TurnedDetection { turn, level } = TurnedDetection::start(working, turn);
        let (regions, slant) = level.run_whole(self.detector()?, work)?;
        Ok(turned_back(turn, regions, slant, working, (w, h)))
    }
}

/// A detection of the working copy turned by `turn`: the copy straightened, the passes
/// `deskew::LevelDetection` asks for (the page as it is; turned level when slanted), and the regions
/// taken back to the photo (`turned_back`). `Engine::detect_turned` runs the passes whole; a page read
/// whose small-print look is cut in bands (page_read.rs) has the worker pool compute them, and steps
/// it here.
pub(crate) struct TurnedDetection {
    turn: PageTurn,
    level: LevelDetection<'static>,
}

/// Where a turned detection is after one pass.
pub(crate) enum TurnedStep {
    /// another pass, on the level canvas
    Again(TurnedDetection),
    /// the regions in the photo's pixels
    Done(Vec<Region>),
}

impl TurnedDetection {
    pub(crate) fn start(working: &Working, turn: PageTurn) -> TurnedDetection {
        let upright = Cow::Owned(turn.straighten(&working.image));
        let (w, h) = (working.image.width() as f32, working.image.height() as f32);
        let window = working.window.map(|window| window.turned(turn, w, h));
        TurnedDetection { turn, level: LevelDetection::start(upright, working.slant, window) }
    }

    /// What the next detector pass looks at, at its own size.
    pub(crate) fn canvas(&self) -> &RgbImage {
        self.level.canvas()
    }

    /// The regions the detector found on `canvas()`. `working` must be the copy this detection was
    /// started from (it keeps the slant, and its size maps the regions back); `photo` is the photo's
    /// width and height.
    pub(crate) fn advance(self, regions: Vec<Region>, working: &mut Working, photo: (u32, u32)) -> TurnedStep {
        match self.level.advance(regions) {
            LevelStep::Again(level) => TurnedStep::Again(TurnedDetection { level, ..self }),
            LevelStep::Done { regions, slant } => {
                TurnedStep::Done(turned_back(self.turn, regions, slant, working, photo))
            }
        }
    }
}

/// The regions a detection of `working` turned by `turn` found (levelled by `slant` if it was), made
/// whole if the copy is a close-up's, in the pixels of the photo (`photo`: its width and height); the
/// copy keeps the slant.
fn turned_back(
    turn: PageTurn,
    regions: Vec<Region>,
    slant: Option<f32>,
    working: &mut Working,
    photo: (u32, u32),
) -> Vec<Region> {
    let regions = if working.close_up {
        // a close-up's copy is small (`CLOSE_UP_PROBE_SIDE` on its long side): straightened again
        close_up_formulas(&turn.straighten(&working.image), regions)
    } else {
        regions
    };
    working.take_turned(turn, regions, slant, photo.0, photo.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region `w` along its formula's reading direction and `h` across it.
    fn region(w: f32, h: f32) -> Region {
        Region { quad: [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]], score: 0.9 }
    }

    #[test]
    fn the_larger_look_doubts_a_turn_its_regions_run_against() {
        let (across, down) = (vec![region(200.0, 20.0); 3], vec![region(20.0, 200.0); 3]);
        let page = Working::new(RgbImage::new(8, 8));
        assert_eq!(page.doubts_larger_look(PageTurn::None, &down), Some(PageTurn::Cw90));
        assert_eq!(page.doubts_larger_look(PageTurn::None, &across), None);
        // turned a quarter on the working size's regions' word: they had their say there
        assert_eq!(page.doubts_larger_look(PageTurn::Cw90, &down), None);
        // turned a quarter on the letters' word alone: the larger look's regions may overrule them
        let by_letters = Working { letters_turn: Some(PageTurn::Cw90), ..Working::new(RgbImage::new(8, 8)) };
        assert_eq!(by_letters.doubts_larger_look(PageTurn::Cw90, &down), Some(PageTurn::None));
        assert_eq!(by_letters.doubts_larger_look(PageTurn::Cw90, &across), None);
        // a page turned round since (three quarters) is not what the letters said
        assert_eq!(by_letters.doubts_larger_look(PageTurn::Cw270, &down), None);
    }
}
