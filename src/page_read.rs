//! A page read as a sequence of named steps, with the reading of crops left to the caller:
//!
//! 1. **locate** (`Engine::start_page`): detect the formulas on the upright page (a quarter-turned
//!    page is detected again turned), cut their crops from the full-resolution photo;
//! 2. **read the crops**: whoever drives the read: `Engine::read` on the machine's cores
//!    (`parallel::map`), the browser's worker pool across workers (`www/engine-client.js`); on a
//!    page that may be upside down (turned a quarter, or upright with a layout that does not say
//!    so), its largest formulas first (`FIRST_LOOK`): their upside-down probe may already say it is;
//! 3. **half-turn check** (`supply`): when the page's text lines do not show it upright, the largest
//!    formulas' crops turned round are handed out to be read too, and their confidence decides;
//! 4. a page found upside down is located again turned round (in bands where the small-print look
//!    is) and its crops read again.
//!
//! `pending` says which crops to read next; `supply` takes their readings, in the same order;
//! `finish` gives the result once nothing is pending.

use crate::clock::now_ms;
use crate::detector::bands::{Band, Banded};
use crate::detector::postprocess::ProbMap;
use crate::detector::Region;
use crate::error::{Error, Result};
use crate::geometry::{quad_size, Quad};
use crate::orientation::{self, PageTurn};
use crate::pipeline::{Engine, Formula, ReadOptions, ReadResult, Timings, TurnedDetection, TurnedStep, Work, Working};
use crate::rectify;
use image::{imageops, RgbImage};
use std::borrow::Cow;

/// The half-turn check reads this many of the largest formulas both ways up.
const HALF_TURN_PROBES: usize = 3;
/// A page that may be upside down has this many of its largest formulas read first; where their
/// upside-down probe is already sure (`PROBE_SURE`), the page is turned round before the rest are
/// read, rather than after every crop was read the wrong way up. The quarter a page on its side is
/// turned by first is a guess half the time wrong (of the bench's 6 quarter-turned worksheets, all
/// 6 were then found upside down); an upright page is looked at first so unless its text lines say
/// it is upright (`orientation::lines_say_half_turned`): of the bench's 30 worksheets, the 4 read
/// upside down gave a first look 6.0-12.0 of evidence, the upright ones at most -4.0, and the
/// layout called none of the 4 upright. Even, so that the pool's 2 workers end the first look
/// together.
const FIRST_LOOK: usize = 4;

/// When the recognizer's confidence turns a page round: read turned round, the probes' mean confidence
/// must beat the upright reads' by `margin`; upright reads at least `skip_above` confident are not
/// second-guessed (saves the probe reads). Set on train pages (`evaluate_turns --pages` a train set):
/// upside-down formulas read 0.8-0.9 confident often, upright ones turned round rarely gain over 0.08.
#[derive(Clone, Copy)]
struct HalfTurnRule {
    margin: f32,
    skip_above: f32,
}
/// The layout's say, in the upside-down probe's log-odds: the page's lines aligned on the right
/// (+), or on the left (-).
const LAYOUT_SAYS_TURNED: f32 = 1.0;
/// Evidence of a half turn (the probe's log-odds summed over the page's formulas, with the layout's)
/// above which the page is turned round without asking the recognizer. Per crop, on the training
/// side's hold-outs (turn_probe.py's sets), an upright crop's log-odds exceed 3 for 0-0.7% of
/// crops (0 for 11-13%); a crop turned round exceeds it for 37-48%.
const PROBE_SURE: f32 = 3.0;
/// No cue from the layout: the recognizer alone decides, conservatively.
const HALF_TURN_UNCUED: HalfTurnRule = HalfTurnRule { margin: 0.1, skip_above: 0.8 };
/// The layout says upside down: turn unless upright reads are the more confident.
const HALF_TURN_LAYOUT_CUED: HalfTurnRule = HalfTurnRule { margin: 0.0, skip_above: f32::INFINITY };

pub use crate::pipeline::CropReading;

/// One detected region and what the recognizer read in it.
struct RegionRead {
    region: Region,
    latex: String,
    confidence: f32,
    /// the probe's log-odds that the crop is upside down
    upside_down: Option<f32>,
    /// The crop it was read from, only with `ReadOptions::keep_crops`.
    crop: Option<RgbImage>,
}

