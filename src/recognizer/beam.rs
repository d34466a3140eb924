//! Beam search over the recognizer's decoder steps, with a length limit and a guard against
//! repetition loops (the classic failure of attention decoders on hard inputs: better to stop
//! and report low confidence than to emit "1111111..." for 200 tokens).

use super::calibration::{Evidence, Unfinished};
use super::{rescore, DecoderState, Encoded, Recognizer};
use crate::error::{Error, Result};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// 1 = greedy.
    pub beam: usize,
    pub max_tokens: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { beam: 3, max_tokens: 256 }
    }
}

#[derive(Clone, Debug)]
pub struct Decoded {
    pub tokens: Vec<usize>,
    /// The probability that the reading is exactly right, where the manifest has a calibration
    /// (calibration.rs); without one, the geometric-mean token probability, 0..1.
    pub confidence: f32,
    /// The hypothesis was cut by the loop guard or the length limit.
    pub truncated: bool,
    /// What the confidence is computed from (the calibrator's features).
    pub evidence: Evidence,
}

/// A hypothesis carries one decoder state (GRU hidden + attention coverage, or the transformer's
/// key/value cache) per view of the crop, and what its path says about its own reliability.
#[derive(Clone)]
struct Hyp {
    tokens: Vec<usize>,
    logp: f32,
    states: Vec<DecoderState>,
    /// the lowest (view-averaged) log-probability of a token on its path, end token included
    weakest: f32,
    /// the closest call on its path: min over steps of its token's log-probability minus that of
    /// the best other token (negative where the beam kept a token that was not the step's first)
    closest: f32,
}

impl Hyp {
    /// What the path says, in the ranges the calibration is fitted in (`Evidence::clamped`): the
    /// engine reports exactly what it weighs.
    fn evidence(&self, truncated: bool) -> Evidence {
        Evidence {
            // a truncated reading's score is halved: it ended on the guard, not on the model's word
            ln_score: length_normalised(self) + if truncated { 0.5f32.ln() } else { 0.0 },
            weakest: self.weakest,
            closest: self.closest,
            ln_tokens: (self.tokens.len() as f32 + 1.0).ln(),
        }
        .clamped()
    }

    fn unfinished(&self) -> Unfinished {
        Unfinished { logp: self.logp, tokens: self.tokens.len(), weakest: self.weakest, closest: self.closest }
    }
}

/// A token one hypothesis may be extended by, with the two numbers its evidence needs.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Candidate {
    token: usize,
    logp: f32,
    /// its log-probability minus the best other token's (the closest call along a path)
    margin: f32,
}

/// A beam step's candidates from one hypothesis's row of token log-probabilities: the `beam` most
/// likely tokens (never `bos`), each with its log-probability and its margin over the best other
/// token (the row's first choice, or for the first choice the runner-up; `CLEAR_CALL` without one).
fn candidates(row: &[f32], bos: usize, beam: usize) -> Vec<Candidate> {
    let mut idx: Vec<usize> = (0..row.len()).filter(|&t| t != bos && row[t].is_finite()).collect();
    idx.sort_by(|&x, &y| row[y].total_cmp(&row[x]));
    let (first, second) = (idx.first().map(|&t| row[t]), idx.get(1).map(|&t| row[t]));
    idx.iter()
        .take(beam)
        .enumerate()
        .map(|(rank, &t)| {
            let other = if rank == 0 { second } else { first };
            Candidate { token: t, logp: row[t], margin: other.map_or(Evidence::CLEAR_CALL, |o| row[t] - o) }
        })
        .collect()
}

/// Repeats of one unit that make a hypothesis a loop. Ordinary maths repeats a unit four or five
/// times (`1+1+1+1+1`, `a_1, a_2, a_3, a_4`): with 4, nine CROHME 2014 labels tripped the guard and
/// all nine were misread; with 8 the guard still ends real loops, which run on to the length limit.
pub const LOOP_REPEATS: usize = 8;

