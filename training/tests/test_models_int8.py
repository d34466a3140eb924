"""int8 weight storage (scripts/models_int8.py): the shipped models' format. A stored model computes what
its float weights compute to within the rounding, converting it again changes nothing, and the reader
training resumes through gives back the weights the graph computes with."""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from training.mathsnap_train.latex import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import models_fp16  # noqa: E402
import models_int8  # noqa: E402


def conv_model(seed=0):
    """Conv (a weight of 16x8x3x3 with one outlier channel) -> MatMul (a 16x300 weight): both large
    enough to be stored; the small bias stays float32."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(16, 8, 3, 3)).astype(np.float32)
    w[3] *= 40  # a channel of another magnitude: per-channel scales keep the small ones fine
    m = rng.normal(size=(16, 300)).astype(np.float32)
    b = rng.normal(size=(16,)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("ReduceMean", ["c"], ["r"], axes=[2, 3], keepdims=0),
             helper.make_node("MatMul", ["r", "m"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 12, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 300])],
                              [numpy_helper.from_array(a, n) for n, a in (("w", w), ("b", b), ("m", m))])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def run(model, x):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def test_int8_storage_computes_what_the_float_weights_compute():
    x = np.random.default_rng(1).random((1, 8, 12, 12), dtype=np.float32)
    want = run(conv_model(), x)
    stored = models_int8.to_int8_storage(conv_model())
    dtypes = {i.name: i.data_type for i in stored.graph.initializer}
    assert dtypes["w__int8"] == TensorProto.INT8 and dtypes["m__int8"] == TensorProto.INT8 and dtypes["b"] == TensorProto.FLOAT
    got = run(stored, x)
    assert np.abs(got - want).max() < 0.01 * np.abs(want).max()


def test_float16_storage_converts_and_a_second_conversion_changes_nothing():
    x = np.random.default_rng(2).random((1, 8, 12, 12), dtype=np.float32)
    fp16 = models_fp16.to_fp16_storage(conv_model())
    once = models_int8.to_int8_storage(fp16)
    assert not any(n.input[0].endswith(models_fp16.FP16_SUFFIX) for n in once.graph.node)
    bytes_once = once.SerializeToString()
    twice = models_int8.to_int8_storage(onnx.load_from_string(bytes_once))
    assert twice.SerializeToString() == bytes_once
    assert np.abs(run(once, x) - run(conv_model(), x)).max() < 0.01 * np.abs(run(conv_model(), x)).max()


def test_stored_weights_reads_every_storage_in_the_graphs_order():
    plain = conv_model()
    want = [(i.name, numpy_helper.to_array(i)) for i in plain.graph.initializer]
    for stored in (conv_model(), models_fp16.to_fp16_storage(conv_model()), models_int8.to_int8_storage(conv_model())):
        got = models_int8.stored_weights(stored.graph)
        assert [n for n, _ in got] == [n for n, _ in want]
        for (_, g), (_, w) in zip(got, want):
            assert g.dtype in (np.float32, np.float16) and np.abs(g.astype(np.float32) - w).max() <= 0.01 * np.abs(w).max()
