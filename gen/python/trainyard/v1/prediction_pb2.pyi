import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchPredictionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_PREDICTION_STATE_UNSPECIFIED: _ClassVar[BatchPredictionState]
    BATCH_PREDICTION_STATE_PENDING: _ClassVar[BatchPredictionState]
    BATCH_PREDICTION_STATE_RUNNING: _ClassVar[BatchPredictionState]
    BATCH_PREDICTION_STATE_SUCCEEDED: _ClassVar[BatchPredictionState]
    BATCH_PREDICTION_STATE_FAILED: _ClassVar[BatchPredictionState]
    BATCH_PREDICTION_STATE_CANCELLED: _ClassVar[BatchPredictionState]
BATCH_PREDICTION_STATE_UNSPECIFIED: BatchPredictionState
BATCH_PREDICTION_STATE_PENDING: BatchPredictionState
BATCH_PREDICTION_STATE_RUNNING: BatchPredictionState
BATCH_PREDICTION_STATE_SUCCEEDED: BatchPredictionState
BATCH_PREDICTION_STATE_FAILED: BatchPredictionState
BATCH_PREDICTION_STATE_CANCELLED: BatchPredictionState

class Prediction(_message.Message):
    __slots__ = ("label", "value", "probabilities", "contributions", "error", "warnings", "objects")
    class ProbabilitiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    label: str
    value: float
    probabilities: _containers.ScalarMap[str, float]
    contributions: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    error: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    objects: _containers.RepeatedCompositeFieldContainer[DetectedObject]
    def __init__(self, label: _Optional[str] = ..., value: _Optional[float] = ..., probabilities: _Optional[_Mapping[str, float]] = ..., contributions: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ..., error: _Optional[str] = ..., warnings: _Optional[_Iterable[str]] = ..., objects: _Optional[_Iterable[_Union[DetectedObject, _Mapping]]] = ...) -> None: ...

class DetectedObject(_message.Message):
    __slots__ = ("label", "confidence", "xmin", "ymin", "xmax", "ymax")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    XMIN_FIELD_NUMBER: _ClassVar[int]
    YMIN_FIELD_NUMBER: _ClassVar[int]
    XMAX_FIELD_NUMBER: _ClassVar[int]
    YMAX_FIELD_NUMBER: _ClassVar[int]
    label: str
    confidence: float
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    def __init__(self, label: _Optional[str] = ..., confidence: _Optional[float] = ..., xmin: _Optional[float] = ..., ymin: _Optional[float] = ..., xmax: _Optional[float] = ..., ymax: _Optional[float] = ...) -> None: ...

class FeatureContribution(_message.Message):
    __slots__ = ("feature", "contribution", "value")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    feature: str
    contribution: float
    value: str
    def __init__(self, feature: _Optional[str] = ..., contribution: _Optional[float] = ..., value: _Optional[str] = ...) -> None: ...

class BatchPrediction(_message.Message):
    __slots__ = ("name", "id", "model_id", "input_dataset_id", "state", "rows_processed", "rows_total", "output_url", "error", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROWS_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    ROWS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_URL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    model_id: str
    input_dataset_id: str
    state: BatchPredictionState
    rows_processed: int
    rows_total: int
    output_url: str
    error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., model_id: _Optional[str] = ..., input_dataset_id: _Optional[str] = ..., state: _Optional[_Union[BatchPredictionState, str]] = ..., rows_processed: _Optional[int] = ..., rows_total: _Optional[int] = ..., output_url: _Optional[str] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
