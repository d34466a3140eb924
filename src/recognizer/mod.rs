//! The recognizer: a formula crop -> canonical LaTeX tokens, with a confidence.
//! The encoder runs once per crop; the decoder runs one step per output token for the whole
//! beam at once (batch = beam width). Two decoder designs, named by the manifest:
//! - the GRU decoder carries a hidden state and an attention coverage map from step to step;
//! - the transformer decoder (recognizer v2, the manifest's `transformer` entry) carries a key/value
//!   cache: the self-attention keys and values of every token read so far (cached.rs).
//!
//! A second, right-to-left GRU decoder over the same encoder (optional) rescores the beam's finished
//! hypotheses (rescore.rs).

pub mod beam;
pub mod cached;
pub mod calibration;
pub mod rescore;
pub mod upside_down;
pub mod views;

use crate::error::{Error, Result};
use crate::onnx::{self, ShapedPlans};
use crate::preprocess::{Canvas, HEIGHT, WIDTH};
use std::cell::RefCell;
use tract_onnx::prelude::*;

/// What the manifest says about the recognizer.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RecognizerConfig {
    pub input_height: usize,
    pub input_width: usize,
    /// A recognizer of a wide canvas (v2 only): a formula too long for input_width keeps its height
    /// on a canvas up to this wide, in `width_step`s (preprocess::Canvas). Absent: 64 x input_width.
    #[serde(default)]
    pub input_max_width: Option<usize>,
    #[serde(default)]
    pub width_step: Option<usize>,
    /// Paper kept around the ink when framing a crop, as a share of the ink's height (training's
    /// preprocess.FRAME_MARGIN, written by the export). Absent for models trained before framing.
    #[serde(default)]
    pub frame_margin: Option<f64>,
    /// Sizes at which each crop is read (1.0 = fitted to the input; 0.85 = 15% smaller): the decoder
    /// averages its token log-probabilities over them (beam::decode). One read, at 1.0, by default.
    #[serde(default = "one_view")]
    pub view_scales: Vec<f64>,
    /// With several views: a reading of the first view alone whose confidence is at least this is
    /// kept, and the other views are read only for the crops it is unsure of (most printed crops
    /// are read once). Chosen on the training side's calibration crops so that the readings kept
    /// are as often right as the views together would have made them (view_gate.py). Absent: every
    /// view of every crop is read.
    #[serde(default)]
    pub first_view_sure: Option<f32>,
    /// Weight of the right-to-left decoder's log-probability beside the left-to-right one's when the
    /// beam is rescored (rescore.rs); chosen on the training side's hold-out, written by the export.
    #[serde(default = "equal_weight")]
    pub r2l_weight: f32,
    /// Maps the beam's evidence to the probability of an exact reading (calibration.rs); absent:
    /// the raw score is reported.
    #[serde(default)]
    pub calibration: Option<calibration::Calibration>,
    /// Tells a crop read upside down from its encoding (upside_down.rs); absent: the page's half turn
    /// is left to its text lines.
    #[serde(default)]
    pub upside_down: Option<upside_down::UpsideDownProbe>,
    /// The GRU decoder's hidden state size (absent for a transformer decoder).
    #[serde(default)]
    pub hidden: usize,
    /// Present when the decoder is the cached transformer step (cached.rs).
    #[serde(default)]
    pub transformer: Option<cached::TransformerConfig>,
    pub slots: usize,
    pub vocab: Vec<String>,
    pub bos: usize,
    pub eos: usize,
}

impl RecognizerConfig {
    /// The canvases this recognizer reads (64 x 256 unless the manifest gives a wider one).
    pub fn canvas(&self) -> Canvas {
        match self.input_max_width {
            Some(max_width) if max_width > WIDTH => Canvas { max_width, step: self.step_to(max_width) },
            _ => Canvas::NARROW,
        }
    }

    /// The canvas's step in columns: without one in the manifest, from 64 x 256 straight to the widest.
    fn step_to(&self, max_width: usize) -> usize {
        self.width_step.unwrap_or(max_width)
    }

