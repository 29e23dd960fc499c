"""Writes the tiny ONNX graph the browser harness runs, plus its expected outputs.

The graph exercises what CLIP towers need from a backend: a float32 input with a symbolic batch
dimension, an int64 input (token ids), and two outputs. Expected values come from numpy, so a
backend that mis-converts dtypes or shapes fails the parity test.

Run: /usr/bin/python3 tools/browser-test/make_affine_fixture.py
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "backend-web", "src", "testing")

rng = np.random.default_rng(7)
W = rng.standard_normal((4, 3)).astype(np.float32)
B = rng.standard_normal((3,)).astype(np.float32)
E = rng.standard_normal((10, 3)).astype(np.float32)

graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "B"], ["xwb"]),
        helper.make_node("Tanh", ["xwb"], ["y"]),
        helper.make_node("Gather", ["E", "ids"], ["g"], axis=0),
    ],
    "affine",
    [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
        helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", 2]),
    ],
    [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3]),
        helper.make_tensor_value_info("g", TensorProto.FLOAT, ["batch", 2, 3]),
    ],
    initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B"), numpy_helper.from_array(E, "E")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="clipkit")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(OUT, "affine.onnx"))

x = rng.standard_normal((2, 4)).astype(np.float32)
ids = np.array([[1, 9], [0, 4]], dtype=np.int64)
y = np.tanh(x @ W + B)
g = E[ids]
golden = {
    "x": {"dims": list(x.shape), "data": x.ravel().tolist()},
    "ids": {"dims": list(ids.shape), "data": ids.ravel().tolist()},
    "y": {"dims": list(y.shape), "data": y.ravel().tolist()},
    "g": {"dims": list(g.shape), "data": g.ravel().tolist()},
}
with open(os.path.join(OUT, "affine.golden.json"), "w") as f:
    json.dump(golden, f, indent=1)
    f.write("\n")
