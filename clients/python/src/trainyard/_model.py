"""Models: metadata, predictions and downloads."""
from __future__ import annotations

import math
import os
import pathlib
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from google.protobuf import struct_pb2

from .v1 import model_pb2, model_service_pb2, prediction_pb2, prediction_service_pb2

if TYPE_CHECKING:
    import pandas

    from ._client import Client

Rows = Union["pandas.DataFrame", Mapping[str, Any], Iterable[Mapping[str, Any]]]

_FORMATS = {"native": model_service_pb2.ARTIFACT_FORMAT_NATIVE, "onnx": model_service_pb2.ARTIFACT_FORMAT_ONNX}


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one row.

    Attributes:
        label: the predicted class (classifiers), else None.
        value: the predicted number (regression), else None.
        probabilities: each class's probability (classifiers).
        error: why the row could not be scored; the other fields are empty then.
        warnings: notes on how the input was handled.
        contributions: feature -> push on the score, when explain=True.
        proto: the generated ``trainyard.v1.Prediction``.
    """

    label: Optional[str]
    value: Optional[float]
    probabilities: dict[str, float]
    error: str
    warnings: list[str]
    contributions: dict[str, float] = field(default_factory=dict)
    proto: Optional[prediction_pb2.Prediction] = None

    @property
    def result(self) -> Union[str, float, None]:
        """The label or the value."""
        return self.label if self.label is not None else self.value

    @classmethod
    def from_proto(cls, p: prediction_pb2.Prediction) -> "Prediction":
        """Wraps a generated Prediction."""
        which = p.WhichOneof("result")
        return cls(
            label=p.label if which == "label" else None,
            value=p.value if which == "value" else None,
            probabilities=dict(p.probabilities), error=p.error, warnings=list(p.warnings),
            contributions={c.feature: c.contribution for c in p.contributions}, proto=p,
        )


def _cell(v: Any) -> Any:
    """Turns a cell into something a protobuf Struct holds: NaN and None become null, numpy
    scalars plain numbers, timestamps ISO text."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, bool) or isinstance(v, (int, float, str)):
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return str(v)


def rows_to_structs(rows: Rows) -> list[struct_pb2.Struct]:
    """Converts a DataFrame, one mapping or an iterable of mappings into Predict's instances."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        records = rows.to_dict(orient="records")  # type: ignore[union-attr]
    elif isinstance(rows, Mapping):
        records = [rows]
    else:
        records = list(rows)
    out = []
    for r in records:
        s = struct_pb2.Struct()
        s.update({str(k): _cell(v) for k, v in r.items()})
        out.append(s)
    return out


class Model:
    """A trained model. Attribute access falls through to the generated ``trainyard.v1.Model``
    (``model.metrics``, ``model.features``, ``model.code_examples``, ...)."""

    def __init__(self, client: "Client", proto: model_pb2.Model) -> None:
        self._client = client
        self.proto = proto

    def __getattr__(self, name: str):  # noqa: ANN204 - falls through to the message
        return getattr(self.proto, name)

    def __repr__(self) -> str:
        return f"Model(id={self.id!r}, architecture={self.proto.architecture!r}, metrics={self.metrics_dict()!r})"

    @property
    def id(self) -> str:
        """The model's id."""
        return self.proto.id

    def metrics_dict(self) -> dict[str, float]:
        """The held-out metrics by name."""
        return dict(self.proto.metrics.values)

    def predict(self, rows: Rows, *, explain: bool = False, batch_size: int = 5000) -> Any:
        """Scores rows: a pandas DataFrame, one mapping of feature to value, or a list of them.

        Returns a DataFrame with ``prediction``, one ``probability_<class>`` column per class and
        ``error`` when given a DataFrame; otherwise a list of :class:`Prediction`.
        """
        instances = rows_to_structs(rows)
        preds: list[Prediction] = []
        for i in range(0, max(len(instances), 1), batch_size):
            chunk = instances[i:i + batch_size]
            if not chunk:
                break
            res = self._client._call(self._client._predictions.Predict, prediction_service_pb2.PredictRequest(
                name=f"models/{self.id}", instances=chunk, explain=explain))
            preds.extend(Prediction.from_proto(p) for p in res.predictions)
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            import pandas as pd

            df = pd.DataFrame({"prediction": [p.result for p in preds]}, index=rows.index)  # type: ignore[union-attr]
            classes = list(self.proto.classes) or sorted({c for p in preds for c in p.probabilities})
            for c in classes:
                df[f"probability_{c}"] = [p.probabilities.get(c) for p in preds]
            df["error"] = [p.error for p in preds]
            return df
        return preds

    def download(self, path: Union[str, os.PathLike[str]] = ".", format: str = "onnx") -> pathlib.Path:
        """Downloads the model's artifact ("onnx" or "native") over the DownloadModel stream into
        path (a folder takes the server's file name) and returns the file's path. A failed
        download leaves nothing behind."""
        if format not in _FORMATS:
            raise ValueError(f"format {format!r}: want 'onnx' or 'native'")
        target = pathlib.Path(path)
        folder = target if target.is_dir() else target.parent
        folder.mkdir(parents=True, exist_ok=True)
        stream = self._client._stream(
            self._client._models.DownloadModel,
            model_service_pb2.DownloadModelRequest(name=f"models/{self.id}", format=_FORMATS[format]))
        fd, tmp = tempfile.mkstemp(prefix=".trainyard-download-", dir=folder)
        name, size, written = "", -1, 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in stream:
                    if chunk.filename:
                        name = chunk.filename
                    if chunk.size_bytes:
                        size = chunk.size_bytes
                    f.write(chunk.chunk)
                    written += len(chunk.chunk)
            if size >= 0 and written != size:
                raise IOError(f"download of model {self.id} ended after {written} of {size} bytes")
            if target.is_dir():
                target = target / (name or f"model-{self.id}.{format}")
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return target
