"""Drives Trainyard's Open Inference Protocol endpoints with tritonclient, unchanged (http with
the binary tensor extension and with JSON tensors, and grpc), and checks the model's ONNX export
in onnxruntime. Reads a JSON spec (argv[1]) written by the Go test; exits non-zero on any
mismatch and prints what it checked."""
import json
import sys

import numpy as np
import onnxruntime as ort
import tritonclient.grpc as tgrpc
import tritonclient.http as thttp

spec = json.load(open(sys.argv[1]))
auth = {"Authorization": "Bearer " + spec["key"]}


def fresh():
    """A copy of the auth header per call: tritonclient's http infer writes
    Inference-Header-Content-Length into the dict it is given, which would leak into the next
    call."""
    return dict(auth)


def grpc_headers():
    """gRPC metadata keys are lower case."""
    return {"authorization": auth["Authorization"]}


model = spec["model"]
classes = spec["classes"]
want_labels = spec["labels"]
want_probs = np.array(spec["probabilities"], dtype=np.float64)
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail and not ok else ""))
    if not ok:
        failures.append(name)


def arrays(onnx=False):
    out = {}
    for c in spec["columns"]:
        vals = c["values"]
        if c["kind"] in ("numeric", "boolean"):
            dtype = np.float32 if onnx else np.dtype(c["triton_dtype"])
            out[c["name"]] = np.array([[v] for v in vals], dtype=dtype)
        else:
            out[c["name"]] = np.array([[v] for v in vals], dtype=object if not onnx else str)
    return out


TRITON = {"float32": "FP32", "float64": "FP64", "int64": "INT64"}


def inputs(mod, binary):
    ins = []
    for c in spec["columns"]:
        arr = arrays()[c["name"]]
        dt = "BYTES" if arr.dtype == object else TRITON[str(arr.dtype)]
        if dt == "BYTES":
            arr = np.array([[v.encode()] for v in arr[:, 0]], dtype=object)
        i = mod.InferInput(c["name"], list(arr.shape), dt)
        if mod is thttp:
            i.set_data_from_numpy(arr, binary_data=binary)
        else:
            i.set_data_from_numpy(arr)
        ins.append(i)
    return ins


def compare(name, labels, probs):
    labels = [l.decode() if isinstance(l, bytes) else l for l in np.asarray(labels).reshape(-1)]
    check(name + " labels", labels == want_labels, f"{labels[:5]} vs {want_labels[:5]}")
    probs = np.asarray(probs, dtype=np.float64)
    check(name + " probabilities shape", probs.shape == want_probs.shape, f"{probs.shape} vs {want_probs.shape}")
    if probs.shape == want_probs.shape:
        err = float(np.max(np.abs(probs - want_probs)))
        check(name + " probabilities", err <= 1e-6, f"max error {err}")


# HTTP, as tritonclient sends it by default: binary tensors in and out.
hc = thttp.InferenceServerClient(url=spec["addr"])
check("http live", hc.is_server_live())
check("http ready", hc.is_server_ready())
check("http model ready", hc.is_model_ready(model, headers=fresh()))
md = hc.get_model_metadata(model, headers=fresh())
check("http metadata inputs", sorted(i["name"] for i in md["inputs"]) == sorted(c["name"] for c in spec["columns"]), str(md))
check("http metadata outputs", [o["name"] for o in md["outputs"]] == ["label", "probabilities"], str(md))
res = hc.infer(model, inputs(thttp, True), headers=fresh())
compare("http binary", res.as_numpy("label"), res.as_numpy("probabilities"))
# HTTP with JSON tensors both ways.
outs = [thttp.InferRequestedOutput("label", binary_data=False), thttp.InferRequestedOutput("probabilities", binary_data=False)]
res = hc.infer(model, inputs(thttp, False), outputs=outs, headers=fresh())
compare("http json", res.as_numpy("label"), res.as_numpy("probabilities"))
# A key that may not see the model.
try:
    hc.infer(model, inputs(thttp, True), headers={"Authorization": "Bearer " + spec["other_key"]})
    check("http other user refused", False, "no error")
except Exception as e:  # tritonclient raises InferenceServerException
    check("http other user refused", "not found" in str(e), str(e))

# gRPC on the same port.
gc = tgrpc.InferenceServerClient(url=spec["addr"])
check("grpc live", gc.is_server_live())
check("grpc ready", gc.is_server_ready())
check("grpc model ready", gc.is_model_ready(model, headers=grpc_headers()))
gmd = gc.get_model_metadata(model, headers=grpc_headers(), as_json=True)
check("grpc metadata", [o["name"] for o in gmd["outputs"]] == ["label", "probabilities"], str(gmd))
res = gc.infer(model, inputs(tgrpc, True), headers=grpc_headers())
compare("grpc", res.as_numpy("label"), res.as_numpy("probabilities"))

# The ONNX export in onnxruntime, fed one [N, 1] tensor per input column.
sess = ort.InferenceSession(spec["onnx_path"], providers=["CPUExecutionProvider"])
feeds = arrays(onnx=True)
names = [i.name for i in sess.get_inputs()]
check("onnx inputs", sorted(names) == sorted(feeds), f"{names}")
label, probs = sess.run(["label", "probabilities"], {n: feeds[n] for n in names})
probs = np.asarray(probs, dtype=np.float64)
check("onnx labels", [str(l) for l in label.reshape(-1)] == want_labels, f"{label[:5]}")
err = float(np.max(np.abs(probs - want_probs)))
check("onnx probabilities within 1e-5 of Predict", err <= 1e-5, f"max error {err}")
print(json.dumps({"onnx_max_abs_error": err}))
sys.exit(1 if failures else 0)
