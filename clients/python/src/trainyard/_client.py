"""The client: datasets, projects and models of one Trainyard server."""
from __future__ import annotations

import datetime
import io
import mimetypes
import os
import pathlib
import sys
import tempfile
import time
import uuid
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar, Union

import grpc

from . import _settings
from ._channel import open_channel
from ._model import Model
from ._project import Project, stage_name
from .errors import TrainyardError, from_rpc_error
from .v1 import (
    api_key_service_pb2,
    api_key_service_pb2_grpc,
    dataset_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
    prediction_service_pb2_grpc,
    project_pb2,
    project_service_pb2,
    project_service_pb2_grpc,
)

if TYPE_CHECKING:
    import pandas

T = TypeVar("T")
ProgressArg = Union[bool, Callable[[int, int], None]]
DataArg = Union[str, os.PathLike, "pandas.DataFrame", dataset_pb2.Dataset]

CHUNK = 256 << 10


class _Bar:
    """A one-line upload bar on stderr."""

    def __init__(self, label: str) -> None:
        self.label, self.last, self.start = label, 0.0, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done != total:
            return
        self.last = now
        if total > 0:
            n = int(30 * done / total)
            sys.stderr.write(f"\r{self.label} [{'=' * n}{' ' * (30 - n)}] {100 * done / total:3.0f}% {done}/{total} bytes")
        else:
            sys.stderr.write(f"\r{self.label} {done} bytes")
        if done == total:
            sys.stderr.write(f" in {time.monotonic() - self.start:.1f}s\n")
        sys.stderr.flush()


class Datasets:
    """Uploads and reads datasets (``client.datasets``)."""

    def __init__(self, client: "Client") -> None:
        self._c = client

    def upload(self, data: Union[str, os.PathLike, "pandas.DataFrame", IO[bytes]], *, name: Optional[str] = None,
               progress: ProgressArg = False, request_id: Optional[str] = None) -> dataset_pb2.Dataset:
        """Uploads a CSV file (a path, an open binary file) or a pandas DataFrame over the
        UploadDataset client stream and returns the dataset's metadata and profile.

        Args:
            data: the path of a file, a binary file object, or a DataFrame (sent as CSV).
            name: the file name the server sees (the path's name, or "data.csv").
            progress: True draws a bar on stderr; a callable gets (bytes sent, total bytes).
            request_id: makes a retried upload return the same dataset (random by default).
        """
        cleanup: list[Callable[[], None]] = []
        try:
            if hasattr(data, "to_csv"):
                spool = tempfile.SpooledTemporaryFile(max_size=32 << 20)
                text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
                data.to_csv(text, index=False)  # type: ignore[union-attr]
                text.flush()
                text.detach()
                total = spool.tell()
                spool.seek(0)
                f: IO[bytes] = spool  # type: ignore[assignment]
                cleanup.append(spool.close)
                filename = name or "data.csv"
            elif isinstance(data, (str, os.PathLike)):
                p = pathlib.Path(data)
                f = open(p, "rb")
                cleanup.append(f.close)
                total = p.stat().st_size
                filename = name or p.name
            else:
                f = data  # type: ignore[assignment]
                total = -1
                filename = name or getattr(data, "name", None) or "data.csv"
                filename = os.path.basename(str(filename))
            report: Optional[Callable[[int, int], None]] = None
            if progress is True:
                report = _Bar(f"Uploading {filename}")
            elif callable(progress):
                report = progress
            ctype = mimetypes.guess_type(filename)[0] or ("text/csv" if filename.endswith(".csv") else "")
            header = dataset_service_pb2.UploadHeader(filename=filename, content_type=ctype,
                                                      request_id=request_id or str(uuid.uuid4()))

            def requests() -> Iterator[dataset_service_pb2.UploadDatasetRequest]:
                yield dataset_service_pb2.UploadDatasetRequest(header=header)
                sent = 0
                if report:
                    report(0, total)
                while True:
                    b = f.read(CHUNK)
                    if not b:
                        break
                    sent += len(b)
                    yield dataset_service_pb2.UploadDatasetRequest(chunk=b)
                    if report:
                        report(sent, total if total >= 0 else sent)
                if report and total < 0:
                    report(sent, sent)

            return self._c._call(self._c._datasets.UploadDataset, requests())
        finally:
            for fn in cleanup:
                fn()

    def get(self, dataset_id: str) -> dataset_pb2.Dataset:
        """Returns one dataset's metadata."""
        return self._c._call(self._c._datasets.GetDataset, dataset_service_pb2.GetDatasetRequest(name=_name("datasets", dataset_id)))

    def list(self, page_size: int = 50) -> list[dataset_pb2.Dataset]:
        """Returns the caller's newest datasets."""
        return list(self._c._call(self._c._datasets.ListDatasets, dataset_service_pb2.ListDatasetsRequest(page_size=page_size)).datasets)


