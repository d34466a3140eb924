"""bench_train: each configuration of its table runs a real optimizer step."""
from training.bench_train import samples_per_second
from training.mathsnap_train.data import Vocab


def test_every_freezing_the_table_measures_trains_a_step():
    vocab = len(Vocab().itos)
    for frozen, modules in [(False, 0), (False, 4), (True, 0)]:
        rate = samples_per_second("v2", False, 1, 1, 2, 5, vocab, True, frozen, modules)
        assert rate > 0.0
