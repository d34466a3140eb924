"""pytest training/detector: the Python post-processing matches src/detector/postprocess.rs's own tests,
and targets made from a quad come back as that quad."""
import math

import numpy as np
import torch

from . import geometry as G
from .model import DetNet


def map_with(rects, w, h):
    m = np.zeros((h, w), np.float32)
    for x0, y0, x1, y1 in rects:
        m[y0:y1, x0:x1] = 0.9
    return m


def test_regions_like_rust():
    m = map_with([(40, 10, 60, 14), (5, 11, 30, 15), (10, 30, 50, 36)], 80, 50)
    r = sorted(G.regions(m, 0.5, 0.1), key=lambda t: (t[0][:, 1].mean() > 20, t[0][:, 0].mean()))
    assert len(r) == 3
    q = r[0][0]
    w, h = G.quad_size(q)
    assert abs(h - 5.0) < 0.2 and abs(w - 26.0) < 0.2, (w, h)


def test_ignores_specks_and_weak_blobs():
    m = map_with([(5, 5, 7, 7)], 30, 30)
    m[15:20, 5:25] = 0.51
    assert G.regions(m, 0.5, 0.1) == []


def test_min_area_rect_rotated():
    pts = []
    for i in range(21):
        for j in range(5):
            u, v = -30 + 3 * i, -5 + 2.5 * j
            pts.append([50 + u * math.cos(0.3) - v * math.sin(0.3), 40 + u * math.sin(0.3) + v * math.cos(0.3)])
    c, w, h, a = G.min_area_rect(np.array(pts))
    assert abs(c[0] - 50) < 0.5 and abs(c[1] - 40) < 0.5 and abs(w - 60) < 0.5 and abs(h - 10) < 0.5
    assert abs(a - 0.3) < 0.01


def test_target_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(20):
        w, h, ang = rng.uniform(80, 300), rng.uniform(24, 60), rng.uniform(-0.4, 0.4)
        q = G.rect_corners((200 + rng.uniform(-20, 20), 150), w, h, ang)
        t = G.core_target([q], 100, 80)
        (got, _), = G.detect_quads(t * 0.9, 1.0, 400, 320)
        assert G.poly_iou(got, q) > 0.8


def test_model_shapes():
    m = DetNet().eval()
    with torch.no_grad():
        y = m(torch.rand(1, 3, 96, 160))
    assert y.shape == (1, 1, 24, 40) and float(y.min()) >= 0 and float(y.max()) <= 1


def _region(centre, w, h, degrees):
    return G.rect_corners(centre, w, h, math.radians(degrees)), 0.9


def test_merges_pieces_of_one_line_like_rust():
    out = G.merge_line_fragments([_region((30, 20), 40, 12, 5), _region((62, 23), 36, 11, 4)])
    assert len(out) == 1
    w, h = G.quad_size(out[0][0])
    assert w > 70 and h < 16, (w, h)
    assert len(G.merge_line_fragments([_region((40, 20), 60, 12, 0), _region((72, 20), 6, 11, 0)])) == 1


def test_keeps_separate_formulas_apart_like_rust():
    for pair in ([_region((20, 20), 30, 10, 0), _region((60, 20), 30, 10, 0)],
                 [_region((40, 20), 60, 10, 0), _region((45, 28), 60, 10, 0)],
                 [_region((40, 20), 60, 10, 0), _region((40, 20), 60, 10, 30)]):
        assert len(G.merge_line_fragments(pair)) == 2


def test_recovered_detector_matches_shipped_onnx():
    """The checkpoint rebuilt from models/detector.onnx computes what the shipped file computes (eval
    mode), so fine-tuning starts from the model users have."""
    import os

    import onnxruntime as ort

    from .recover import recover

    path = os.path.join(os.path.dirname(__file__), "..", "..", "models", "detector.onnx")
    rng = np.random.default_rng(0)
    calibration = torch.from_numpy(rng.random((4, 3, 96, 96), dtype=np.float32))
    model = recover(path, calibration)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for shape in ((1, 3, 128, 96), (1, 3, 320, 448)):
        x = torch.from_numpy(rng.random(shape, dtype=np.float32))
        with torch.no_grad():
            want = model(x).numpy()
        got = sess.run(None, {"image": x.numpy()})[0]
        assert np.abs(got - want).max() < 1e-4
    # training mode normalises with batch statistics: the rebuilt BatchNorms must stay finite there too
    model.train()
    assert torch.isfinite(model(calibration)).all()


def _tiny_pages(root, n=3):
    """A page set in make_pages' layout: dark bars on white, each bar a formula's quad."""
    import json
    import os

    import cv2
    os.makedirs(os.path.join(root, "images"))
    with open(os.path.join(root, "pages.jsonl"), "w") as f:
        for i in range(n):
            img = np.full((300, 400, 3), 255, np.uint8)
            formulas = []
            for k in range(3):
                x0, y0 = 30 + 40 * i, 40 + 80 * k
                cv2.rectangle(img, (x0, y0), (x0 + 200, y0 + 24), (20, 20, 20), -1)
                formulas.append({"quad": [[x0, y0], [x0 + 200, y0], [x0 + 200, y0 + 24], [x0, y0 + 24]],
                                 "latex": "x", "order": k, "inline": False})
            cv2.imwrite(os.path.join(root, "images", f"p{i}.jpg"), img)
            f.write(json.dumps({"image": f"p{i}.jpg", "width": 400, "height": 300, "noise": "clean",
                                "formulas": formulas}) + "\n")