/// Which readings `supply` (crops) or `supply_maps` (bands) expects next.
enum Step {
    /// a detector pass cut in bands (`ReadOptions::detector_bands`): the maps of `banded`'s bands,
    /// which `detection` then takes; `then` says which pass it is, and what follows it
    Bands {
        detection: Box<TurnedDetection>,
        banded: Banded,
        then: AfterBands,
    },
    /// the crops of `regions` not read in a first look (`first`: those reads, by region index, in
    /// order); `turned_round`: the page was already found upside down
    Regions {
        turned_round: bool,
        first: Vec<(usize, RegionRead)>,
    },
    /// a page that may be upside down: the crops of its largest regions (`picked`, in region order)
    /// first (`FIRST_LOOK`)
    FirstLook {
        picked: Vec<usize>,
    },
    /// the largest formulas' crops turned round, to compare with their upright confidence
    HalfTurnProbes {
        upright: f32,
        rule: HalfTurnRule,
    },
    Done,
}

/// The passes a page read cuts in bands, and what each leads to.
enum AfterBands {
    /// the small-print look (`Engine::look_closer`), on the larger copy `finer`, which the page
    /// goes on with; `doubted`: this pass is the other turn tried on the larger copy
    /// (`Working::doubts_larger_look`), and these are the turn and the regions that doubted it,
    /// which this pass's must confirm they beat
    LookCloser { finer: Box<Working>, doubted: Option<(PageTurn, Vec<Region>)> },
    /// the page found upside down, located again turned round on its working copy (step 4)
    TurnedRound,
}

/// A page being read (see the module's documentation for its steps).
pub struct PageRead<'a> {
    photo: Cow<'a, RgbImage>,
    opts: ReadOptions,
    working: Working,
    turn: PageTurn,
    regions: Vec<Region>,
    reads: Vec<RegionRead>,
    pending: Vec<RgbImage>,
    step: Step,
    ms: Timings,
    work: Work,
    /// when the current stretch of reading crops (or of detection in bands) began
    reading_since: f64,
    /// detection time within that stretch: a page turned round located again whole
    redetect_ms: f64,
    /// what the text lines said of the page at a turn (`layout`), asked once per turn
    layout_seen: Option<(PageTurn, Option<bool>)>,
}

impl Engine {
    /// Step 1: locate the page's formulas and cut their crops, ready to be read (`PageRead::pending`).
    pub fn start_page<'a>(&self, photo: Cow<'a, RgbImage>, opts: &ReadOptions) -> Result<PageRead<'a>> {
        if opts.single {
            return Err(Error::bad_input("a single formula crop is read whole, not located as a page"));
        }
        let t = now_ms();
        // Turns are tried on the detector's downscaled copy of the photo, never on the photo itself (a
        // turned copy of a 50 MP photo would take 150 MB more); regions come back in the photo's pixels
        // with their corners in the formula's own order, so crops cut from the photo come out upright.
        let mut work = Work::default();
        let (mut working, regions) = self.detect_page(&photo, &mut work)?;
        let (turn, regions) = match opts.auto_rotate {
            true => self.settle_quarter_turn(&mut working, regions, &photo, &mut work)?,
            false => (PageTurn::None, regions),
        };
        // the small-print look: done here, or cut in bands handed out to be computed side by side
        let finer = match opts.cuts_bands() {
            true => Self::finer_copy(&photo, &working, &regions),
            false => None,
        };
        let (working, turn, regions, step) = match finer {
            Some(finer) => {
                let detection = Box::new(TurnedDetection::start(&finer, turn));
                let banded = self.detector()?.cut_bands(detection.canvas(), opts.detector_bands);
                let then = AfterBands::LookCloser { finer: Box::new(finer), doubted: None };
                (working, turn, regions, Step::Bands { detection, banded, then })
            }
            None => {
                let (working, turn, regions) =
                    self.look_closer(&photo, working, (turn, opts.auto_rotate), regions, &mut work)?;
                (working, turn, regions, Step::Regions { turned_round: false, first: Vec::new() })
            }
        };
        let ms = Timings { detect: now_ms() - t, ..Timings::default() };
        let mut page = PageRead {
            photo,
            opts: opts.clone(),
            working,
            turn,
            regions,
            reads: Vec::new(),
            pending: Vec::new(),
            step,
            ms,
            work,
            reading_since: now_ms(),
            redetect_ms: 0.0,
            layout_seen: None,
        };
        if matches!(page.step, Step::Regions { .. }) {
            page.begin_reading();
        }
        page.settle_empty(self)?;
        Ok(page)
    }
}

fn crops_of(photo: &RgbImage, regions: &[Region]) -> Vec<RgbImage> {
    regions.iter().map(|r| rectify::crop_for_recognition(photo, &r.quad)).collect()
}