    /// A wide canvas is one a transformer decoder reads (the GRU's coverage map is fixed at its
    /// slots), in steps of whole encoder columns.
    fn check_canvas(&self) -> Result<()> {
        let Some(max_width) = self.input_max_width else { return Ok(()) };
        let step = self.step_to(max_width);
        if max_width < WIDTH || !max_width.is_multiple_of(8) || step == 0 || !step.is_multiple_of(8) {
            return Err(Error::model(format!(
                "recognizer input_max_width {max_width} / width_step {step}: a canvas from {WIDTH} up, in steps of 8 columns"
            )));
        }
        if max_width > WIDTH && self.transformer.is_none() {
            return Err(Error::model("a wide canvas (input_max_width) needs the transformer decoder"));
        }
        Ok(())
    }
}

fn one_view() -> Vec<f64> {
    vec![1.0]
}

fn equal_weight() -> f32 {
    1.0
}

/// One hypothesis's decoder state for one view of the crop.
#[derive(Clone, Debug)]
pub enum DecoderState {
    /// GRU decoder: hidden state and attention coverage, replaced at each step.
    Recurrent { hidden: Vec<f32>, coverage: Vec<f32> },
    /// Transformer decoder: the self-attention keys and values of every token read so far, one row
    /// (layers × width) per token; each step appends a row.
    Cached(cached::Cache),
}

pub struct Recognizer {
    /// one optimised plan per canvas width met (one, 64 x WIDTH, unless the canvas is wide)
    encoder: ShapedPlans,
    /// the widths of one memory slot's and one key's vector (the encoder's outputs are [1, S, D]),
    /// which tell how many slots an encoding handed in from elsewhere has
    memory_dim: usize,
    key_dim: usize,
    /// one optimised plan per beam width (batch size) met
    pub(crate) decoder: ShapedPlans,
    /// the same step graph trained on reversed token sequences: reads a formula last token first
    right_to_left: Option<ShapedPlans>,
    pub config: RecognizerConfig,
}

/// Which of the recognizer's decoders a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    LeftToRight,
    RightToLeft,
}

/// Encoder output for one crop: attention memory and precomputed keys (for the transformer decoder,
/// every layer's cross-attention values and keys, in the same places).
pub struct Encoded {
    pub memory: Vec<f32>,
    pub keys: Vec<f32>,
    pub memory_dim: usize,
    pub key_dim: usize,
    /// the decoder's crop inputs as tensors, built on the first step and shared by every step and
    /// hypothesis (they are its two largest inputs, and constant for the crop); in the layout of the
    /// recognizer's decoder design, `as_shared` (GRU) or `as_batch_of_one` (transformer): one
    /// recognizer, and so one crop's encoding, only ever asks for one of them
    tensors: RefCell<Option<(TValue, TValue)>>,
}

impl Encoded {
    /// The number of memory slots: 8 per 8 columns of its canvas.
    pub fn slots(&self) -> usize {
        self.memory.len() / self.memory_dim.max(1)
    }

    pub fn new(memory: Vec<f32>, keys: Vec<f32>, slots: usize) -> Result<Self> {
        if slots == 0 || !memory.len().is_multiple_of(slots) || !keys.len().is_multiple_of(slots) {
            return Err(Error::model("encoder output does not match the manifest's slot count"));
        }
        Ok(Encoded {
            memory_dim: memory.len() / slots,
            key_dim: keys.len() / slots,
            memory,
            keys,
            tensors: RefCell::new(None),
        })
    }

    /// The crop's inputs to every decoder step, made once: `build` turns (memory, keys) into the
    /// two tensors the decoder takes.
    fn tensors(&self, build: impl FnOnce(&Self) -> Result<(TValue, TValue)>) -> Result<(TValue, TValue)> {
        if let Some((m, k)) = self.tensors.borrow().as_ref() {
            return Ok((m.clone(), k.clone()));
        }
        let (m, k) = build(self)?;
        *self.tensors.borrow_mut() = Some((m.clone(), k.clone()));
        Ok((m, k))
    }

    /// (memory, keys) as [1, S, D] and [1, S, A] tensors: the cached transformer step's layout (its
    /// graph broadcasts them over the beam).
    pub(crate) fn as_batch_of_one(&self, slots: usize) -> Result<(TValue, TValue)> {
        self.tensors(|e| {
            Ok((
                onnx::tensor_f32(&[1, slots, e.memory_dim], &e.memory)?.into(),
                onnx::tensor_f32(&[1, slots, e.key_dim], &e.keys)?.into(),
            ))
        })
    }

