//! A crop's views read as the engine reads them: the first view alone where it is sure (the
//! manifest's `first_view_sure`), every view (`view_scales`) where it is not. One function for the
//! engine (`Engine::read_crop`) and the benchmark's stage profile (bench/native.rs), so that the
//! profile times the reading the app does; its three steps are public for a reader that encodes the
//! other views elsewhere meanwhile (`Engine::start_crop`, the browser's single formula).

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

/// A crop's first view read alone: sure enough to keep, or waiting for the other views.
pub enum FirstView {
    Sure(ViewsRead),
    /// `read_with_others` finishes it once the other views are encoded (`encode_other_views`, here
    /// or on another worker from the same crop: the browser's pool encodes them beside the first
    /// view's search)
    Unsure(UnsureRead),
}

/// A crop whose first view alone did not settle its reading.
pub struct UnsureRead {
    first: Encoded,
    /// the steps the first view's search made, which the search with every view takes up
    steps: beam::FirstViewSteps,
}

impl UnsureRead {
    /// Whether `others` can be this crop's other views: as many as the recognizer reads beside the
    /// first, each the size of the first's encoding.
    pub fn check_others(&self, rec: &Recognizer, others: &[Encoded]) -> Result<()> {
        if others.len() + 1 != rec.config.view_scales.len() {
            return Err(Error::bad_input(format!(
                "the crop's other views: {} encodings for the recognizer's {} views beside the first",
                others.len(),
                rec.config.view_scales.len() - 1
            )));
        }
        // the same slot widths; on a wide canvas a smaller view can have fewer slots than the first
        if others.iter().any(|e| e.memory_dim != self.first.memory_dim || e.key_dim != self.first.key_dim) {
            return Err(Error::bad_input("the crop's other views are not encodings of this recognizer"));
        }
        Ok(())
    }
}

/// The reading of `framed` (the crop's ink framed, `preprocess::framed`): its first view encoded
/// and read alone, kept where its calibrated confidence reaches `first_view_sure`; otherwise the
/// other views encoded (only then) and every view read together, that search taking the first
/// view's steps the first one made (`beam::FirstViewSteps`) instead of running them again.
pub fn read_views(rec: &Recognizer, framed: &Gray, opts: &DecodeOptions, times: &mut StageTimes) -> Result<ViewsRead> {
    match read_first_view(rec, framed, opts, times)? {
        FirstView::Sure(read) => Ok(read),
        FirstView::Unsure(unsure) => {
            let others = encode_other_views(rec, framed, times)?;
            read_with_others(rec, unsure, others, opts, times)
        }
    }
}

/// The first step of `read_views`: the first view encoded and read alone. With one view, or with
/// no gate in the manifest, the first view is all there is or never enough on its own.
pub fn read_first_view(
    rec: &Recognizer,
    framed: &Gray,
    opts: &DecodeOptions,
    times: &mut StageTimes,
) -> Result<FirstView> {
    let Some(&first_scale) = rec.config.view_scales.first() else {
        return Err(Error::model("the recognizer reads no view of the crop"));
    };
    let first = encode_view(rec, framed, first_scale, times)?;
    let mut steps = beam::FirstViewSteps::default();
    if rec.config.view_scales.len() == 1 {
        let (decoded, ms) = timed(|| beam::decode(rec, std::slice::from_ref(&first), opts));
        times.decode += ms;
        return Ok(FirstView::Sure(ViewsRead { decoded: decoded?, first }));
    }
    if let Some(sure) = rec.config.first_view_sure {
        let (sure_alone, ms) =
            timed(|| beam::decode_if_sure(rec, std::slice::from_ref(&first), opts, sure, &mut steps));
        times.decode += ms;
        if let Some(decoded) = sure_alone? {
            return Ok(FirstView::Sure(ViewsRead { decoded, first }));
        }
    }
    Ok(FirstView::Unsure(UnsureRead { first, steps }))
}

/// Every view but the first, encoded: what an unsure first view waits for.
pub fn encode_other_views(rec: &Recognizer, framed: &Gray, times: &mut StageTimes) -> Result<Vec<Encoded>> {
    rec.config.view_scales.iter().skip(1).map(|&scale| encode_view(rec, framed, scale, times)).collect()
}

/// The last step of `read_views`: every view read together, `others` being every view but the
/// first in the manifest's order (`encode_other_views` of the same crop).
pub fn read_with_others(
    rec: &Recognizer,
    unsure: UnsureRead,
    others: Vec<Encoded>,
    opts: &DecodeOptions,
    times: &mut StageTimes,
) -> Result<ViewsRead> {
    unsure.check_others(rec, &others)?;
    let UnsureRead { first, mut steps } = unsure;
    let mut encoded = vec![first];
    encoded.extend(others);
    let (decoded, ms) = timed(|| beam::decode_reusing(rec, &encoded, opts, &mut steps));
    times.decode += ms;
    let first = encoded.swap_remove(0);
    Ok(ViewsRead { decoded: decoded?, first })
}

fn encode_view(rec: &Recognizer, framed: &Gray, scale: f64, times: &mut StageTimes) -> Result<Encoded> {
    let (input, ms) = timed(|| preprocess::view_at(framed, scale, rec.config.canvas()));
    times.preprocess += ms;
    let (encoded, ms) = timed(|| rec.encode(&input));
    times.encode += ms;
    encoded
}