/// A tail that repeats the same 1..=8-token unit `min_repeats` times in a row. Single tokens
/// need twice as many repeats ("10000" is a number, not a loop).
pub fn is_looping(tokens: &[usize], min_repeats: usize) -> bool {
    (1..=8).any(|unit| {
        let repeats = if unit == 1 { min_repeats * 2 } else { min_repeats };
        let need = unit * repeats;
        tokens.len() >= need && {
            let tail = &tokens[tokens.len() - need..];
            tail.chunks(unit).all(|c| c == &tail[..unit])
        }
    })
}

fn length_normalised(h: &Hyp) -> f32 {
    h.logp / (h.tokens.len() as f32 + 1.0)
}

/// The first view's decoder steps one search made, by the path each extended: the token
/// log-probabilities after the path, and the first view's state with them. A step depends only on
/// its path and the view's encoding, so a later search over the same crop (the same first view and
/// more views beside it) takes these rather than running them again; an unsure crop's one-view
/// reading is then not spent twice.
#[derive(Default)]
pub struct FirstViewSteps {
    by_path: HashMap<Vec<usize>, (Vec<f32>, DecoderState)>,
    reused: usize,
}

impl FirstViewSteps {
    /// How many hypotheses' steps were made (and are kept).
    pub fn made(&self) -> usize {
        self.by_path.len()
    }

    /// How many hypotheses' steps were taken from here instead of being run again.
    pub fn reused(&self) -> usize {
        self.reused
    }
}

/// Beam search over one or more views of the same crop (`views`: their encodings). With several, each
/// step's token log-probabilities are the mean over the views (test-time augmentation: the views'
/// errors differ, their agreement is more often right).
pub fn decode(rec: &Recognizer, views: &[Encoded], opts: &DecodeOptions) -> Result<Decoded> {
    decode_reusing(rec, views, opts, &mut FirstViewSteps::default())
}

/// `decode`, taking the first view's steps from `steps` where an earlier search over the same first
/// view made them, and keeping the ones it makes there.
pub fn decode_reusing(
    rec: &Recognizer,
    views: &[Encoded],
    opts: &DecodeOptions,
    steps: &mut FirstViewSteps,
) -> Result<Decoded> {
    search(rec, views, opts, None, steps)?.ok_or_else(|| Error::model("beam search gave up without being asked to"))
}

/// `decode`, kept only when the reading's confidence is at least `sure`; None otherwise. The search
/// stops as soon as no path it still holds can reach `sure` (`Calibration::best_reachable`), so an
/// unsure reading costs a few steps, not a whole reading. Without a calibration the whole reading
/// is made and its raw score decides. The first view's steps are kept in `steps` for a search with
/// more views.
pub fn decode_if_sure(
    rec: &Recognizer,
    views: &[Encoded],
    opts: &DecodeOptions,
    sure: f32,
    steps: &mut FirstViewSteps,
) -> Result<Option<Decoded>> {
    Ok(search(rec, views, opts, Some(sure), steps)?.filter(|d| d.confidence >= sure))
}

/// One step of every live hypothesis for the first view: those whose path `steps` has are taken from
/// it, the others run as one batch and are kept there. Returns the rows (one per hypothesis, in
/// order) and each one's next state, as `Recognizer::advance` does.
fn first_view_step(
    rec: &Recognizer,
    enc: &Encoded,
    alive: &[Hyp],
    tokens: &[i64],
    steps: &mut FirstViewSteps,
) -> Result<(Vec<f32>, Vec<DecoderState>)> {
    let missing: Vec<usize> = (0..alive.len()).filter(|&b| !steps.by_path.contains_key(&alive[b].tokens)).collect();
    if !missing.is_empty() {
        let batch_tokens: Vec<i64> = missing.iter().map(|&b| tokens[b]).collect();
        let states: Vec<&DecoderState> = missing.iter().map(|&b| &alive[b].states[0]).collect();
        let (rows, next) = rec.advance(enc, &batch_tokens, &states)?;
        let v = rec.vocab_size();
        for ((&b, row), state) in missing.iter().zip(rows.chunks(v)).zip(next) {
            steps.by_path.insert(alive[b].tokens.clone(), (row.to_vec(), state));
        }
    }
    steps.reused += alive.len() - missing.len();
    let mut rows = Vec::with_capacity(alive.len() * rec.vocab_size());
    let mut next = Vec::with_capacity(alive.len());
    for h in alive {
        let (row, state) = &steps.by_path[&h.tokens];
        rows.extend_from_slice(row);
        next.push(state.clone());
    }
    Ok((rows, next))
}