    /// (memory, keys transposed) as [S, D] and [A, S] tensors: the GRU step's layout, in which its
    /// attention runs over [beam, A, S] with no transposes (training's DecoderStep.step_shared).
    pub(crate) fn as_shared(&self, slots: usize) -> Result<(TValue, TValue)> {
        self.tensors(|e| {
            let keys = onnx::tensor_f32(&[slots, e.key_dim], &e.keys)?;
            let keys_t = keys.permute_axes(&[1, 0]).map_err(|err| Error::model(format!("keys: {err}")))?;
            Ok((onnx::tensor_f32(&[slots, e.memory_dim], &e.memory)?.into(), keys_t.into()))
        })
    }
}

/// In wasm a GRU step for one hypothesis costs a quarter of one for three (0.27 against 1.03 ms in
/// Chromium): tract's one-row products take its matrix-vector kernel and fuse the keys' add into
/// the coverage convolution, while a batch goes through im2col, an axis move and tract's 4-lane
/// matrix kernel at a quarter of its width. So there the beam's hypotheses step one by one;
/// natively a batch is cheaper (0.41 against 3 x 0.22 ms) and steps together.
const STEP_ONE_HYPOTHESIS_AT_A_TIME: bool = cfg!(target_arch = "wasm32");

/// One decoder step's results for a batch of hypotheses.
pub struct StepOutput {
    pub logprobs: Vec<f32>,
    pub hidden: Vec<f32>,
    pub coverage: Vec<f32>,
}

