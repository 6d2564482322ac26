# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
from trainyard._buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from trainyard.v1 import prediction_pb2 as _prediction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PredictRequest(_message.Message):
    __slots__ = ("name", "instances", "explain", "images")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    instances: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    explain: bool
    images: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, name: _Optional[str] = ..., instances: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ..., explain: _Optional[bool] = ..., images: _Optional[_Iterable[bytes]] = ...) -> None: ...

class PredictResponse(_message.Message):
    __slots__ = ("predictions", "model_id")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[_prediction_pb2.Prediction]
    model_id: str
    def __init__(self, predictions: _Optional[_Iterable[_Union[_prediction_pb2.Prediction, _Mapping]]] = ..., model_id: _Optional[str] = ...) -> None: ...

class BatchPredictRequest(_message.Message):
    __slots__ = ("name", "dataset_id", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    dataset_id: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., dataset_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetBatchPredictionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
