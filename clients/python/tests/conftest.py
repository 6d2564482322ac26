"""Builds the trainyard binary (or takes TRAINYARD_BIN), starts a real server on a free port with its own data dir, and
makes a member key for the tests."""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Iterator

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def dataset(name: str) -> pathlib.Path:
    """Returns the path of a shared dataset: TRAINYARD_DATASETS, else ../shared/datasets."""
    base = os.environ.get("TRAINYARD_DATASETS") or str(REPO.parent / "shared" / "datasets")
    p = pathlib.Path(base) / name
    if not p.exists():
        pytest.fail(f"dataset {p} not found (set TRAINYARD_DATASETS)")
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running server: its URL, a member key, the binary and the data dir."""

    url: str
    key: str
    binary: pathlib.Path
    data_dir: pathlib.Path
    log: pathlib.Path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("trainyard")
    if os.environ.get("TRAINYARD_BIN"):
        binary = pathlib.Path(os.environ["TRAINYARD_BIN"])
    else:
        binary = tmp / "trainyard"
        subprocess.run(["go", "build", "-o", str(binary), "./cmd/trainyard"], cwd=REPO, check=True)
    data_dir = tmp / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINYARD_")}
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    key = subprocess.run([str(binary), "admin", "create-key", "--email", "sdk@example.com", "--role", "member",
                          "--data-dir", str(data_dir)], env=env, check=True, capture_output=True, text=True).stdout.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", str(data_dir)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield Server(url=url, key=key, binary=binary, data_dir=data_dir, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class CutProxy:
    """A TCP proxy to the server that cuts its first connection after ``limit`` bytes of the
    server's answer, as a dropped network connection would."""

    def __init__(self, upstream_port: int, limit: int) -> None:
        self.limit, self.upstream, self.cuts, self.conns = limit, upstream_port, 0, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.sock.accept()
            except OSError:
                return
            self.conns += 1
            threading.Thread(target=self._serve, args=(down, self.conns == 1), daemon=True).start()

    def _serve(self, down: socket.socket, cut: bool) -> None:
        up = socket.create_connection(("127.0.0.1", self.upstream))

        def pump_up() -> None:
            try:
                while b := down.recv(65536):
                    up.sendall(b)
            except OSError:
                pass
            finally:
                up.close()

        threading.Thread(target=pump_up, daemon=True).start()
        sent = 0
        try:
            while b := up.recv(65536):
                if cut and sent + len(b) >= self.limit:
                    down.sendall(b[: self.limit - sent])
                    self.cuts += 1
                    break
                down.sendall(b)
                sent += len(b)
        except OSError:
            pass
        finally:
            for s in (down, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.sock.close()