impl Recognizer {
    pub fn new(config: RecognizerConfig, encoder: &[u8], decoder: &[u8]) -> Result<Self> {
        if config.input_height != HEIGHT || config.input_width != WIDTH {
            return Err(Error::model(format!(
                "recognizer expects {}x{} input but this engine prepares {HEIGHT}x{WIDTH}",
                config.input_height, config.input_width
            )));
        }
        config.check_canvas()?;
        if config.view_scales.is_empty() || config.view_scales.iter().any(|s| !(*s > 0.0 && *s <= 1.0)) {
            return Err(Error::model("recognizer view_scales must be one or more sizes in (0, 1]"));
        }
        if config.first_view_sure.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(Error::model("recognizer first_view_sure must be a confidence in (0, 1]"));
        }
        if let Some(problem) = config.calibration.as_ref().and_then(|c| c.problem()) {
            return Err(Error::model(format!("recognizer calibration in the manifest: {problem}")));
        }
        if let Some(probe) = &config.upside_down {
            probe.check(config.slots)?;
        }
        if !(config.r2l_weight >= 0.0 && config.r2l_weight.is_finite()) {
            return Err(Error::model("recognizer r2l_weight must be a finite number from 0 up"));
        }
        if config.vocab.len() <= config.bos.max(config.eos) {
            return Err(Error::model("recognizer vocabulary is smaller than its special tokens"));
        }
        match &config.transformer {
            Some(t) => t.validate()?,
            None if config.hidden == 0 => {
                return Err(Error::model("recognizer needs either a GRU hidden size or a transformer entry"))
            }
            None => {}
        }
        let encoder = ShapedPlans::load("recognizer_encoder.onnx", encoder)?;
        // the 64 x WIDTH plan is made now: every crop that fits needs it, and a broken file is
        // refused at load, not at the first crop
        let narrow = encoder.plan(&[&[1, 1, HEIGHT, WIDTH]])?;
        let dim = |i: usize| {
            narrow.model().output_fact(i).ok().and_then(|f| f.shape.as_concrete().map(|s| s.to_vec())).and_then(|s| {
                match s.as_slice() {
                    [1, slots, d] if *slots == config.slots && *d > 0 => Some(*d),
                    _ => None,
                }
            })
        };
        let (memory_dim, key_dim) = match (dim(0), dim(1)) {
            (Some(m), Some(k)) => (m, k),
            _ => {
                return Err(Error::model(format!(
                    "recognizer_encoder.onnx: its outputs are not [1, {}, D] for a 64x{WIDTH} input",
                    config.slots
                )))
            }
        };
        let mut decoder = ShapedPlans::load("recognizer_decoder.onnx", decoder)?;
        if config.transformer.is_some() {
            // one symbolic plan for every beam width, cache length and canvas (onnx.rs)
            decoder = decoder.planned_once()?;
        } else {
            check_gru_step("recognizer_decoder.onnx", &decoder)?;
        }
        Ok(Recognizer { encoder, memory_dim, key_dim, decoder, right_to_left: None, config })
    }

    /// Add the right-to-left decoder (the manifest's `decoder_r2l`), which must share this encoder.
    pub fn with_right_to_left(mut self, decoder: &[u8]) -> Result<Self> {
        if self.config.transformer.is_some() {
            return Err(Error::model("a right-to-left decoder rescores GRU recognizers only"));
        }
        let decoder = ShapedPlans::load("recognizer_decoder_r2l.onnx", decoder)?;
        check_gru_step("recognizer_decoder_r2l.onnx", &decoder)?;
        self.right_to_left = Some(decoder);
        Ok(self)
    }

    /// The recognizer a manifest entry names, its files read through `fetch`: the encoder, the
    /// decoder, and the right-to-left decoder where the entry has one.
    pub fn from_entry(entry: &crate::models::RecognizerEntry, fetch: &dyn Fn(&str) -> Result<Vec<u8>>) -> Result<Self> {
        let rec = Recognizer::new(entry.config.clone(), &fetch(&entry.encoder)?, &fetch(&entry.decoder)?)?;
        match &entry.decoder_r2l {
            Some(file) => rec.with_right_to_left(&fetch(file)?),
            None => Ok(rec),
        }
    }

    /// The state a hypothesis starts from, for one view.
    pub fn initial_state(&self) -> DecoderState {
        match &self.config.transformer {
            Some(_) => DecoderState::Cached(cached::Cache::default()),
            None => DecoderState::Recurrent {
                hidden: vec![0.0; self.config.hidden],
                coverage: vec![0.0; self.config.slots],
            },
        }
    }

    /// The most tokens one reading can have (the transformer's cache and positions end there).
    pub fn max_tokens(&self) -> usize {
        self.config.transformer.as_ref().map_or(usize::MAX, |t| t.max_tokens)
    }

    /// One left-to-right step for a batch of hypotheses (their last tokens and states, one view):
    /// the token log-probabilities (row-major, one row per hypothesis) and each one's next state.
    pub fn advance(
        &self,
        enc: &Encoded,
        tokens: &[i64],
        states: &[&DecoderState],
    ) -> Result<(Vec<f32>, Vec<DecoderState>)> {
        if tokens.len() != states.len() {
            return Err(Error::model("decoder step: one state per token is needed"));
        }
        if let Some(config) = &self.config.transformer {
            return cached::advance(self, config, enc, tokens, states);
        }
        let (h, s) = (self.config.hidden, self.config.slots);
        let mut hidden = Vec::with_capacity(tokens.len() * h);
        let mut coverage = Vec::with_capacity(tokens.len() * s);
        for state in states {
            match state {
                DecoderState::Recurrent { hidden: a, coverage: c } if a.len() == h && c.len() == s => {
                    hidden.extend_from_slice(a);
                    coverage.extend_from_slice(c);
                }
                _ => return Err(Error::model("decoder step: a state of another decoder")),
            }
        }
        let out = self.step(enc, tokens, &hidden, &coverage)?;
        let next = (0..tokens.len())
            .map(|b| DecoderState::Recurrent {
                hidden: out.hidden[b * h..(b + 1) * h].to_vec(),
                coverage: out.coverage[b * s..(b + 1) * s].to_vec(),
            })
            .collect();
        Ok((out.logprobs, next))
    }

    pub fn has_right_to_left(&self) -> bool {
        self.right_to_left.is_some()
    }

    /// Encode one input: [HEIGHT x W] with W a width of this recognizer's canvas (`preprocess::view_at`).
    pub fn encode(&self, input: &[f32]) -> Result<Encoded> {
        let width = input.len() / HEIGHT;
        if !input.len().is_multiple_of(HEIGHT) || !self.config.canvas().holds(width) {
            return Err(Error::model(format!(
                "encoder: an input of {} values is not {HEIGHT} rows of a width this recognizer reads",
                input.len()
            )));
        }
        let x = onnx::tensor_f32(&[1, 1, HEIGHT, width], input)?;
        let plan = self.encoder.plan(&[&[1, 1, HEIGHT, width]])?;
        let out = plan.run(tvec!(x.into())).map_err(|e| Error::model(format!("encoder: {e}")))?;
        let memory = onnx::output_f32(&out, 0, "encoder")?;
        let keys = onnx::output_f32(&out, 1, "encoder")?;
        self.encoding(memory, keys)
    }

    /// An encoding computed elsewhere (another worker's view) as this recognizer's: its memory and
    /// keys must hold the same number of slots of this encoder's widths.
    pub fn encoding(&self, memory: Vec<f32>, keys: Vec<f32>) -> Result<Encoded> {
        let slots = memory.len() / self.memory_dim;
        if slots == 0 || slots * self.memory_dim != memory.len() || slots * self.key_dim != keys.len() {
            return Err(Error::model("encoder output does not match the recognizer's slot widths"));
        }
        Encoded::new(memory, keys, slots)
    }

    /// One decoding step for `tokens.len()` hypotheses sharing the same encoded crop.
    pub fn step(&self, enc: &Encoded, tokens: &[i64], hidden: &[f32], coverage: &[f32]) -> Result<StepOutput> {
        self.step_in(Direction::LeftToRight, enc, tokens, hidden, coverage)
    }

    /// One step of the given decoder (the right-to-left one's inputs and outputs are the same).
    pub fn step_in(
        &self,
        direction: Direction,
        enc: &Encoded,
        tokens: &[i64],
        hidden: &[f32],
        coverage: &[f32],
    ) -> Result<StepOutput> {
        if self.config.transformer.is_some() {
            return Err(Error::model("this recognizer's decoder is the cached transformer: use advance"));
        }
        let decoder = match direction {
            Direction::LeftToRight => &self.decoder,
            Direction::RightToLeft => {
                self.right_to_left.as_ref().ok_or_else(|| Error::model("no right-to-left decoder is loaded"))?
            }
        };
        let b = tokens.len();
        let (h, s) = (self.config.hidden, self.config.slots);
        if b > 1 && STEP_ONE_HYPOTHESIS_AT_A_TIME {
            return self.step_one_by_one(direction, enc, tokens, hidden, coverage);
        }
        let (memory, keys) = enc.as_shared(s)?;
        let plan = decoder.plan(&[&[b], &[b, h], &[b, s], &[s, enc.memory_dim], &[enc.key_dim, s]])?;
        let inputs = tvec!(
            Tensor::from_shape(&[b], tokens).map_err(|e| Error::model(e.to_string()))?.into(),
            onnx::tensor_f32(&[b, h], hidden)?.into(),
            onnx::tensor_f32(&[b, s], coverage)?.into(),
            memory,
            keys
        );
        let out = plan.run(inputs).map_err(|e| Error::model(format!("decoder: {e}")))?;
        Ok(StepOutput {
            logprobs: onnx::output_f32(&out, 0, "decoder")?,
            hidden: onnx::output_f32(&out, 1, "decoder")?,
            coverage: onnx::output_f32(&out, 2, "decoder")?,
        })
    }

    /// `step_in` for a batch run as batches of one, in order: what wasm runs
    /// (`STEP_ONE_HYPOTHESIS_AT_A_TIME`), public so that native tests check it gives the batch's numbers.
    pub fn step_one_by_one(
        &self,
        direction: Direction,
        enc: &Encoded,
        tokens: &[i64],
        hidden: &[f32],
        coverage: &[f32],
    ) -> Result<StepOutput> {
        let (h, s) = (self.config.hidden, self.config.slots);
        if hidden.len() != tokens.len() * h || coverage.len() != tokens.len() * s {
            return Err(Error::model("decoder step: one hidden state and coverage per token is needed"));
        }
        let mut out = StepOutput { logprobs: Vec::new(), hidden: Vec::new(), coverage: Vec::new() };
        for (row, token) in tokens.chunks(1).enumerate() {
            let one = self.step_in(
                direction,
                enc,
                token,
                &hidden[row * h..(row + 1) * h],
                &coverage[row * s..(row + 1) * s],
            )?;
            out.logprobs.extend(one.logprobs);
            out.hidden.extend(one.hidden);
            out.coverage.extend(one.coverage);
        }
        Ok(out)
    }

    pub fn vocab_size(&self) -> usize {
        self.config.vocab.len()
    }
}