class Projects:
    """Creates and reads projects (``client.projects``)."""

    def __init__(self, client: "Client") -> None:
        self._c = client

    def create(self, description: str, data: DataArg, *, requires_approval: bool = False,
               target: Optional[str] = None, budget: Union[float, datetime.timedelta, None] = None,
               name: Optional[str] = None, request_id: Optional[str] = None, progress: ProgressArg = False) -> Project:
        """Starts a project that trains a model on data, as described in plain words.

        Args:
            description: what to predict, e.g. "predict which customers will churn".
            data: a dataset (or its id) from :meth:`Datasets.upload`, a file path or a DataFrame
                (uploaded first).
            requires_approval: stop in AWAITING_APPROVAL until :meth:`Project.approve`.
            target: the column to predict, when you want to name it.
            budget: the training budget in seconds (or a timedelta); derived when not given.
            name: a title for the project.
            request_id: makes a retried create return the same project (random by default).
            progress: passed to the upload when data is uploaded here.
        """
        if isinstance(data, dataset_pb2.Dataset):
            dataset_id = data.id
        elif isinstance(data, str) and not os.path.exists(data):
            dataset_id = data.removeprefix("datasets/")
        else:
            dataset_id = self._c.datasets.upload(data, progress=progress).id
        sub = project_service_pb2.ProjectSubmission(problem_description=description, dataset_id=dataset_id,
                                                    requires_approval=requires_approval, display_name=name or "",
                                                    target_column=target or "")
        if budget is not None:
            sub.budget.FromTimedelta(budget if isinstance(budget, datetime.timedelta) else datetime.timedelta(seconds=budget))
        p = self._c._call(self._c._projects.CreateProject, project_service_pb2.CreateProjectRequest(
            submission=sub, request_id=request_id or str(uuid.uuid4())))
        return Project(self._c, p)

    def get(self, project_id: str) -> Project:
        """Returns one project."""
        return Project(self._c, self._c._call(self._c._projects.GetProject,
                                              project_service_pb2.GetProjectRequest(name=_name("projects", project_id))))

    def list(self, *, stage: Optional[str] = None, search: str = "", page_size: int = 50) -> list[Project]:
        """Returns the caller's newest projects, optionally only those in a stage ("TRAINING")."""
        req = project_service_pb2.ListProjectsRequest(page_size=page_size, search=search)
        if stage:
            req.stage = project_pb2.PipelineStage.Value("PIPELINE_STAGE_" + stage.upper())
        return [Project(self._c, p) for p in self._c._call(self._c._projects.ListProjects, req).projects]


class Models:
    """Reads models (``client.models``)."""

    def __init__(self, client: "Client") -> None:
        self._c = client

    def get(self, model_id: str) -> Model:
        """Returns one model with its metrics, report and code examples."""
        return Model(self._c, self._c._call(self._c._models.GetModel, model_service_pb2.GetModelRequest(name=_name("models", model_id))))

    def list(self, page_size: int = 50) -> list[Model]:
        """Returns the caller's newest models."""
        res = self._c._call(self._c._models.ListModels, model_service_pb2.ListModelsRequest(page_size=page_size))
        return [Model(self._c, m) for m in res.models]


def _name(kind: str, id_: str) -> str:
    return id_ if id_.startswith(kind + "/") else f"{kind}/{id_}"


class Client:
    """A client of one Trainyard server over gRPC.

    ``url`` and ``api_key`` default to TRAINYARD_URL / TRAINYARD_API_KEY, then to the
    credentials file that ``trainyard login`` and the server's first start write
    (``~/.config/trainyard/credentials.json``), then to http://127.0.0.1:8080.

    Example::

        import trainyard
        client = trainyard.Client()
        project = client.projects.create(description="predict which customers will churn",
                                          data="churn.csv")
        for event in project.watch():
            print(event)
        model = project.model
        print(model.predict([{"tenure": 3, "Contract": "Month-to-month"}]))
        model.download("churn.onnx", format="onnx")

    Attributes:
        datasets: uploads and reads datasets.
        projects: creates and reads projects.
        models: reads models, predicts and downloads.
        settings: the URL and key in use, and where they came from.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 60.0) -> None:
        self.settings = _settings.resolve(url, api_key)
        _settings.require_key(self.settings)
        self.timeout = timeout
        self._channel = open_channel(self.settings.url, self.settings.api_key)
        self._projects = project_service_pb2_grpc.ProjectServiceStub(self._channel)
        self._datasets = dataset_service_pb2_grpc.DatasetServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)
        self._predictions = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._keys = api_key_service_pb2_grpc.ApiKeyServiceStub(self._channel)
        self.datasets = Datasets(self)
        self.projects = Projects(self)
        self.models = Models(self)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(url={self.settings.url!r})"

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def whoami(self) -> Any:
        """Returns the user the API key belongs to."""
        return self._call(self._keys.GetCurrentUser, api_key_service_pb2.GetCurrentUserRequest())

    def _error(self, err: grpc.RpcError) -> TrainyardError:
        return from_rpc_error(err, url=self.settings.url, key_source=self.settings.key_source)

    def _call(self, method: Callable[..., T], request: Any) -> T:
        """Calls a unary (or client-streaming) method with the client's timeout, turning gRPC
        errors into typed exceptions. gRPC itself retries UNAVAILABLE before an answer arrived
        (the channel's service config), so an upload whose stream started is not resent."""
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise self._error(e) from None

    def _stream(self, method: Callable[..., Any], request: Any) -> Iterator[Any]:
        """Iterates a server stream, turning gRPC errors into typed exceptions."""
        call = method(request)
        try:
            yield from call
        except grpc.RpcError as e:
            raise self._error(e) from None
        finally:
            call.cancel()


__all__ = ["Client", "Datasets", "Projects", "Models", "stage_name"]
