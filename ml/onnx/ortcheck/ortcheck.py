"""Runs ONNX models in onnxruntime for the Go parity tests.

Reads a JSON request from stdin: {"cases": [{"model": path, "inputs": {name:
{"f32": [uint32 bit patterns]} or {"str": [strings]}, with an optional
"shape" ([N, 1] when absent)}}]}. Writes {"results": [{"outputs": {name: {"f32": [...], "shape": [...]}
or {"str": [...], "shape": [...]}}} or {"error": message}]} to stdout.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def run(case):
    model = onnx.load(case["model"])
    onnx.checker.check_model(model, full_check=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(case["model"], opts, providers=["CPUExecutionProvider"])
    feeds = {}
    for name, v in case["inputs"].items():
        if "f32" in v:
            a = np.array(v["f32"], dtype=np.uint32).view(np.float32)
        else:
            a = np.array(v["str"], dtype=object)
        feeds[name] = a.reshape(v.get("shape", [-1, 1]))
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    res = {}
    for name, a in zip(names, outs):
        a = np.asarray(a)
        if a.dtype == object or a.dtype.kind in "US":
            res[name] = {"str": [str(x) for x in a.reshape(-1)], "shape": list(a.shape)}
        elif a.dtype == np.int64:
            res[name] = {"i64": [int(x) for x in a.reshape(-1)], "shape": list(a.shape)}
        else:
            a = a.astype(np.float32)
            res[name] = {"f32": [int(x) for x in a.reshape(-1).view(np.uint32)], "shape": list(a.shape)}
    return {"outputs": res}


def main():
    req = json.load(sys.stdin)
    results = []
    for case in req["cases"]:
        try:
            results.append(run(case))
        except Exception as e:  # reported per case to the Go test
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump({"results": results, "onnxruntime": ort.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
