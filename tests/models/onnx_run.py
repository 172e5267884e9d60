"""Run an exported ONNX model with the real Python onnxruntime (and check it with onnx's checker).

usage: onnx_run.py <model.onnx> <rows.f32> <out dir>
  rows.f32: little-endian float32, row-major, 30 columns (NaN = missing)
Writes <out dir>/<output name>.bin (raw little-endian arrays, in the model's output order) and
prints one JSON line: onnx / onnxruntime versions, inputs and outputs with types and shapes,
opsets, and the checker's verdict (full_check=True also runs shape inference).
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

model_path, rows_path, out_dir = sys.argv[1:4]
model = onnx.load(model_path)
onnx.checker.check_model(model, full_check=True)
session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
width = session.get_inputs()[0].shape[1]
x = np.fromfile(rows_path, dtype="<f4").reshape(-1, width)
names = [o.name for o in session.get_outputs()]
results = session.run(names, {session.get_inputs()[0].name: x})
os.makedirs(out_dir, exist_ok=True)
for name, value in zip(names, results):
    np.ascontiguousarray(value).tofile(os.path.join(out_dir, name + ".bin"))
print(json.dumps({
    "onnx": onnx.__version__,
    "onnxruntime": ort.__version__,
    "checker": "ok",
    "inputs": [{"name": i.name, "type": i.type, "shape": i.shape} for i in session.get_inputs()],
    "outputs": [{"name": o.name, "type": o.type, "shape": o.shape, "dtype": str(r.dtype), "shape_out": list(r.shape)} for o, r in zip(session.get_outputs(), results)],
    "opsets": {o.domain: o.version for o in model.opset_import},
    "ir_version": model.ir_version,
    "metadata": {p.key: p.value for p in model.metadata_props},
}))
