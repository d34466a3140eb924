"""Recognizer v2: a transformer decoder that trains every target position in one pass."""
import torch

from training.mathsnap_train.model import Recognizer, greedy


def test_a_position_sees_only_the_tokens_before_it():
    torch.manual_seed(0)
    model = Recognizer(50, "v2").eval()
    x = torch.rand(1, 1, 64, 256)
    a = torch.randint(4, 50, (1, 12))
    b = a.clone()
    b[0, 7:] = (b[0, 7:] + 1) % 46 + 4  # change the tokens from position 7 on
    with torch.no_grad():
        la, lb = model(x, a), model(x, b)
    assert torch.allclose(la[0, :7], lb[0, :7], atol=1e-5)  # positions 0..6 cannot see them
    assert not torch.allclose(la[0, 7:], lb[0, 7:], atol=1e-3)


def test_teacher_forcing_agrees_with_reading_token_by_token():
    torch.manual_seed(1)
    model = Recognizer(50, "v2").eval()
    x = torch.rand(2, 1, 64, 256)
    with torch.no_grad():
        out = greedy(model, x, bos=1, eos=2, max_len=6)
        for k, seq in enumerate(out):
            inp = torch.tensor([[1] + seq[:-1]]) if seq else torch.tensor([[1]])
            forced = model(x[k:k + 1], inp)[0].argmax(-1).tolist()
            assert forced[:len(seq)] == seq


def test_the_cached_reading_is_the_prefix_recomputing_one():
    """Validation reads with a key/value cache; it must pick the tokens that running the teacher-forced
    pass over the whole prefix at every step picks, crop by crop within one batch."""
    torch.manual_seed(3)
    model = Recognizer(50, "v2").eval()
    x = torch.rand(3, 1, 64, 256)
    with torch.no_grad():
        cached = greedy(model, x, bos=1, eos=2, max_len=12)
        memory, _ = model.encoder(x)
        seq = torch.ones(3, 1, dtype=torch.long)
        for _ in range(12):
            seq = torch.cat([seq, model.decoder(seq, memory)[:, -1].argmax(1)[:, None]], 1)
    for k in range(3):
        full = seq[k, 1:].tolist()
        assert cached[k] == (full[:full.index(2)] if 2 in full else full)
    assert max(len(c) for c in cached) > 3   # the readings are long enough to exercise the cache


def test_it_trains():
    torch.manual_seed(2)
    model = Recognizer(30, "v2")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, inp = torch.rand(4, 1, 64, 256), torch.randint(4, 30, (4, 8))
    tgt = torch.roll(inp, -1, 1)
    losses = []
    for _ in range(8):
        loss = torch.nn.functional.nll_loss(model(x, inp).reshape(-1, 30), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
