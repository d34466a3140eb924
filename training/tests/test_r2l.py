"""The right-to-left decoder: trained on reversed sequences over the shipped, frozen encoder
(train.py --direction r2l --freeze-encoder) and exported beside it (export.py --r2l)."""
import json

import pytest
import torch
import torch.nn.functional as F

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.export import R2L_FILE, export
from training.mathsnap_train.model import Recognizer
from training.mathsnap_train.train import set_training, teacher_forced_logprobs, to_batch


def model(seed):
    torch.manual_seed(seed)
    return Recognizer(len(Vocab().itos), "base")


def test_reversed_batches_teach_the_last_token_first():
    vocab = Vocab()
    xs = torch.zeros(2, 64, 256).numpy()
    _, inp, tgt = to_batch(xs, [[10, 11, 12], [20]], vocab, reverse=True)
    assert inp[0].tolist() == [vocab.bos, 12, 11, 10]
    assert tgt[0].tolist() == [12, 11, 10, vocab.eos]
    assert tgt[1].tolist() == [20, vocab.eos, vocab.pad, vocab.pad]
    _, _, forward = to_batch(xs, [[10, 11, 12]], vocab)
    assert forward[0].tolist() == [10, 11, 12, vocab.eos]


def test_a_frozen_encoder_keeps_its_weights_and_batchnorm_statistics():
    vocab = Vocab()
    m = model(0)
    m.encoder.requires_grad_(False)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-2)
    set_training(m, freeze_encoder=True)
    assert not m.encoder.training and m.decoder.training
    x = torch.rand(4, 1, 64, 256) * 3.0  # far from the BatchNorms' running statistics
    _, inp, tgt = to_batch(x[:, 0].numpy(), [[14, 15], [16], [17, 18, 19], [20]], vocab, reverse=True)
    for _ in range(2):
        lp = teacher_forced_logprobs(m, x, inp, freeze_encoder=True)
        loss = F.nll_loss(lp.reshape(-1, lp.shape[-1]), tgt.reshape(-1), ignore_index=vocab.pad)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = m.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("encoder.")), "encoder moved"
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("decoder.")), "decoder did not learn"


def save(m, path, direction):
    torch.save({"model": m.state_dict(), "state": {"seen": 1}, "size": "base", "direction": direction}, path)


def test_export_writes_the_right_to_left_decoder_beside_the_encoder_it_was_trained_on(tmp_path):
    forward, backward = model(1), model(1)
    with torch.no_grad():
        for p in backward.decoder.parameters():
            p.add_(0.01)
    save(forward, tmp_path / "l2r.pt", "l2r")
    save(backward, tmp_path / "r2l.pt", "r2l")
    out = tmp_path / "models"
    export(str(tmp_path / "l2r.pt"), str(out), r2l=str(tmp_path / "r2l.pt"), r2l_weight=0.5)
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["recognizer"]["decoder_r2l"] == R2L_FILE and manifest["recognizer"]["r2l_weight"] == 0.5
    assert R2L_FILE in manifest["sha256"] and (out / R2L_FILE).exists()
    # exported again without it, the folder holds no right-to-left decoder of older weights
    export(str(tmp_path / "l2r.pt"), str(out))
    manifest = json.load(open(out / "manifest.json"))
    assert "decoder_r2l" not in manifest["recognizer"] and R2L_FILE not in manifest["sha256"]
    assert not (out / R2L_FILE).exists()


def test_export_refuses_a_right_to_left_decoder_of_another_encoder_or_a_swapped_pair(tmp_path):
    save(model(2), tmp_path / "l2r.pt", "l2r")
    save(model(3), tmp_path / "other.pt", "r2l")
    with pytest.raises(SystemExit, match="another encoder"):
        export(str(tmp_path / "l2r.pt"), str(tmp_path / "out"), check=False, r2l=str(tmp_path / "other.pt"))
    with pytest.raises(SystemExit, match="--r2l"):
        export(str(tmp_path / "other.pt"), str(tmp_path / "out"), check=False)
