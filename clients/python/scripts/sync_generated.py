#!/usr/bin/env python3
"""Copies the generated protobuf and gRPC modules from gen/python into the package.

protoc writes absolute imports (``from trainyard.v1 import project_pb2``,
``from buf.validate import validate_pb2``). The ``trainyard.v1`` modules land in
``src/trainyard/v1`` unchanged, so their imports resolve inside this package. The
``buf.validate`` module is placed at ``src/trainyard/_buf/validate`` and the imports of it
are rewritten to ``trainyard._buf.validate``, so installing the SDK adds no top-level
``buf`` package that could clash with protovalidate's. ``google.api`` comes from the
googleapis-common-protos dependency.

Run it after ``make generate``; ``--check`` exits 1 when the package's copy is stale (CI).
"""
from __future__ import annotations

import argparse
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE.parent / "src" / "trainyard"
GEN = HERE.parents[2] / "gen" / "python"

BUF_IMPORT = "from buf.validate import validate_pb2"
BUF_VENDORED = "from trainyard._buf.validate import validate_pb2"
HEADER = "# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.\n"


def wanted() -> dict[pathlib.Path, str]:
    """Returns every file the package should hold, by path, with its content."""
    out: dict[pathlib.Path, str] = {}
    src = GEN / "trainyard" / "v1"
    if not src.is_dir():
        sys.exit(f"{src} is missing: run `make generate` first")
    for f in sorted(src.iterdir()):
        if f.suffix not in (".py", ".pyi") or f.name == "__init__.py":
            continue
        text = f.read_text()
        text = text.replace(BUF_IMPORT, BUF_VENDORED)
        out[PACKAGE / "v1" / f.name] = HEADER + text
    out[PACKAGE / "v1" / "__init__.py"] = HEADER + '"""Generated Protobuf messages and gRPC stubs of trainyard.v1."""\n'
    for name in ("validate_pb2.py", "validate_pb2.pyi"):
        text = (GEN / "buf" / "validate" / name).read_text()
        out[PACKAGE / "_buf" / "validate" / name] = HEADER + text
    out[PACKAGE / "_buf" / "__init__.py"] = HEADER
    out[PACKAGE / "_buf" / "validate" / "__init__.py"] = HEADER
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the copy is stale instead of writing")
    args = parser.parse_args()
    files = wanted()
    existing = {p for d in (PACKAGE / "v1", PACKAGE / "_buf") if d.exists() for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    stale = sorted(str(p.relative_to(PACKAGE.parent.parent)) for p, text in files.items() if not p.exists() or p.read_text() != text)
    extra = sorted(str(p.relative_to(PACKAGE.parent.parent)) for p in existing - set(files))
    if args.check:
        if stale or extra:
            print("clients/python: the generated modules are stale; run clients/python/scripts/sync_generated.py and commit:", file=sys.stderr)
            for p in stale + extra:
                print("  " + p, file=sys.stderr)
            return 1
        print("clients/python: generated modules are current")
        return 0
    for p in extra:
        (PACKAGE.parent.parent / p).unlink()
    for p, text in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.exists() or p.read_text() != text:
            p.write_text(text)
    print(f"clients/python: {len(files)} generated files in sync ({len(stale)} written, {len(extra)} removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
