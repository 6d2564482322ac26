"""An asyncio variant of the client over ``grpc.aio``: the same flow as :class:`trainyard.Client`
as coroutines and an async iterator::

    from trainyard.aio import AsyncClient

    async with AsyncClient() as client:
        ds = await client.upload("penguins.csv")
        project = await client.create_project("predict the species", ds, budget=30)
        async for event in client.watch(project.id):
            print(event)
        done = await client.get_project(project.id)
        preds = await client.predict(done.model_id, [{"island": "Biscoe"}])
        await client.download(done.model_id, "penguins.onnx")
"""
from __future__ import annotations

import asyncio
import datetime
import os
import pathlib
import tempfile
import uuid
from typing import Any, AsyncIterator, Optional, Union

import grpc
import grpc.aio

from . import _settings
from ._channel import MAX_MESSAGE, _SERVICE_CONFIG, target_of
from ._model import _FORMATS, Prediction, Rows, rows_to_structs
from ._project import _RESUMABLE, Event
from .errors import TrainyardError, from_rpc_error
from .v1 import (
    dataset_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    model_pb2,
    model_service_pb2,
    model_service_pb2_grpc,
    prediction_service_pb2,
    prediction_service_pb2_grpc,
    project_pb2,
    project_service_pb2,
    project_service_pb2_grpc,
)

__all__ = ["AsyncClient"]

CHUNK = 256 << 10


class AsyncClient:
    """An asyncio client of one Trainyard server; settings as :class:`trainyard.Client`."""

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 60.0) -> None:
        self.settings = _settings.resolve(url, api_key)
        _settings.require_key(self.settings)
        self.timeout = timeout
        target, tls = target_of(self.settings.url)
        options = [("grpc.enable_retries", 1), ("grpc.service_config", _SERVICE_CONFIG),
                   ("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)]
        self._channel = (grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(), options=options) if tls
                         else grpc.aio.insecure_channel(target, options=options))
        self._md = (("authorization", f"Bearer {self.settings.api_key}"),)
        self._projects = project_service_pb2_grpc.ProjectServiceStub(self._channel)
        self._datasets = dataset_service_pb2_grpc.DatasetServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)
        self._predictions = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the channel."""
        await self._channel.close()

    def _error(self, e: grpc.RpcError) -> TrainyardError:
        return from_rpc_error(e, url=self.settings.url, key_source=self.settings.key_source)

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self.timeout, metadata=self._md)
        except grpc.RpcError as e:
            raise self._error(e) from None

    async def upload(self, path: Union[str, os.PathLike[str]], *, name: Optional[str] = None) -> dataset_pb2.Dataset:
        """Uploads a file over the UploadDataset client stream."""
        p = pathlib.Path(path)
        header = dataset_service_pb2.UploadHeader(filename=name or p.name, request_id=str(uuid.uuid4()),
                                                  content_type="text/csv" if p.suffix == ".csv" else "")

        async def requests() -> AsyncIterator[dataset_service_pb2.UploadDatasetRequest]:
            yield dataset_service_pb2.UploadDatasetRequest(header=header)
            with open(p, "rb") as f:
                while b := await asyncio.to_thread(f.read, CHUNK):
                    yield dataset_service_pb2.UploadDatasetRequest(chunk=b)

        try:
            return await self._datasets.UploadDataset(requests(), timeout=self.timeout, metadata=self._md)
        except grpc.RpcError as e:
            raise self._error(e) from None

    async def create_project(self, description: str, dataset: Union[dataset_pb2.Dataset, str], *,
                             requires_approval: bool = False, target: Optional[str] = None,
                             budget: Union[float, datetime.timedelta, None] = None) -> project_pb2.Project:
        """Starts a project on an uploaded dataset (or its id); budget is in seconds."""
        ds_id = dataset.id if isinstance(dataset, dataset_pb2.Dataset) else dataset.removeprefix("datasets/")
        sub = project_service_pb2.ProjectSubmission(problem_description=description, dataset_id=ds_id,
                                                    requires_approval=requires_approval, target_column=target or "")
        if budget is not None:
            sub.budget.FromTimedelta(budget if isinstance(budget, datetime.timedelta) else datetime.timedelta(seconds=budget))
        return await self._call(self._projects.CreateProject,
                                project_service_pb2.CreateProjectRequest(submission=sub, request_id=str(uuid.uuid4())))

    async def get_project(self, project_id: str) -> project_pb2.Project:
        """Returns one project."""
        return await self._call(self._projects.GetProject, project_service_pb2.GetProjectRequest(
            name=project_id if project_id.startswith("projects/") else f"projects/{project_id}"))

    async def watch(self, project_id: str, after_sequence: int = 0, *, max_reconnects: int = 20,
                    backoff: float = 0.25) -> AsyncIterator[Event]:
        """Yields the project's events until it finishes, resuming after the last one seen when
        the stream drops."""
        last, failures, pause = after_sequence, 0, backoff
        name = project_id if project_id.startswith("projects/") else f"projects/{project_id}"
        while True:
            terminal = False
            call = self._projects.WatchProject(project_service_pb2.WatchProjectRequest(name=name, after_sequence=last),
                                               metadata=self._md)
            try:
                async for pe in call:
                    if pe.sequence <= last:
                        continue
                    last, failures, pause = pe.sequence, 0, backoff
                    ev = Event.from_proto(pe)
                    terminal = ev.terminal
                    yield ev
                if terminal:
                    return
                err: Optional[grpc.RpcError] = None
            except grpc.RpcError as e:
                if e.code() not in _RESUMABLE:
                    raise self._error(e) from None
                err = e
            finally:
                call.cancel()
            failures += 1
            if failures > max_reconnects:
                raise self._error(err) if err is not None else TrainyardError(f"watch of {name} kept ending early")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    async def wait(self, project_id: str) -> project_pb2.Project:
        """Follows the project to its end and returns it."""
        async for _ in self.watch(project_id):
            pass
        return await self.get_project(project_id)

    async def get_model(self, model_id: str) -> model_pb2.Model:
        """Returns one model."""
        return await self._call(self._models.GetModel, model_service_pb2.GetModelRequest(
            name=model_id if model_id.startswith("models/") else f"models/{model_id}"))

    async def predict(self, model_id: str, rows: Rows, *, explain: bool = False) -> list[Prediction]:
        """Scores rows (a DataFrame, a mapping or a list of mappings)."""
        res = await self._call(self._predictions.Predict, prediction_service_pb2.PredictRequest(
            name=model_id if model_id.startswith("models/") else f"models/{model_id}",
            instances=rows_to_structs(rows), explain=explain))
        return [Prediction.from_proto(p) for p in res.predictions]

    async def download(self, model_id: str, path: Union[str, os.PathLike[str]], format: str = "onnx") -> pathlib.Path:
        """Downloads the model's artifact to path through a temporary file."""
        if format not in _FORMATS:
            raise ValueError(f"format {format!r}: want 'onnx' or 'native'")
        target = pathlib.Path(path)
        fd, tmp = tempfile.mkstemp(prefix=".trainyard-download-", dir=target.parent)
        try:
            call = self._models.DownloadModel(model_service_pb2.DownloadModelRequest(
                name=f"models/{model_id}", format=_FORMATS[format]), metadata=self._md)
            with os.fdopen(fd, "wb") as f:
                async for chunk in call:
                    f.write(chunk.chunk)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except grpc.RpcError as e:
            os.unlink(tmp)
            raise self._error(e) from None
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return target