/// A GRU step takes the crop's memory once for the whole beam ([S, D], then the keys as [A, S]); a
/// file exported before that took them once per hypothesis ([beam, S, D]) and is refused with the
/// command that exports its weights again, rather than failing at the first step.
fn check_gru_step(name: &str, decoder: &ShapedPlans) -> Result<()> {
    if decoder.input_rank(3) == Some(3) {
        return Err(Error::model(format!(
            "{name} takes the crop's memory once per hypothesis, an older export: export its weights again \
             with `python3 -m training.mathsnap_train.export --reexport-decoder MODELS --out MODELS`"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_protos::{model, node, value};
    use tract_onnx::pb::GraphProto;

    /// A stand-in GRU step that declares the five inputs with the crop's memory and keys of the
    /// given ranks (what `check_gru_step` reads; its one node is never run).
    fn step_declaring(memory: &[&str], keys: &[&str]) -> ShapedPlans {
        let graph = GraphProto {
            node: vec![node("Identity", &["hidden"], "hidden_out", vec![])],
            input: vec![
                value("token", &["beam"]),
                value("hidden", &["beam", "h"]),
                value("coverage", &["beam", "s"]),
                value("memory", memory),
                value("keys_t", keys),
            ],
            output: vec![value("hidden_out", &["beam", "h"])],
            ..Default::default()
        };
        ShapedPlans::from_proto("step.onnx", &model(graph)).unwrap()
    }

    #[test]
    fn a_gru_step_taking_the_memory_per_hypothesis_is_refused_with_the_command_that_exports_it_again() {
        assert!(check_gru_step("step.onnx", &step_declaring(&["s", "d"], &["a", "s"])).is_ok());
        let err = check_gru_step("step.onnx", &step_declaring(&["beam", "s", "d"], &["beam", "s", "a"])).unwrap_err();
        assert!(err.message.contains("step.onnx") && err.message.contains("--reexport-decoder"), "{}", err.message);
    }

    fn config(extra: &str) -> RecognizerConfig {
        let json = format!(
            r#"{{"input_height": 64, "input_width": 256, "slots": 256, "vocab": ["<pad>", "<s>", "</s>"],
                "bos": 1, "eos": 2 {extra}}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn a_wide_canvas_is_read_by_a_transformer_decoder_in_steps_of_whole_columns() {
        let transformer = r#", "transformer": {"layers": 3, "width": 192, "max_tokens": 120}"#;
        assert_eq!(config(transformer).canvas(), Canvas::NARROW);
        let wide = config(&format!(r#"{transformer}, "input_max_width": 512, "width_step": 64"#));
        assert!(wide.check_canvas().is_ok());
        assert_eq!(wide.canvas(), Canvas { max_width: 512, step: 64 });
        for bad in [
            r#""input_max_width": 500, "width_step": 64"#,
            r#""input_max_width": 512, "width_step": 60"#,
            r#""input_max_width": 128"#,
        ] {
            assert!(config(&format!("{transformer}, {bad}")).check_canvas().is_err(), "{bad}");
        }
        let gru = config(r#", "hidden": 256, "input_max_width": 512, "width_step": 64"#);
        assert!(gru.check_canvas().unwrap_err().message.contains("transformer"));
    }

    #[test]
    fn the_crop_inputs_are_the_memory_as_it_is_and_the_keys_transposed() {
        // 3 slots, memory 2 wide, keys 2 wide: keys row s = [10 s, 10 s + 1]
        let enc = Encoded::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], vec![0.0, 1.0, 10.0, 11.0, 20.0, 21.0], 3).unwrap();
        let (memory, keys_t) = enc.as_shared(3).unwrap();
        assert_eq!(memory.shape(), &[3, 2]);
        assert_eq!(keys_t.shape(), &[2, 3]);
        let values = |t: &TValue| -> Vec<f32> { t.to_plain_array_view::<f32>().unwrap().iter().copied().collect() };
        assert_eq!(values(&keys_t), [0.0, 10.0, 20.0, 1.0, 11.0, 21.0]);
        assert_eq!(values(&memory), enc.memory);
    }
}
