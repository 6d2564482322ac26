#!/usr/bin/env bash
# Generates the Python protobuf and gRPC modules into gen/python with the protoc that
# grpcio-tools bundles (the SDK pins the matching protobuf runtime).
set -euo pipefail
py=${PYTHON:-.venv/bin/python}
out=gen/python
rm -rf "$out"
mkdir -p "$out"
mapfile -t files < <(cd proto && find trainyard -name '*.proto' | sort)
"$py" -m grpc_tools.protoc -Iproto -Ithird_party/proto \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" "${files[@]}"
# buf.validate is not on PyPI as .proto-generated modules; generate it beside ours.
"$py" -m grpc_tools.protoc -Ithird_party/proto --python_out="$out" --pyi_out="$out" buf/validate/validate.proto
find "$out" -type d -exec touch {}/__init__.py \;
rm -f "$out/__init__.py"