/// The beam search of `decode`; None when `give_up_below` is given and no path can reach it.
fn search(
    rec: &Recognizer,
    views: &[Encoded],
    opts: &DecodeOptions,
    give_up_below: Option<f32>,
    steps: &mut FirstViewSteps,
) -> Result<Option<Decoded>> {
    if views.is_empty() {
        return Err(Error::model("nothing to decode: no view of the crop"));
    }
    let beam = opts.beam.clamp(1, 16);
    let (bos, eos, v) = (rec.config.bos, rec.config.eos, rec.vocab_size());
    let k = views.len();
    let start = Hyp {
        tokens: vec![],
        logp: 0.0,
        states: vec![rec.initial_state(); k],
        weakest: 0.0,
        closest: Evidence::CLEAR_CALL,
    };
    let mut alive = vec![start];
    let mut finished: Vec<(Hyp, bool)> = Vec::new();
    let max_tokens = opts.max_tokens.min(rec.max_tokens());
    let give_up = give_up_below.and_then(|sure| rec.config.calibration.as_ref().map(|c| (sure, c)));
    for _ in 0..max_tokens {
        let tokens: Vec<i64> = alive.iter().map(|h| *h.tokens.last().unwrap_or(&bos) as i64).collect();
        // per view: (token log-probabilities, each hypothesis's next state)
        let mut outs = Vec::with_capacity(k);
        outs.push(first_view_step(rec, &views[0], &alive, &tokens, steps)?);
        for (view, enc) in views.iter().enumerate().skip(1) {
            let states: Vec<&DecoderState> = alive.iter().map(|h| &h.states[view]).collect();
            outs.push(rec.advance(enc, &tokens, &states)?);
        }
        let mut logprobs = outs[0].0.clone();
        for (out, _) in &outs[1..] {
            logprobs.iter_mut().zip(out).for_each(|(a, b)| *a += b);
        }
        logprobs.iter_mut().for_each(|a| *a /= k as f32);
        // every hypothesis's candidates as (its index, the path's total with the candidate, the
        // candidate), best total first; the total is computed once per candidate
        let mut cands: Vec<(usize, f32, Candidate)> = Vec::with_capacity(alive.len() * beam);
        for (b, parent) in alive.iter().enumerate() {
            let row = &logprobs[b * v..(b + 1) * v];
            cands.extend(candidates(row, bos, beam).into_iter().map(|c| (b, parent.logp + c.logp, c)));
        }
        cands.sort_by(|x, y| y.1.total_cmp(&x.1));
        let mut next = Vec::with_capacity(beam);
        for (b, total, Candidate { token: t, logp: lp, margin }) in cands {
            if next.len() >= beam {
                break;
            }
            let parent = &alive[b];
            let mut h = Hyp {
                tokens: parent.tokens.clone(),
                logp: total,
                states: outs.iter().map(|(_, states)| states[b].clone()).collect(),
                weakest: parent.weakest.min(lp),
                closest: parent.closest.min(margin),
            };
            if t == eos {
                finished.push((h, false));
                continue;
            }
            h.tokens.push(t);
            if is_looping(&h.tokens, LOOP_REPEATS) {
                finished.push((h, true));
                continue;
            }
            next.push(h);
        }
        alive = next;
        if let Some((sure, calibration)) = give_up {
            let reachable = alive
                .iter()
                .map(|h| calibration.best_reachable(&h.unfinished(), max_tokens))
                .chain(finished.iter().map(|(h, looped)| calibration.apply(&h.evidence(*looped))))
                .fold(0.0f32, f32::max);
            if reachable < sure {
                return Ok(None);
            }
        }
        let best_alive = alive.iter().map(|h| h.logp).fold(f32::MIN, f32::max);
        let best_done = finished.iter().filter(|(_, l)| !l).map(|(h, _)| h.logp).fold(f32::MIN, f32::max);
        // log-probabilities only fall as hypotheses grow: once a finished one beats every live one,
        // no live one can win on the left-to-right score, so stop, unless a second decoder will
        // rescore them, which wants the beam's full set of finished hypotheses
        let settled = best_done >= best_alive && !rec.has_right_to_left();
        if alive.is_empty() || finished.len() >= beam || settled {
            break;
        }
    }
    let clean: Vec<&Hyp> = finished.iter().filter(|(_, looped)| !looped).map(|(h, _)| h).collect();
    let chosen = if clean.len() > 1 && rec.has_right_to_left() {
        let sequences: Vec<Vec<usize>> = clean.iter().map(|h| h.tokens.clone()).collect();
        let backward = rescore::right_to_left_logprobs(rec, views, &sequences)?;
        // both directions' log-probabilities per token (each direction predicts n + 1 tokens)
        let w = rec.config.r2l_weight;
        let both = |i: usize| (clean[i].logp + w * backward[i]) / (clean[i].tokens.len() as f32 + 1.0);
        (0..clean.len()).max_by(|&a, &b| both(a).total_cmp(&both(b))).map(|i| clean[i])
    } else {
        clean.into_iter().max_by(|a, b| length_normalised(a).total_cmp(&length_normalised(b)))
    };
    let (best, truncated) = match chosen {
        Some(h) => (h.clone(), false),
        None => {
            // nothing ended cleanly: return the best partial result, flagged
            let partial = alive.into_iter().chain(finished.into_iter().map(|(h, _)| h));
            match partial.max_by(|a, b| length_normalised(a).total_cmp(&length_normalised(b))) {
                Some(h) => (h, true),
                None => {
                    let nothing =
                        Decoded { tokens: vec![], confidence: 0.0, truncated: true, evidence: Evidence::NONE };
                    return Ok(Some(nothing));
                }
            }
        }
    };
    // the left-to-right decoder's own evidence, with or without rescoring: one scale for every model
    let evidence = best.evidence(truncated);
    let confidence = match &rec.config.calibration {
        Some(c) => c.apply(&evidence),
        None => evidence.raw(),
    };
    Ok(Some(Decoded { tokens: best.tokens, confidence, truncated, evidence }))
}

