"""Export a recognizer checkpoint to the ONNX files the engine runs (encoder, decoder step, and with --r2l a right-to-left decoder step), check them against
PyTorch with onnxruntime, and write models/manifest.json (vocabulary, hashes, input size).
A v2 checkpoint (transformer decoder) exports its one-token step with a key/value cache
(cached_decoder.py), and the manifest's recognizer entry gains `transformer` (layers, width, max_tokens).

    python3 -m training.mathsnap_train.export runs/rec/best.pt --out models [--fp16-weights] [--r2l runs/r2l/best.pt]
    python3 -m training.mathsnap_train.export --reexport-decoder models --out models   (the same weights, this form)

--fp16-weights stores every large weight as float16 behind a Cast to float32 (scripts/models_fp16.py,
which the web build applies anyway): half the size, and tract folds the casts into float32 constants
when it optimises the plan, so inference runs in float32 on weights rounded to half precision. The
native CLI, and so every evaluation, then runs exactly the files the browser runs.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import torch

from .cached_decoder import CachedStep, CrossMemory, step_mask
from .data import Vocab
from .latex import ROOT
from .model import FEAT_H, FEAT_W, Recognizer
from .preprocess import FRAME_MARGIN, HEIGHT, WIDTH, WIDTH_STEP

# The engine reads each crop at these sizes (1.0 = fitted to the input; 0.85 = 15% smaller, a size
# training's scale augmentation covers) and decodes with the mean of their token log-probabilities.
# Chosen on the CROHME-train hold-out and synth-val (greedy, shipped weights: 66.0% / 76.7% with one
# view, 68.7% / 77.7% with these two); it doubles the recognizer's time per crop.
VIEW_SCALES = (1.0, 0.85)


class EncoderGraph(torch.nn.Module):
    """The encoder as the engine runs it. For a model of a wide canvas the image's width is the graph's
    to read (a dynamic axis): the positional encoding is a table for the widest canvas, cut in the graph
    to the features' width, so one file serves every canvas width (the engine makes a plan per width)."""

    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder
        self.table = None
        if model.max_width > WIDTH:
            self.table = self.encoder.position(model.max_width // (WIDTH // FEAT_W)).clone()

    def forward(self, image):
        if self.table is None:
            return self.encoder(image)
        f = self.encoder.features(image)
        return self.encoder.memory_of(f + self.table[:, :, :f.shape[-1]])


class CachedEncoderGraph(torch.nn.Module):
    """Recognizer v2's encoder graph: the image -> each decoder layer's cross-attention values and keys
    ([1, S, L*d] each, in the places of the GRU encoder's memory and keys; the cached step takes them once,
    shared by the beam, not tiled)."""

    def __init__(self, model):
        super().__init__()
        self.encoder, self.cross = EncoderGraph(model), CrossMemory(model.decoder)

    def forward(self, image):
        keys, values = self.cross(self.encoder(image)[0])
        return values, keys


class CachedStepGraph(torch.nn.Module):
    """Recognizer v2's decoder step, inputs in the engine's order (cached_decoder.CachedStep)."""

    def __init__(self, model):
        super().__init__()
        self.step = CachedStep(model.decoder)

    def forward(self, token, position, mask, past_keys, past_values, memory, keys):
        return self.step(token, position, mask, past_keys, past_values, keys, memory)


class DecoderGraph(torch.nn.Module):
    """The GRU step as the engine runs it (DecoderStep.step_shared): the crop's memory and transposed keys
    once, shared by the batch of hypotheses."""
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, token, hidden, coverage, memory, keys_t):
        lp, h, cov, _ = self.decoder.step_shared(token, hidden, coverage, memory, keys_t)
        return lp, h, cov


# The GRU step's inputs: the batch's last tokens, hidden states and coverages, then the crop's memory
# [S, d] and keys transposed [att, S] (the encoder's outputs of one crop: decoder_feeds).
DECODER_INPUTS = ["token", "hidden", "coverage", "memory", "keys_t"]


