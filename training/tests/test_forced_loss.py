"""forced_loss: a model that has learnt a label scores it better than an untrained one."""
import cv2
import numpy as np
import torch

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.export import load_checkpoint
from training.mathsnap_train.forced_loss import forced_loss, labelled_set
from training.mathsnap_train.model import Recognizer


def test_training_on_a_label_lowers_its_forced_loss(tmp_path):
    img = np.full((40, 120, 3), 255, np.uint8)
    cv2.putText(img, "x+1", (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    cv2.imwrite(str(tmp_path / "a.png"), img)
    (tmp_path / "labels.tsv").write_text("a.png\tx+1\n")
    vocab = Vocab()
    torch.manual_seed(0)
    model = Recognizer(len(vocab.itos), "base")
    torch.save({"model": model.state_dict(), "size": "base"}, tmp_path / "ck.pt")
    labelled = labelled_set(f"one={tmp_path}", vocab)
    assert len(labelled) == 1
    before, _ = forced_loss(load_checkpoint(tmp_path / "ck.pt", vocab, "l2r")[1], labelled, vocab)
    assert before > 2.0  # about ln(vocabulary) untrained

    from training.mathsnap_train.data import load_image, make_input
    x = torch.from_numpy(make_input(load_image(str(tmp_path / "a.png")))[None, None]).float()
    ids = labelled.items[0][1]
    inp, tgt = torch.tensor([[vocab.bos] + ids]), torch.tensor([ids + [vocab.eos]])
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    model.train()
    for _ in range(30):
        loss = -model(x, inp).gather(-1, tgt[..., None]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save({"model": model.state_dict(), "size": "base"}, tmp_path / "ck.pt")
    after, first = forced_loss(load_checkpoint(tmp_path / "ck.pt", vocab, "l2r")[1], labelled, vocab)
    assert after < before / 2 and first > 0.5


def test_a_wide_canvas_model_is_scored_on_its_own_canvas(tmp_path, monkeypatch):
    """A v2 checkpoint of a wide canvas is loaded with it (export.load_checkpoint) and its batches are
    made on it: a short and a long formula in one batch, the short one padded with empty canvas."""
    for name, text in [("a", "x+1"), ("b", "x+1=y+2=z+3=w+4=v+5")]:
        img = np.full((40, 30 * len(text), 3), 255, np.uint8)
        cv2.putText(img, text, (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
        cv2.imwrite(str(tmp_path / f"{name}.png"), img)
    (tmp_path / "labels.tsv").write_text("a.png\tx+1\nb.png\tx+1=y+2=z+3=w+4=v+5\n")
    vocab = Vocab()
    torch.manual_seed(0)
    model = Recognizer(len(vocab.itos), "v2", max_width=512)
    torch.save({"model": model.state_dict(), "size": "v2", "max_width": 512}, tmp_path / "ck.pt")
    loaded = load_checkpoint(tmp_path / "ck.pt", vocab, "l2r")[1]
    assert loaded.max_width == 512
    from training.mathsnap_train import forced_loss as module
    widths, to_batch = [], module.to_batch
    monkeypatch.setattr(module, "to_batch", lambda xs, *a: widths.append(xs.shape[-1]) or to_batch(xs, *a))
    nll, first = forced_loss(loaded, labelled_set(f"two={tmp_path}", vocab), vocab)
    assert nll > 2.0 and 0.0 <= first <= 1.0
    assert widths and widths[0] > 256   # the long formula kept its height: the batch is wider than 64x256