impl<'a> PageRead<'a> {
    /// The crops to read next, in order (none: the read is finished).
    pub fn pending(&self) -> &[RgbImage] {
        &self.pending
    }

    /// The detector bands to compute next (`Detector::band_map` of each band's image), in order;
    /// while there are any, no crops are pending.
    pub fn pending_bands(&self) -> &[Band] {
        match &self.step {
            Step::Bands { banded, .. } => &banded.bands,
            _ => &[],
        }
    }

    /// The maps of `pending_bands()`, in its order: the small-print look's regions are located on
    /// them, and their crops are then pending (or, on a page found slanted at this size, the bands of
    /// its level canvas).
    pub fn supply_maps(&mut self, engine: &Engine, maps: Vec<ProbMap>) -> Result<()> {
        let detector = engine.detector()?;
        let step = std::mem::replace(&mut self.step, Step::Done);
        let Step::Bands { detection, banded, mut then } = step else {
            self.step = step;
            return Err(Error::bad_input("the page read has no detector bands to supply maps for"));
        };
        let regions = match detector.locate_bands(&banded, &maps) {
            Ok(regions) => regions,
            Err(e) => {
                // malformed maps: the bands are still pending, to be supplied again
                self.step = Step::Bands { detection, banded, then };
                return Err(e);
            }
        };
        self.work.detector_pass(detection.canvas());
        self.work.banded_passes += 1;
        let photo = (self.photo.width(), self.photo.height());
        let copy = match &mut then {
            AfterBands::LookCloser { finer, .. } => &mut **finer,
            AfterBands::TurnedRound => &mut self.working,
        };
        match (detection.advance(regions, copy, photo), then) {
            (TurnedStep::Again(next), then) => {
                let banded = detector.cut_bands(next.canvas(), self.opts.detector_bands);
                self.step = Step::Bands { detection: Box::new(next), banded, then };
            }
            (TurnedStep::Done(regions), AfterBands::LookCloser { mut finer, doubted }) => {
                // the larger look's regions doubt its turn: the other is tried too, once (as
                // `Engine::look_closer`, in bands)
                let other = match &doubted {
                    None if self.opts.auto_rotate => self.working.doubts_larger_look(self.turn, &regions),
                    _ => None,
                };
                if let Some(other) = other {
                    finer.slant = None;
                    let next = Box::new(TurnedDetection::start(&finer, other));
                    let banded = detector.cut_bands(next.canvas(), self.opts.detector_bands);
                    let then = AfterBands::LookCloser { finer, doubted: Some((self.turn, regions)) };
                    self.turn = other;
                    self.step = Step::Bands { detection: next, banded, then };
                } else {
                    self.regions = match doubted {
                        Some((turn, doubted)) if !orientation::confirms_quarter_turn(&doubted, &regions) => {
                            self.turn = turn;
                            doubted
                        }
                        _ => regions,
                    };
                    self.working = *finer;
                    self.begin_reading();
                }
            }
            (TurnedStep::Done(regions), AfterBands::TurnedRound) => {
                self.regions = regions;
                self.pending = crops_of(&self.photo, &self.regions);
                self.step = Step::Regions { turned_round: true, first: Vec::new() };
            }
        }
        // the bands were computed since `start_page` returned (or the last maps came, or the page was
        // turned round): detection time
        let now = now_ms();
        self.ms.detect += now - self.reading_since;
        self.reading_since = now;
        self.settle_empty(engine)
    }