def decoder_feeds(memory, keys):
    """The crop's part of the GRU step's inputs from the encoder's outputs ([1, S, d] and [1, S, att],
    numpy): {"memory": [S, d], "keys_t": [att, S]}."""
    return {"memory": np.ascontiguousarray(memory[0]), "keys_t": np.ascontiguousarray(keys[0].T)}


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def models_fp16():
    """scripts/models_fp16.py, the one float16 weight-storage conversion (web build, export, recover)."""
    scripts = os.path.join(ROOT, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import models_fp16
    return models_fp16


def models_int8():
    """scripts/models_int8.py, the int8 weight storage the shipped models use, and the one reader of
    every storage (recover)."""
    models_fp16()  # puts scripts/ on the path
    import models_int8
    return models_int8


def store_weights_fp16(path):
    """Rewrite an ONNX file with float16 weight storage: the web build's own conversion
    (scripts/models_fp16.py), so the models in models/ are the ones the browser runs."""
    import onnx
    onnx.save(models_fp16().to_fp16_storage(onnx.load(path)), path)


R2L_FILE = "recognizer_decoder_r2l.onnx"


def load_checkpoint(path, vocab, direction):
    """(state, model in eval mode) of a checkpoint that must have been trained in `direction`."""
    state = torch.load(path, map_location="cpu")
    got = state.get("direction", "l2r")
    if got != direction:
        raise SystemExit(f"{path} holds a {got} decoder where a {direction} one was expected"
                         + (" (pass it with --r2l)" if got == "r2l" else ""))
    model = Recognizer(len(vocab.itos), state.get("size", "base"), channels_last=False,
                       max_width=state.get("max_width", WIDTH))
    if model.parallel and direction != "l2r":
        raise SystemExit(f"{path}: a right-to-left transformer decoder has no engine export")
    model.load_state_dict(state["model"])
    return state, model.eval()


def same_encoder(a, b):
    sa, sb = a.encoder.state_dict(), b.encoder.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def check_encoder(graph, path, max_width, fp16_weights):
    """The exported encoder through onnxruntime against PyTorch at each canvas width it serves (before
    and after its weights are stored as float16)."""
    import onnxruntime as ort
    widths = range(WIDTH, max_width + 1, WIDTH_STEP)
    images = [torch.rand(1, 1, HEIGHT, w, generator=torch.Generator().manual_seed(w)) for w in widths]
    with torch.no_grad():
        want = [graph(image)[0].numpy() for image in images]
    session = ort.InferenceSession(path)
    for image, memory in zip(images, want):
        got, _ = session.run(None, {"image": image.numpy()})
        assert got.shape == memory.shape and np.allclose(got, memory, rtol=1e-3, atol=1e-3), \
            f"encoder mismatch at width {image.shape[-1]}: {np.abs(got - memory).max()}"
    if fp16_weights:
        store_weights_fp16(path)
        session = ort.InferenceSession(path)
        worst = max(float(np.abs(session.run(None, {"image": image.numpy()})[0] - memory).max())
                    for image, memory in zip(images, want))
        print(f"fp16 weights: encoder max |diff| {worst:.4f}")


def export_decoder(model, path, memory, keys, check, fp16_weights):
    """One decoder step as ONNX (dynamic batch = beam width), checked against PyTorch's training-time
    step (DecoderStep.forward, each hypothesis with its own copy of the memory) on onnxruntime.

    Exported without constant folding: the folded coverage convolution stays a product of the two
    trained weights in the graph (tract and onnxruntime fold it at load), so every weight keeps its
    parameter's name and recover.py reads the file back into a checkpoint."""
    b = 3
    args = (torch.tensor([1, 5, 9]), torch.randn(b, model.decoder.hidden) * 0.1, torch.rand(b, FEAT_H * FEAT_W) * 0.1,
            memory[0].contiguous(), keys[0].t().contiguous())
    outputs = ["logprobs", "hidden_out", "coverage_out"]
    torch.onnx.export(DecoderGraph(model).eval(), args, path, input_names=DECODER_INPUTS, output_names=outputs,
                      opset_version=17, dynamo=False, do_constant_folding=False,
                      dynamic_axes={n: {0: "beam"} for n in DECODER_INPUTS[:3] + outputs})
    if not (check or fp16_weights):
        return
    with torch.no_grad():
        want = model.decoder(*args[:3], memory.expand(b, -1, -1), keys.expand(b, -1, -1))[:3]
    feeds = {n: a.numpy() for n, a in zip(DECODER_INPUTS, args)}
    if check:
        import onnxruntime as ort
        got = ort.InferenceSession(path).run(None, feeds)
        for g, w in zip(got, want):
            assert np.allclose(g, w.numpy(), rtol=1e-3, atol=1e-3), f"decoder mismatch {np.abs(g - w.numpy()).max()}"
    if fp16_weights:
        store_weights_fp16(path)
        if check:  # rounded weights: the outputs move a little, the ranking of tokens should not
            got = ort.InferenceSession(path).run(None, feeds)
            print(f"fp16 weights: {os.path.basename(path)} logprobs max |diff| {np.abs(got[0] - want[0].numpy()).max():.4f}")
            assert (got[0].argmax(1) == want[0].numpy().argmax(1)).all(), "fp16 weights change the top token"


# The transformer decoder's longest reading (its cache's largest capacity; the engine grows the cache in
# powers of two up to it): the positional table holds max_len + 1 positions.
CACHED_MAX_TOKENS = 256


def export_cached_decoder(model, path, raw_memory, check, fp16_weights):
    """Recognizer v2's one-token step as ONNX (dynamic beam width and cache capacity), checked through
    onnxruntime against PyTorch's teacher-forced pass at several lengths."""
    names = ["token", "position", "mask", "past_keys", "past_values", "memory", "keys"]
    outputs = ["logprobs", "keys_out", "values_out"]
    b, capacity, t = 3, 16, 5
    with torch.no_grad():
        keys, memory = CrossMemory(model.decoder)(raw_memory)
    width = keys.shape[-1]
    args = (torch.tensor([1, 5, 9]), torch.tensor([t]), step_mask(t, capacity), torch.randn(b, capacity, width),
            torch.randn(b, capacity, width), memory, keys)
    # the crop's memory has as many slots as its canvas has feature columns times 8 (a wide canvas: more)
    axes = {"token": {0: "beam"}, "mask": {1: "capacity"}, "past_keys": {0: "beam", 1: "capacity"},
            "past_values": {0: "beam", 1: "capacity"}, "memory": {1: "slots"}, "keys": {1: "slots"},
            "logprobs": {0: "beam"}, "keys_out": {0: "beam"}, "values_out": {0: "beam"}}
    torch.onnx.export(CachedStepGraph(model).eval(), args, path, input_names=names, output_names=outputs,
                      opset_version=17, dynamo=False, dynamic_axes=axes)
    if fp16_weights:
        store_weights_fp16(path)
    if check:
        diff = cached_decoder_drift(model, path, raw_memory)
        print(f"{os.path.basename(path)}: stepped through onnxruntime, logprobs max |diff| {diff:.5f} "
              "from the teacher-forced pass")
        assert diff < (0.05 if fp16_weights else 1e-3), f"cached decoder mismatch {diff}"


def cached_decoder_drift(model, path, raw_memory, length=24):
    """Largest difference between the exported step run token by token through onnxruntime (as the engine
    runs it: cache rows filled one by one, a capacity larger than needed and one just large enough) and
    the teacher-forced pass over the same forced tokens."""
    import onnxruntime as ort
    session = ort.InferenceSession(path)
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(3, model.decoder.classify.out_features, (2, length), generator=generator)
    tokens[:, 0] = 1
    with torch.no_grad():
        keys, memory = CrossMemory(model.decoder)(raw_memory)
        want = model.decoder(tokens, raw_memory.expand(2, -1, -1)).numpy()
    worst = 0.0
    for capacity in (length, 4 * length):
        past_keys = np.zeros((2, capacity, keys.shape[-1]), np.float32)
        past_values = np.zeros_like(past_keys)
        for t in range(length):
            lp, k, v = session.run(None, {
                "token": tokens[:, t].numpy(), "position": np.array([t], np.int64),
                "mask": step_mask(t, capacity).numpy(), "past_keys": past_keys, "past_values": past_values,
                "memory": memory.numpy(), "keys": keys.numpy()})
            past_keys[:, t], past_values[:, t] = k, v
            worst = max(worst, float(np.abs(lp - want[:, t]).max()))
    return worst


def transformer_entry(model):
    """What the engine needs to run the cached decoder: its cache's row width (layers x width) and the
    longest reading its positional table allows."""
    dec = model.decoder
    return {"layers": len(dec.layers), "width": dec.embed.embedding_dim,
            "max_tokens": min(CACHED_MAX_TOKENS, dec.pos.shape[0] - 1)}


def export(ckpt, out, check=True, fp16_weights=False, r2l=None, r2l_weight=1.0):
    """r2l: a right-to-left checkpoint trained over the same (frozen) encoder (train.py --direction r2l
    --freeze-encoder), exported as a third file that the engine uses to rescore the beam, its
    log-probability weighted by r2l_weight beside the left-to-right one's."""
    vocab = Vocab()
    state, model = load_checkpoint(ckpt, vocab, "l2r")
    decoders = {"recognizer_decoder.onnx": model}
    if r2l:
        _, backward = load_checkpoint(r2l, vocab, "r2l")
        if not same_encoder(model, backward):
            raise SystemExit(f"{r2l} was trained over another encoder than {ckpt}'s: the engine runs one encoder")
        decoders[R2L_FILE] = backward
    os.makedirs(out, exist_ok=True)
    enc_path = os.path.join(out, "recognizer_encoder.onnx")
    wide = model.max_width > WIDTH
    # a wide canvas's graph is traced at its widest (the table is cut there to the image's width) and
    # checked at every canvas width the engine makes, besides 64 x WIDTH
    image = torch.rand(1, 1, HEIGHT, model.max_width)
    graph = CachedEncoderGraph(model) if model.parallel else EncoderGraph(model)
    slot_axes = {"image": {3: "width"}, "memory": {1: "slots"}, "keys": {1: "slots"}} if wide else None
    torch.onnx.export(graph.eval(), (image,), enc_path, input_names=["image"],
                      output_names=["memory", "keys"], opset_version=17, dynamo=False, dynamic_axes=slot_axes)
    s = FEAT_H * FEAT_W
    image = image[..., :WIDTH].contiguous()
    with torch.no_grad():
        raw_memory, _ = model.encoder(image)
        memory, keys = graph(image)
    if check:
        check_encoder(graph, enc_path, model.max_width, fp16_weights)
    elif fp16_weights:
        store_weights_fp16(enc_path)
    for name, m in decoders.items():
        if m.parallel:
            export_cached_decoder(m, os.path.join(out, name), raw_memory, check, fp16_weights)
        else:
            export_decoder(m, os.path.join(out, name), memory, keys, check, fp16_weights)
    stale = os.path.join(out, R2L_FILE)
    if not r2l and os.path.exists(stale):  # a right-to-left decoder of earlier weights reads another encoder
        os.remove(stale)
    manifest = {
        "version": 1,
        "recognizer": {
            "encoder": "recognizer_encoder.onnx", "decoder": "recognizer_decoder.onnx",
            **({"decoder_r2l": R2L_FILE, "r2l_weight": r2l_weight} if r2l else {}),
            "input_height": HEIGHT, "input_width": WIDTH,
            **({"input_max_width": model.max_width, "width_step": WIDTH_STEP} if wide else {}),
            "frame_margin": FRAME_MARGIN, "view_scales": list(VIEW_SCALES),
            **({"transformer": transformer_entry(model)} if model.parallel else {"hidden": model.decoder.hidden}),
            "slots": s,
            "vocab": vocab.itos, "bos": vocab.bos, "eos": vocab.eos,
            "trained_samples": state.get("state", {}).get("seen"),
            "size": state.get("size", "base"), "weights": "float16" if fp16_weights else "float32",
        },
        "sha256": {"recognizer_encoder.onnx": sha256(enc_path),
                   **{name: sha256(os.path.join(out, name)) for name in decoders}},
    }
    man_path = os.path.join(out, "manifest.json")
    if os.path.exists(man_path):  # keep the detector's entries
        old = json.load(open(man_path))
        for k, v in old.items():
            if k not in ("recognizer", "sha256", "version"):
                manifest[k] = v
        kept = {k: v for k, v in old.get("sha256", {}).items() if k != R2L_FILE}
        manifest["sha256"] = {**kept, **manifest["sha256"]}
    det_path = os.path.join(out, "detector.json")
    if os.path.exists(det_path):  # a detector exported before the manifest existed
        det = json.load(open(det_path))
        manifest["detector"] = det["detector"]
        manifest["sha256"].update(det["sha256"])
        os.remove(det_path)
    json.dump(manifest, open(man_path, "w"), indent=1)
    sizes = ", ".join(f"{n} ({os.path.getsize(os.path.join(out, n))} B)" for n in ["recognizer_encoder.onnx", *decoders])
    print(f"exported {sizes} to {out}")


def reexport_decoder(models, out):
    """The GRU decoder of `models` exported again in this exporter's form, with the same weights (read
    back from its file, whatever their storage), into `out` (may be `models`) with the rest of the
    folder and the manifest's sha256: for when the exported graph changes and the weights do not, no
    checkpoint needed. Int8-stored weights stay int8 (scripts/models_int8.py rounds a weight that is
    already on its int8 grid to the same values), so the step computes what it did, to float rounding."""
    from .recover import load_graph
    manifest = json.load(open(os.path.join(models, "manifest.json")))
    entry = manifest["recognizer"]
    if "transformer" in entry:
        raise SystemExit("the cached transformer step has its own export (export_cached_decoder)")
    vocab = Vocab()
    if entry["vocab"] != vocab.itos:
        raise SystemExit("the models' vocabulary differs from spec/vocab.txt")
    files = {"decoder": entry["decoder"], **({"decoder_r2l": entry["decoder_r2l"]} if "decoder_r2l" in entry else {})}
    os.makedirs(out, exist_ok=True)
    if not os.path.samefile(models, out):
        for f in os.listdir(models):
            shutil.copy(os.path.join(models, f), out)
    for key, name in files.items():
        model = Recognizer(len(vocab.itos), entry.get("size", "base"), channels_last=False).eval()
        state = model.state_dict()
        unplaced = load_graph(state, os.path.join(models, name), "decoder.")
        if unplaced:
            raise SystemExit(f"{name}: initializers with no parameter to go to: {[n for n, _ in unplaced]}")
        model.load_state_dict(state)
        s = FEAT_H * FEAT_W
        memory, keys = torch.randn(1, s, model.decoder.gru2.input_size), torch.randn(1, s, model.decoder.query.out_features)
        path = os.path.join(out, name)
        export_decoder(model, path, memory, keys, check=True, fp16_weights=False)
        if entry.get("weights") == "int8":
            import onnx
            onnx.save(models_int8().to_int8_storage(onnx.load(path)), path)
        elif entry.get("weights") == "float16":
            store_weights_fp16(path)
        manifest["sha256"][name] = sha256(path)
        print(f"{key}: {name} exported again ({os.path.getsize(path)} B)")
    json.dump(manifest, open(os.path.join(out, "manifest.json"), "w"), indent=1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--reexport-decoder", metavar="MODELS",
                    help="export the GRU decoder of MODELS again in the current form, same weights, into --out")
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("--out", default="models")
    ap.add_argument("--fp16-weights", action="store_true")
    ap.add_argument("--r2l", default=None, metavar="CKPT",
                    help="a right-to-left decoder trained over this checkpoint's encoder: rescores the beam")
    ap.add_argument("--r2l-weight", type=float, default=1.0,
                    help="weight of the right-to-left log-probability when rescoring (choose it on a hold-out)")
    a = ap.parse_args()
    if a.reexport_decoder:
        reexport_decoder(a.reexport_decoder, a.out)
    elif a.checkpoint:
        export(a.checkpoint, a.out, fp16_weights=a.fp16_weights, r2l=a.r2l, r2l_weight=a.r2l_weight)
    else:
        ap.error("a checkpoint to export, or --reexport-decoder MODELS")