def test_trainer_distils_from_a_teacher_with_a_batch_worker(tmp_path):
    """Two steps of a small student learning from a larger teacher, batches made in a second process;
    the run saves its checkpoint with the student's shape and returns (its worker does not hold it)."""
    import os

    from . import train
    from .model import load_checkpoint
    pages = tmp_path / "pages"
    _tiny_pages(str(pages))
    teacher = DetNet((16, 32, 48, 64, 96), 32)
    torch.save({"model": teacher.state_dict(), "config": teacher.config}, tmp_path / "teacher.pt")
    run = tmp_path / "run"
    train.main(["--pages", str(pages), "--run", str(run), "--steps", "2", "--batch", "2", "--size", "128",
                "--widths", "8,16,24,32,48", "--fpn", "16", "--teacher", str(tmp_path / "teacher.pt"),
                "--workers", "1", "--amp", "off", "--truth-floor", "--min-scale", "0.25"])
    model, ck = load_checkpoint(os.path.join(run, "last.pt"))
    assert ck["state"]["step"] == 2 and ck["config"] == {"widths": [8, 16, 24, 32, 48], "fpn": 16}
    assert "distilling from" in open(os.path.join(run, "train.log")).read()


def test_shrink_keeps_whole_channels():
    """Shrinking to the same widths is the identity; to smaller widths every tensor is a slice of the
    source along the kept channels (checked on the stem: the 8 of its 16 output channels that the
    BatchNorms over them scale most)."""
    from .shrink import importance, layout, shrink
    torch.manual_seed(0)
    source = DetNet((16, 32, 48, 64, 96), 32).eval()
    for bn in [m for m in source.modules() if isinstance(m, torch.nn.BatchNorm2d)]:
        bn.weight.data.uniform_(0.1, 1.0)
    x = torch.rand(1, 3, 64, 96)
    same = shrink(source, (16, 32, 48, 64, 96), 32).eval()
    assert torch.allclose(same(x), source(x))
    small = shrink(source, (8, 16, 24, 32, 48), 16).eval()
    assert small.config == {"widths": [8, 16, 24, 32, 48], "fpn": 16}
    gamma = source.stem[1].weight.abs() + source.s1[0].dw[1].weight.abs()
    assert torch.allclose(importance(source.state_dict(), layout())[0], gamma)
    kept = torch.sort(torch.topk(gamma, 8).indices).values
    assert torch.equal(small.stem[0].weight, source.stem[0].weight[kept])
    assert small(x).shape == source(x).shape


def test_close_up_of_a_handwritten_formula_targets_its_ink(tmp_path):
    """A CROHME-like image (dark strokes on white) photographed close up: the target marks the ink's
    place in the crop, and the formula fills a large share of it."""
    import cv2

    from . import close_ups
    img = np.full((150, 400), 255, np.uint8)
    cv2.putText(img, "x+1=2", (30, 110), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 6)
    path = str(tmp_path / "f.png")
    cv2.imwrite(path, img)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = close_ups.sample_crohme(rng, path, 320, lambda r, c: c)  # no colour jitter: ink stays dark
        assert x.shape == (3, 320, 320) and y.shape == (80, 80)
        ys, xs = np.nonzero(y > 0)
        assert xs.max() - xs.min() >= 0.3 * 80, "a close-up formula spans a large share of the crop"
        dark = x.mean(0) < 0.5
        marked = cv2.resize(y, (320, 320), interpolation=cv2.INTER_NEAREST) > 0
        assert dark[marked].mean() > dark.mean(), "the target lies on the ink"
    assert close_ups.ink_box(np.full((10, 10), 255, np.uint8)) is None


def test_page_close_up_fills_the_crop_with_one_formula(tmp_path):
    from . import data
    pages = tmp_path / "pages"
    _tiny_pages(str(pages))
    page = data.load_pages(str(pages))[0]
    rng = np.random.default_rng(1)
    for _ in range(5):
        _, y = data.sample(rng, page, 320, close_up=True)
        ys, xs = np.nonzero(y > 0)
        assert xs.max() - xs.min() >= 0.3 * 80  # 200 px of page formula drawn 40-90% of 320 wide


def test_close_ups_never_include_the_recognizer_hold_out():
    import os

    from ..mathsnap_train.data import SHARED, crohme_train_rows
    from . import close_ups
    if not os.path.exists(os.path.join(SHARED, "crohme", "train", "labels.tsv")):
        import pytest
        pytest.skip("no shared CROHME data")
    _, held = crohme_train_rows()
    names = {os.path.basename(p) for p in close_ups.crohme_training_images()}
    assert names and not names & {name for name, _, _ in held}


def test_min_scale_shows_pages_as_small_print(tmp_path):
    """train --min-scale: a page drawn at a quarter of its size gives formulas a fraction of the
    target's rows that the same page at full size gives (what a whole page photographed looks like)."""
    from . import data
    pages = tmp_path / "pages"
    _tiny_pages(str(pages))
    page = data.load_pages(str(pages))[0]

    def core_rows(scale):
        rng = np.random.default_rng(3)
        rows = []
        for _ in range(12):
            _, y = data.sample(rng, page, 320, min_scale=scale, max_scale=scale)
            hit = np.count_nonzero(np.any(y > 0, axis=1))
            if hit:  # crops that miss every formula say nothing about their size
                rows.append(hit)
        return np.median(rows)

    assert core_rows(0.25) < 0.5 * core_rows(1.0)