    /// The readings of `pending()`, in its order; the read moves on to its next step.
    pub fn supply(&mut self, engine: &Engine, readings: Vec<CropReading>) -> Result<()> {
        if let Step::Bands { .. } = self.step {
            return Err(Error::bad_input("the page read's detector bands are to be supplied first"));
        }
        if readings.len() != self.pending.len() {
            return Err(Error::bad_input(format!(
                "{} readings supplied for {} crops",
                readings.len(),
                self.pending.len()
            )));
        }
        let crops = std::mem::take(&mut self.pending);
        self.work.crops_read += crops.len() as u32;
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::FirstLook { picked } => {
                let first: Vec<(usize, RegionRead)> = picked
                    .iter()
                    .zip(readings.into_iter().zip(crops))
                    .map(|(&i, (reading, crop))| (i, self.region_read(i, reading, crop)))
                    .collect();
                let layout = self.layout();
                let reads: Vec<&RegionRead> = first.iter().map(|(_, r)| r).collect();
                if half_turn_evidence(&reads, layout).is_some_and(|evidence| evidence > PROBE_SURE) {
                    self.turn_round(engine)?;
                } else {
                    let rest: Vec<usize> = (0..self.regions.len()).filter(|i| !picked.contains(i)).collect();
                    self.pending = self.crops_at(&rest);
                    self.step = Step::Regions { turned_round: false, first };
                }
            }
            Step::Regions { turned_round, first } => {
                // the first look's reads in their places, the rest in order between them
                let mut first = first.into_iter().peekable();
                let mut rest = readings.into_iter().zip(crops);
                let mut reads = Vec::with_capacity(self.regions.len());
                for i in 0..self.regions.len() {
                    let read = match first.next_if(|(j, _)| *j == i) {
                        Some((_, read)) => read,
                        None => {
                            let Some((reading, crop)) = rest.next() else {
                                return Err(Error::bad_input("fewer readings than the page's crops"));
                            };
                            self.region_read(i, reading, crop)
                        }
                    };
                    reads.push(read);
                }
                self.reads = reads;
                if !turned_round && self.opts.auto_rotate {
                    self.check_half_turn(engine)?;
                }
            }
            Step::HalfTurnProbes { upright, rule } => {
                let turned = mean(&readings.iter().map(|r| r.confidence).collect::<Vec<_>>());
                if turned > upright + rule.margin {
                    self.turn_round(engine)?;
                }
            }
            Step::Done => return Err(Error::bad_input("the page read is finished: nothing to supply")),
            Step::Bands { .. } => unreachable!("refused above"),
        }
        self.settle_empty(engine)
    }

    /// The located regions' crops to read (step 2): on a page that may be upside down (turned a
    /// quarter, or upright where its text lines do not say it is) with more formulas than a first
    /// look reads, the largest first (`FIRST_LOOK`); otherwise all of them.
    fn begin_reading(&mut self) {
        let quarter = matches!(self.turn, PageTurn::Cw90 | PageTurn::Cw270);
        let may_be_upside_down =
            self.opts.auto_rotate && self.regions.len() > FIRST_LOOK && (quarter || self.layout() != Some(false));
        if may_be_upside_down {
            let mut picked = largest(&self.regions, |r| &r.quad, FIRST_LOOK);
            picked.sort_unstable();
            self.pending = self.crops_at(&picked);
            self.step = Step::FirstLook { picked };
        } else {
            self.pending = crops_of(&self.photo, &self.regions);
            self.step = Step::Regions { turned_round: false, first: Vec::new() };
        }
    }

    /// The crops of the regions at `indices`, in that order.
    fn crops_at(&self, indices: &[usize]) -> Vec<RgbImage> {
        indices.iter().map(|&i| rectify::crop_for_recognition(&self.photo, &self.regions[i].quad)).collect()
    }

    /// Whether the page's text lines say it is upside down at its present turn
    /// (`orientation::lines_say_half_turned`), worked out once per turn.
    fn layout(&mut self) -> Option<bool> {
        match self.layout_seen {
            Some((turn, layout)) if turn == self.turn => layout,
            _ => {
                let layout = orientation::lines_say_half_turned(&self.photo, self.turn);
                self.layout_seen = Some((self.turn, layout));
                layout
            }
        }
    }

    /// Region `i`'s reading; its crop kept by moving it, not copying (free when not kept).
    fn region_read(&self, i: usize, reading: CropReading, crop: RgbImage) -> RegionRead {
        RegionRead {
            region: self.regions[i].clone(),
            latex: reading.latex,
            confidence: reading.confidence,
            upside_down: reading.upside_down,
            crop: self.opts.keep_crops.then_some(crop),
        }
    }

    /// A step with no crops to read (no formula found) moves on at once.
    fn settle_empty(&mut self, engine: &Engine) -> Result<()> {
        if self.pending.is_empty() && matches!(self.step, Step::Regions { .. } | Step::HalfTurnProbes { .. }) {
            return self.supply(engine, Vec::new());
        }
        Ok(())
    }

    /// Step 3. Upside down? The page's layout (text lines aligned on the right) is one cue; the
    /// upside-down probe on the crops' encodings (`recognizer::upside_down`), its log-odds summed over
    /// the page's formulas, the other. Without the probe, the recognizer's confidence read both ways up decides.
    /// The layout alone misreads some upright pages (a right-aligned table or answer column), so it
    /// only tilts the comparison.
    fn check_half_turn(&mut self, engine: &Engine) -> Result<()> {
        let layout = self.layout();
        // formulas the recognizer read something in: nothing else says which way up the page is
        let read: Vec<&RegionRead> = self.reads.iter().filter(|r| !r.latex.is_empty()).collect();
        if let Some(evidence) = half_turn_evidence(&read, layout) {
            if evidence > PROBE_SURE {
                return self.turn_round(engine);
            }
            if evidence <= 0.0 {
                return Ok(());
            }
            // some evidence of a half turn, not enough: the recognizer's confidence decides
        } else if layout == Some(false) {
            return Ok(());
        }
        let rule = if layout == Some(true) { HALF_TURN_LAYOUT_CUED } else { HALF_TURN_UNCUED };
        let read: Vec<&RegionRead> =
            largest(&read, |r| &r.region.quad, HALF_TURN_PROBES).into_iter().map(|i| read[i]).collect();
        if read.is_empty() {
            return Ok(());
        }
        let upright = mean(&read.iter().map(|r| r.confidence).collect::<Vec<_>>());
        if upright >= rule.skip_above {
            return Ok(());
        }
        self.pending = read
            .iter()
            .map(|r| imageops::rotate180(&rectify::crop_for_recognition(&self.photo, &r.region.quad)))
            .collect();
        self.step = Step::HalfTurnProbes { upright, rule };
        Ok(())
    }

    /// Step 4: the page is upside down: located again turned round (the detector, trained on upright
    /// pages, finds an upside-down page's formulas less well: its regions turned round with the page
    /// read 38.4% of the formulas of 100 turned hi-res val pages right, against 44.7% located again),
    /// in bands where the page read cuts its passes so, and its crops read again.
    fn turn_round(&mut self, engine: &Engine) -> Result<()> {
        self.turn = self.turn.then_half();
        self.reads.clear();
        if self.opts.cuts_bands() {
            // reading so far was recognition; from here until the maps come, detection
            let now = now_ms();
            self.ms.recognize += now - self.reading_since;
            self.reading_since = now;
            let detection = Box::new(TurnedDetection::start(&self.working, self.turn));
            let banded = engine.detector()?.cut_bands(detection.canvas(), self.opts.detector_bands);
            self.step = Step::Bands { detection, banded, then: AfterBands::TurnedRound };
            return Ok(());
        }
        let t = now_ms();
        let (w, h) = (self.photo.width(), self.photo.height());
        self.regions = engine.detect_turned(&mut self.working, self.turn, w, h, &mut self.work)?;
        self.pending = crops_of(&self.photo, &self.regions);
        self.step = Step::Regions { turned_round: true, first: Vec::new() };
        self.redetect_ms += now_ms() - t;
        Ok(())
    }

    /// The result, once nothing is pending.
    pub fn finish(self) -> Result<ReadResult> {
        if !matches!(self.step, Step::Done) {
            return Err(Error::bad_input("the page read is not finished: crops are still to be read"));
        }
        let mut ms = self.ms;
        ms.detect += self.redetect_ms;
        ms.recognize += now_ms() - self.reading_since - self.redetect_ms;
        let formulas = self
            .reads
            .into_iter()
            .filter(|r| !r.latex.is_empty()) // nothing the recognizer could read
            .map(|r| Formula {
                latex: r.latex,
                score: r.confidence * r.region.score,
                quad: r.region.quad,
                crop: r.crop,
            })
            .collect();
        Ok(ReadResult {
            formulas,
            width: self.photo.width(),
            height: self.photo.height(),
            rotation: self.turn.degrees(),
            ms,
            work: self.work,
        })
    }
}

/// The upside-down probe's log-odds summed over the formulas of `reads` the recognizer read
/// something in, with the layout's say (`lines_say_half_turned`) as one more; None where the models
/// have no probe (or nothing was read).
fn half_turn_evidence(reads: &[&RegionRead], layout: Option<bool>) -> Option<f32> {
    let logits: Vec<f32> = reads.iter().filter(|r| !r.latex.is_empty()).filter_map(|r| r.upside_down).collect();
    if logits.is_empty() {
        return None;
    }
    // log-odds add up over the page's formulas; the layout weighs as one more
    let prior = match layout {
        Some(true) => LAYOUT_SAYS_TURNED,
        Some(false) => -LAYOUT_SAYS_TURNED,
        None => 0.0,
    };
    Some(logits.iter().sum::<f32>() + prior)
}

/// The indices of the `n` largest of `items` by the area of their `quad`, largest first (ties in
/// their order): the formulas whose reading says most about which way up the page is.
fn largest<T>(items: &[T], quad: impl Fn(&T) -> &Quad, n: usize) -> Vec<usize> {
    let area = |item: &T| {
        let (w, h) = quad_size(quad(item));
        w * h
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| area(&items[b]).total_cmp(&area(&items[a])));
    order.truncate(n);
    order
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}