#[cfg(test)]
mod tests {
    use super::{candidates, is_looping, Candidate, Evidence, LOOP_REPEATS};

    fn cand(token: usize, logp: f32, margin: f32) -> Candidate {
        Candidate { token, logp, margin }
    }

    #[test]
    fn candidates_carry_their_margin_over_the_best_other_token() {
        let (bos, ninf) = (1, f32::NEG_INFINITY);
        // token 1 (bos) would be the first choice: never a candidate, nor anyone's rival
        let row = [-2.0, -0.1, -0.5, -1.5, ninf];
        assert_eq!(candidates(&row, bos, 3), vec![cand(2, -0.5, 1.0), cand(3, -1.5, -1.0), cand(0, -2.0, -1.5)]);
        // greedy: the first choice's margin is still over the runner-up
        assert_eq!(candidates(&row, bos, 1), vec![cand(2, -0.5, 1.0)]);
        // one finite token: no rival, a clear call; none: no candidate
        assert_eq!(candidates(&[ninf, ninf, -0.2], bos, 3), vec![cand(2, -0.2, Evidence::CLEAR_CALL)]);
        assert!(candidates(&[ninf, 0.0, ninf], bos, 3).is_empty());
    }

    #[test]
    fn loop_guard_sees_repeated_units() {
        assert!(is_looping(&[5, 7, 8, 7, 8, 7, 8, 7, 8], 4));
        assert!(!is_looping(&[5, 7, 8, 7, 8, 7, 8], 4));
        // "1111111" (seven ones) may be a number; eight equal tokens in a row are a loop
        assert!(!is_looping(&[1; 7], 4));
        assert!(is_looping(&[1; 8], 4));
        assert!(!is_looping(&[1, 2, 3, 4, 5, 6], 4));
    }

    #[test]
    fn ordinary_repetition_is_not_a_loop() {
        // 1 + 1 + 1 + 1 + 1: the unit "+ 1" five times after a 1
        let (one, plus) = (11, 12);
        let sum: Vec<usize> = std::iter::once(one).chain([plus, one].repeat(5)).collect();
        assert!(!is_looping(&sum, LOOP_REPEATS));
        assert!(is_looping(&[plus, one].repeat(LOOP_REPEATS), LOOP_REPEATS));
    }
}
