"""The wide canvas (recognizer v2, issue 27): a formula too long for 64 x 256 keeps its height on a canvas
as wide as it needs, up to the model's max_width; a formula that fits reads exactly as before."""
import random

import cv2
import numpy as np
import pytest
import torch

from training.mathsnap_train.data import Mixture, Vocab, make_input
from training.mathsnap_train.model import Recognizer, greedy, positional_encoding_2d
from training.mathsnap_train.preprocess import HEIGHT, WIDTH, WIDTH_STEP, canvas_width, pad_batch, prepare


def formula(chars):
    """A dark line of text `chars` characters long on light paper: an image as wide as its formula."""
    img = np.full((60, 30 * chars + 40), 235, np.uint8)
    cv2.putText(img, "x+1=" * (chars // 4) + "y" * (chars % 4), (20, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2)
    return img


def ink_rows(x):
    rows = np.where(x.max(axis=1) > 0.5)[0]
    return rows[-1] - rows[0] + 1


def test_the_canvas_grows_in_steps_only_for_a_formula_that_does_not_fit():
    assert canvas_width(100, 512) == WIDTH
    assert canvas_width(WIDTH, 512) == WIDTH
    assert canvas_width(WIDTH + 1, 512) == WIDTH + WIDTH_STEP
    assert canvas_width(10_000, 512) == 512
    assert canvas_width(10_000) == WIDTH   # the 64 x 256 model never gets a wider canvas


def test_a_formula_that_fits_gets_the_input_it_always_got():
    short = formula(6)
    assert np.array_equal(prepare(short, max_width=512), prepare(short))


def test_a_long_formula_keeps_its_height_on_a_wider_canvas():
    long = formula(24)
    squeezed, wide = prepare(long), prepare(long, max_width=768)
    assert squeezed.shape == (HEIGHT, WIDTH)
    assert wide.shape[1] > WIDTH and wide.shape[1] % WIDTH_STEP == 0
    assert ink_rows(wide) > 1.5 * ink_rows(squeezed)
    # at the widest canvas it is fitted into max_width, as the 256 canvas fits it into 256
    assert prepare(long, max_width=320).shape == (HEIGHT, 320)


def test_a_batch_of_several_widths_is_padded_with_empty_canvas():
    a, b = np.ones((HEIGHT, WIDTH), np.float32), np.ones((HEIGHT, WIDTH + 64), np.float32)
    batch = pad_batch([a, b])
    assert batch.shape == (2, 1, HEIGHT, WIDTH + 64)
    assert batch[0, 0, :, :WIDTH].min() == 1.0 and batch[0, 0, :, WIDTH:].max() == 0.0
    assert batch[1, 0].min() == 1.0


class _Set:
    """A labelled set of images of several lengths (LabelledSet's interface as Mixture reads it)."""
    name, kind = "synth", "image"

    def __init__(self, tmp_path):
        self.items = []
        for k, chars in enumerate([4, 8, 16, 24, 32] * 4):
            path = str(tmp_path / f"{k}.png")
            cv2.imwrite(path, formula(chars))
            self.items.append((path, [5 + k % 10], "", ""))

    def __len__(self):
        return len(self.items)


def test_wide_batches_group_inputs_of_like_width(tmp_path):
    mix = Mixture([(_Set(tmp_path), 1.0)], seed=0, max_width=768)
    widths = []
    for _ in range(Mixture.WIDE_POOL):
        xs, ys = mix.batch(5, 150)
        assert xs.shape[:3] == (5, 1, HEIGHT) and len(ys) == 5
        assert xs.shape[3] % WIDTH_STEP == 0 and WIDTH <= xs.shape[3] <= 768
        widths.append(xs.shape[3])
    assert len(set(widths)) > 1   # short formulas are not all padded out to the longest one's canvas
    narrow = Mixture([(_Set(tmp_path), 1.0)], seed=0)
    assert narrow.batch(5, 150)[0].shape == (5, 1, HEIGHT, WIDTH)


def test_the_encoding_of_a_wide_canvas_continues_the_saved_one():
    model = Recognizer(len(Vocab().itos), "v2", max_width=512).eval()
    wide = model.encoder.position(64)
    assert wide.shape[-1] == 64
    assert torch.allclose(wide[..., :32], model.encoder.pos, atol=1e-6)
    assert torch.allclose(wide, positional_encoding_2d(wide.shape[0], 8, 64) * 0.5)


def test_v2_reads_a_wide_canvas_and_a_formula_that_fits_as_on_the_narrow_one():
    torch.manual_seed(0)
    model = Recognizer(50, "v2", max_width=512).eval()
    narrow = torch.rand(1, 1, HEIGHT, WIDTH)
    with torch.no_grad():
        memory, _ = model.encoder(torch.rand(2, 1, HEIGHT, 512))
        assert memory.shape[1] == 8 * 64
        assert len(greedy(model, torch.rand(2, 1, HEIGHT, 512), 1, 2, max_len=5)) == 2
        same = Recognizer(50, "v2")
        same.load_state_dict(model.state_dict())   # the saved weights do not depend on the canvas
        assert torch.equal(model.encoder(narrow)[0], same.eval().encoder(narrow)[0])


def test_only_a_decoder_that_attends_over_any_slots_gets_a_wide_canvas():
    with pytest.raises(ValueError, match="256-wide canvas only"):
        Recognizer(50, "base", max_width=512)
    with pytest.raises(ValueError, match="multiple of"):
        Recognizer(50, "v2", max_width=500)


def test_validation_inputs_follow_the_models_canvas():
    img = formula(24)
    assert make_input(img).shape == (HEIGHT, WIDTH)
    assert make_input(img, max_width=768).shape[1] > WIDTH
    assert make_input(img, random.Random(0), max_width=768).shape[1] >= WIDTH


def test_a_resumed_run_may_widen_its_canvas_but_not_narrow_it():
    from training.mathsnap_train.train import run_canvas

    assert run_canvas(None, 512) == 512            # a fresh run takes --max-width
    assert run_canvas(512, 256) == 512             # the default keeps the run's canvas
    assert run_canvas(512, 512) == 512
    assert run_canvas(512, 768) == 768             # widened mid-run: long formulas stop being squeezed
    with pytest.raises(ValueError, match="narrower"):
        run_canvas(768, 512)


def test_a_wide_model_loads_the_weights_of_a_narrower_one():
    narrow = Recognizer(len(Vocab().itos), "v2", max_width=512)
    wide = Recognizer(len(Vocab().itos), "v2", max_width=768)
    wide.load_state_dict(narrow.state_dict())   # no weight or buffer depends on the canvas
    x = torch.rand(1, 1, 64, 768)
    assert wide.encoder(x)[0].shape[1] > narrow.encoder(torch.rand(1, 1, 64, 512))[0].shape[1]
