"""The cached one-token step (what the engine runs) computes what the teacher-forced pass computes."""
import torch

from training.mathsnap_train.cached_decoder import MASKED, read_forced, step_mask
from training.mathsnap_train.model import Recognizer


def _model(seed):
    torch.manual_seed(seed)
    return Recognizer(40, "v2").eval()


def test_cached_steps_equal_the_teacher_forced_pass_at_several_lengths():
    model = _model(0)
    x = torch.rand(2, 1, 64, 256)
    with torch.no_grad():
        memory, _ = model.encoder(x)
        for length in (1, 5, 17, 40):
            tokens = torch.randint(3, 40, (2, length))
            tokens[:, 0] = 1
            want = model.decoder(tokens, memory)
            for capacity in (length, 64):  # a full cache and one with unused rows behind the mask
                got = read_forced(model.decoder, memory, tokens, capacity)
                assert torch.allclose(got, want, atol=1e-4), (length, capacity, (got - want).abs().max())


def test_hypotheses_sharing_one_crops_memory_read_as_if_each_had_its_own():
    model = _model(2)
    with torch.no_grad():
        memory, _ = model.encoder(torch.rand(1, 1, 64, 256))
        tokens = torch.randint(3, 40, (3, 9))
        tokens[:, 0] = 1
        want = model.decoder(tokens, memory.expand(3, -1, -1))
        got = read_forced(model.decoder, memory, tokens, 16)
    assert torch.allclose(got, want, atol=1e-4), (got - want).abs().max()


def test_unused_cache_rows_are_ignored():
    model = _model(1)
    with torch.no_grad():
        memory, _ = model.encoder(torch.rand(1, 1, 64, 256))
        tokens = torch.tensor([[1, 7, 9]])
        a = read_forced(model.decoder, memory, tokens, 16)
        b = read_forced(model.decoder, memory, tokens, 128)
    assert torch.allclose(a, b, atol=1e-5)


def test_step_mask_marks_the_cache_rows_written():
    m = step_mask(2, 5)[0].tolist()
    assert m == [0.0, 0.0, MASKED, MASKED, MASKED]
