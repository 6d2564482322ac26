"""The whole flow against a real server: upload a DataFrame, create a project, watch it to
COMPLETED through a connection that drops, predict, download the ONNX export and run it."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

import trainyard
from conftest import CutProxy, Server, dataset


def test_train_predict_download(server: Server, tmp_path) -> None:
    client = trainyard.Client(url=server.url, api_key=server.key)
    df = pd.read_csv(dataset("penguins.csv"))

    seen: list[tuple[int, int]] = []
    ds = client.datasets.upload(df, name="penguins.csv", progress=lambda done, total: seen.append((done, total)))
    assert ds.num_rows == len(df) and ds.num_columns == len(df.columns)
    assert seen and seen[-1][0] == seen[-1][1] > 0, f"progress ended at {seen[-1:]}, want all bytes"

    project = client.projects.create(description="predict the species of each penguin", data=ds, budget=3)
    assert project.id and project.dataset_id == ds.id

    # Follow the running project through a proxy that cuts the connection after a few
    # kilobytes: the watch must resume from its cursor and yield every event exactly once.
    proxy = CutProxy(int(server.url.rsplit(":", 1)[1]), limit=4000)
    try:
        watched = trainyard.Client(url=proxy.url, api_key=server.key).projects.get(project.id)
        events = list(watched.watch())
    finally:
        proxy.close()
    assert proxy.cuts >= 1 and proxy.conns >= 2, f"the proxy cut {proxy.cuts} of {proxy.conns} connections, want a cut and a reconnect"
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[-1].terminal and events[-1].stage == "COMPLETED", events[-1]
    kinds = {e.kind for e in events}
    assert {"stage_change", "decision"} <= kinds, kinds
    assert any(e.kind == "decision" and e.confidence is not None for e in events)
    assert watched.stage == "COMPLETED" and watched.model_id

    done = project.wait()
    assert done.stage == "COMPLETED" and done.model_id == watched.model_id

    model = client.models.get(done.model_id)
    assert model.id == done.model_id
    assert model.metrics_dict().get("accuracy", 0) > 0.9, model.metrics_dict()

    head = df.head(20)
    preds = model.predict(head.drop(columns=["species"]))
    assert list(preds.columns[:1]) == ["prediction"] and len(preds) == 20
    assert (preds["error"] == "").all(), preds["error"].tolist()
    right = int((preds["prediction"] == head["species"]).sum())
    assert right >= 18, f"{right} of 20 training rows right"
    one = model.predict([head.drop(columns=["species"]).iloc[0].to_dict()])
    assert isinstance(one[0], trainyard.Prediction) and one[0].label == preds["prediction"].iloc[0]

    # The ONNX export answers like the server.
    path = model.download(tmp_path / "penguins.onnx", format="onnx")
    sess = ort.InferenceSession(str(path))
    rows = df.dropna().head(50)
    feeds = {}
    for inp in sess.get_inputs():
        col = rows[inp.name]
        if inp.type == "tensor(string)":
            feeds[inp.name] = col.astype(str).to_numpy(dtype=object).reshape(-1, 1)
        else:
            feeds[inp.name] = col.astype(np.float32).to_numpy().reshape(-1, 1)
    outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    served = model.predict(rows.drop(columns=["species"]))["prediction"].tolist()
    onnx_labels = [str(x) for x in outs["label"]]
    agree = sum(a == b for a, b in zip(onnx_labels, served))
    assert agree >= 49, f"ONNX and the server agree on {agree} of 50 rows"
    assert (np.array(onnx_labels) == rows["species"].to_numpy()).mean() > 0.9

    native = model.download(tmp_path, format="native")
    assert native.exists() and native.stat().st_size > 0

    assert any(p.id == project.id for p in client.projects.list())


def test_errors(server: Server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    for k in ("TRAINYARD_URL", "TRAINYARD_API_KEY"):
        monkeypatch.delenv(k, raising=False)

    with pytest.raises(trainyard.ConfigurationError, match="trainyard login"):
        trainyard.Client(url=server.url)

    bad = trainyard.Client(url=server.url, api_key="ty_" + "x" * 43)
    with pytest.raises(trainyard.UnauthenticatedError, match="rejected the API key"):
        bad.projects.list()

    client = trainyard.Client(url=server.url, api_key=server.key)
    with pytest.raises(trainyard.NotFoundError):
        client.models.get("01a00000-0000-7000-8000-000000000000")
    with pytest.raises(trainyard.InvalidArgumentError):
        client.projects.create(description="", data="some-dataset")

    # Settings from the environment and from the credentials file.
    monkeypatch.setenv("TRAINYARD_URL", server.url)
    monkeypatch.setenv("TRAINYARD_API_KEY", server.key)
    assert trainyard.Client().whoami().email == "sdk@example.com"
    monkeypatch.delenv("TRAINYARD_URL")
    monkeypatch.delenv("TRAINYARD_API_KEY")
    cred = tmp_path / "cfg" / "trainyard" / "credentials.json"
    cred.parent.mkdir(parents=True)
    cred.write_text('{"url": "%s", "apiKey": "%s"}' % (server.url, server.key))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    c = trainyard.Client()
    assert c.settings.key_source == str(cred) and c.whoami().email == "sdk@example.com"
    # The saved key is not sent to another server.
    with pytest.raises(trainyard.ConfigurationError):
        trainyard.Client(url="http://127.0.0.1:1")

    with socket_closed_port() as port:
        down = trainyard.Client(url=f"http://127.0.0.1:{port}", api_key=server.key, timeout=20)
        with pytest.raises(trainyard.UnavailableError, match="cannot reach a Trainyard server"):
            down.projects.list()


class socket_closed_port:
    """A port with nothing listening."""

    def __enter__(self) -> int:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc: object) -> None:
        pass


def test_async_client(server: Server, tmp_path) -> None:
    import asyncio

    from trainyard.aio import AsyncClient

    async def flow() -> None:
        async with AsyncClient(url=server.url, api_key=server.key) as client:
            ds = await client.upload(dataset("iris.csv"))
            assert ds.num_rows == 150
            project = await client.create_project("predict the species", ds, target="species", budget=2)
            events = [ev async for ev in client.watch(project.id)]
            assert [e.sequence for e in events] == list(range(1, len(events) + 1))
            assert events[-1].stage == "COMPLETED"
            done = await client.get_project(project.id)
            rows = pd.read_csv(dataset("iris.csv")).head(10)
            preds = await client.predict(done.model_id, rows.drop(columns=["species"]))
            assert sum(p.label == s for p, s in zip(preds, rows["species"])) >= 9
            path = await client.download(done.model_id, tmp_path / "iris.onnx")
            assert ort.InferenceSession(str(path)).get_inputs()

    asyncio.run(flow())


def test_path_upload_with_progress_bar(server: Server, capsys) -> None:
    client = trainyard.Client(url=server.url, api_key=server.key)
    ds = client.datasets.upload(dataset("iris.csv"), progress=True)
    assert ds.num_rows == 150 and ds.files[0].filename == "iris.csv"
    assert "Uploading iris.csv" in capsys.readouterr().err
    assert client.datasets.get(ds.id).id == ds.id
