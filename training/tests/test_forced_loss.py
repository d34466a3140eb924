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
