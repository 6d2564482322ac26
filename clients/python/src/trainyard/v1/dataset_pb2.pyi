# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trainyard.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ColumnKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLUMN_KIND_UNSPECIFIED: _ClassVar[ColumnKind]
    COLUMN_KIND_NUMERIC: _ClassVar[ColumnKind]
    COLUMN_KIND_CATEGORICAL: _ClassVar[ColumnKind]
    COLUMN_KIND_BOOLEAN: _ClassVar[ColumnKind]
    COLUMN_KIND_DATETIME: _ClassVar[ColumnKind]
    COLUMN_KIND_TEXT: _ClassVar[ColumnKind]
    COLUMN_KIND_ID: _ClassVar[ColumnKind]
    COLUMN_KIND_IMAGE: _ClassVar[ColumnKind]
COLUMN_KIND_UNSPECIFIED: ColumnKind
COLUMN_KIND_NUMERIC: ColumnKind
COLUMN_KIND_CATEGORICAL: ColumnKind
COLUMN_KIND_BOOLEAN: ColumnKind
COLUMN_KIND_DATETIME: ColumnKind
COLUMN_KIND_TEXT: ColumnKind
COLUMN_KIND_ID: ColumnKind
COLUMN_KIND_IMAGE: ColumnKind

class Dataset(_message.Message):
    __slots__ = ("name", "id", "display_name", "data_type", "files", "size_bytes", "num_rows", "num_columns", "is_labeled", "columns", "warnings", "owner", "create_time", "expire_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    NUM_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    IS_LABELED_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    display_name: str
    data_type: _common_pb2.DataType
    files: _containers.RepeatedCompositeFieldContainer[DataFile]
    size_bytes: int
    num_rows: int
    num_columns: int
    is_labeled: bool
    columns: _containers.RepeatedCompositeFieldContainer[ColumnProfile]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    owner: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., display_name: _Optional[str] = ..., data_type: _Optional[_Union[_common_pb2.DataType, str]] = ..., files: _Optional[_Iterable[_Union[DataFile, _Mapping]]] = ..., size_bytes: _Optional[int] = ..., num_rows: _Optional[int] = ..., num_columns: _Optional[int] = ..., is_labeled: _Optional[bool] = ..., columns: _Optional[_Iterable[_Union[ColumnProfile, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ..., owner: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DataFile(_message.Message):
    __slots__ = ("filename", "size_bytes", "sha256", "content_type")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    filename: str
    size_bytes: int
    sha256: str
    content_type: str
    def __init__(self, filename: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class ColumnProfile(_message.Message):
    __slots__ = ("name", "kind", "missing_ratio", "cardinality", "min", "max", "mean", "std", "top_values", "examples", "histogram", "flags")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MISSING_RATIO_FIELD_NUMBER: _ClassVar[int]
    CARDINALITY_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    TOP_VALUES_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: ColumnKind
    missing_ratio: float
    cardinality: int
    min: float
    max: float
    mean: float
    std: float
    top_values: _containers.RepeatedCompositeFieldContainer[ValueCount]
    examples: _containers.RepeatedScalarFieldContainer[str]
    histogram: Histogram
    flags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[ColumnKind, str]] = ..., missing_ratio: _Optional[float] = ..., cardinality: _Optional[int] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., top_values: _Optional[_Iterable[_Union[ValueCount, _Mapping]]] = ..., examples: _Optional[_Iterable[str]] = ..., histogram: _Optional[_Union[Histogram, _Mapping]] = ..., flags: _Optional[_Iterable[str]] = ...) -> None: ...

class ValueCount(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Histogram(_message.Message):
    __slots__ = ("edges", "counts")
    EDGES_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedScalarFieldContainer[float]
    counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, edges: _Optional[_Iterable[float]] = ..., counts: _Optional[_Iterable[int]] = ...) -> None: ...

class DataPreview(_message.Message):
    __slots__ = ("dataset_id", "column_names", "rows", "columns", "total_rows")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMN_NAMES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    column_names: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[PreviewRow]
    columns: _containers.RepeatedCompositeFieldContainer[ColumnProfile]
    total_rows: int
    def __init__(self, dataset_id: _Optional[str] = ..., column_names: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[PreviewRow, _Mapping]]] = ..., columns: _Optional[_Iterable[_Union[ColumnProfile, _Mapping]]] = ..., total_rows: _Optional[int] = ...) -> None: ...

class PreviewRow(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...
