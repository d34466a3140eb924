"""A trainer whose batch worker fails exits with the error instead of hanging (train.kill_batch_workers)."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = textwrap.dedent("""
    import os, sys, types
    from training.mathsnap_train.data import Vocab, coverage_set
    from training.mathsnap_train.train import batches

    d = sys.argv[1]
    os.makedirs(os.path.join(d, "images"), exist_ok=True)
    with open(os.path.join(d, "labels.tsv"), "w") as f:
        f.write("gone.png\\tx+1\\thigh/printed\\n")   # its image is missing, as in a pack rebuilt under a run
    vocab = Vocab()
    args = types.SimpleNamespace(photo_share=0.0, batch=2, direction="l2r", max_width=256, workers=1, device="cpu")
    next(batches([(coverage_set(vocab, d), 1.0)], args, vocab, 0))
""")


def test_a_failing_batch_worker_ends_the_trainer(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "set")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode != 0 and "cannot read" in done.stderr
