"""Seed inputs for the stored_weights fuzz target (scripts/fuzz.sh): small ONNX graphs whose weights are
stored as int8 with scales and as float16, the two storages the engine folds at load, and a detector in
small (convolutions, a depthwise one, a 2x resize: what src/transposed_graph.rs turns over).

    python3 fuzz/seed_models.py OUT_DIR"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import models_fp16  # noqa: E402
import models_int8  # noqa: E402


def small_model(seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(8, 4, 3, 3)).astype(np.float32)
    m = rng.normal(size=(8, 40)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("ReduceMean", ["c"], ["r"], axes=[2, 3], keepdims=0),
             helper.make_node("MatMul", ["r", "m"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 40])],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(m, "m")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def small_detector(seed):
    rng = np.random.default_rng(seed)
    k = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    d = rng.normal(size=(4, 1, 5, 5)).astype(np.float32)
    scales = np.array([1, 1, 2, 2], np.float32)
    nodes = [helper.make_node("Conv", ["x", "k"], ["a"], pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Conv", ["b", "d"], ["c"], pads=[2, 2, 2, 2], group=4),
             helper.make_node("Resize", ["c", "", "scales"], ["e"], mode="nearest"),
             helper.make_node("Sigmoid", ["e"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, "h", "w"])],
                              [numpy_helper.from_array(k, "k"), numpy_helper.from_array(d, "d"),
                               numpy_helper.from_array(scales, "scales")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for seed in range(2):
        for kind, store in (("int8", models_int8.to_int8_storage), ("fp16", models_fp16.to_fp16_storage)):
            with open(os.path.join(out, f"{kind}-{seed}.onnx"), "wb") as fh:
                fh.write(store(small_model(seed)).SerializeToString())
        with open(os.path.join(out, f"detector-{seed}.onnx"), "wb") as fh:
            fh.write(small_detector(seed).SerializeToString())
