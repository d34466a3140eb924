//! A crop's views read as the engine reads them: the first view alone where it is sure (the
//! manifest's `first_view_sure`), every view (`view_scales`) where it is not. One function for the
//! engine (`Engine::read_crop`) and the benchmark's stage profile (bench/native.rs), so that the
//! profile times the reading the app does.

use super::beam::{self, DecodeOptions, Decoded};
use super::{Encoded, Recognizer};
use crate::clock::timed;
use crate::error::{Error, Result};
use crate::preprocess::{self, Gray};

/// Milliseconds one crop's reading spent in each stage.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimes {
    /// each view fitted to the encoder's input (`preprocess::view_at`)
    pub preprocess: f64,
    pub encode: f64,
    /// the beam search over the views' encodings
    pub decode: f64,
}

/// What reading a crop's views gives.
pub struct ViewsRead {
    pub decoded: Decoded,
    /// the first view's encoding: the one the upside-down probe weighs
    pub first: Encoded,
}

/// The reading of `framed` (the crop's ink framed, `preprocess::framed`): its first view encoded
/// and read alone, kept where its calibrated confidence reaches `first_view_sure`; otherwise the
/// other views encoded (only then) and every view read together, that search taking the first
/// view's steps the first one made (`beam::FirstViewSteps`) instead of running them again.
pub fn read_views(rec: &Recognizer, framed: &Gray, opts: &DecodeOptions, times: &mut StageTimes) -> Result<ViewsRead> {
    let config = &rec.config;
    let Some((&first_scale, others)) = config.view_scales.split_first() else {
        return Err(Error::model("the recognizer reads no view of the crop"));
    };
    let mut encoded = vec![encode_view(rec, framed, first_scale, times)?];
    let mut first_view_steps = beam::FirstViewSteps::default();
    let sure_alone = match config.first_view_sure {
        Some(sure) if !others.is_empty() => {
            let (sure_alone, ms) = timed(|| beam::decode_if_sure(rec, &encoded, opts, sure, &mut first_view_steps));
            times.decode += ms;
            sure_alone?
        }
        _ => None,
    };
    let decoded = match sure_alone {
        Some(decoded) => decoded,
        None => {
            for &scale in others {
                encoded.push(encode_view(rec, framed, scale, times)?);
            }
            let (decoded, ms) = timed(|| beam::decode_reusing(rec, &encoded, opts, &mut first_view_steps));
            times.decode += ms;
            decoded?
        }
    };
    let first = encoded.swap_remove(0);
    Ok(ViewsRead { decoded, first })
}

fn encode_view(rec: &Recognizer, framed: &Gray, scale: f64, times: &mut StageTimes) -> Result<Encoded> {
    let (input, ms) = timed(|| preprocess::view_at(framed, scale));
    times.preprocess += ms;
    let (encoded, ms) = timed(|| rec.encode(&input));
    times.encode += ms;
    encoded
}
