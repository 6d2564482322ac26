# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trainyard.v1 import common_pb2 as _common_pb2
from trainyard.v1 import project_pb2 as _project_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_STATE_UNSPECIFIED: _ClassVar[ModelState]
    MODEL_STATE_READY: _ClassVar[ModelState]
    MODEL_STATE_DEPLOYED: _ClassVar[ModelState]
    MODEL_STATE_DOWNLOAD_ONLY: _ClassVar[ModelState]
    MODEL_STATE_DELETED: _ClassVar[ModelState]

class FeatureKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEATURE_KIND_UNSPECIFIED: _ClassVar[FeatureKind]
    FEATURE_KIND_NUMERIC: _ClassVar[FeatureKind]
    FEATURE_KIND_CATEGORICAL: _ClassVar[FeatureKind]
    FEATURE_KIND_BOOLEAN: _ClassVar[FeatureKind]
    FEATURE_KIND_DATETIME: _ClassVar[FeatureKind]
    FEATURE_KIND_TEXT: _ClassVar[FeatureKind]
    FEATURE_KIND_IMAGE: _ClassVar[FeatureKind]
MODEL_STATE_UNSPECIFIED: ModelState
MODEL_STATE_READY: ModelState
MODEL_STATE_DEPLOYED: ModelState
MODEL_STATE_DOWNLOAD_ONLY: ModelState
MODEL_STATE_DELETED: ModelState
FEATURE_KIND_UNSPECIFIED: FeatureKind
FEATURE_KIND_NUMERIC: FeatureKind
FEATURE_KIND_CATEGORICAL: FeatureKind
FEATURE_KIND_BOOLEAN: FeatureKind
FEATURE_KIND_DATETIME: FeatureKind
FEATURE_KIND_TEXT: FeatureKind
FEATURE_KIND_IMAGE: FeatureKind

class Model(_message.Message):
    __slots__ = ("name", "id", "model_id", "project_id", "display_name", "problem_type", "architecture", "state", "download_url", "onnx_download_url", "api_endpoint", "metrics", "report", "code_examples", "features", "classes", "target_column", "size_bytes", "owner", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    ONNX_DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    API_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    CODE_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    model_id: str
    project_id: str
    display_name: str
    problem_type: _common_pb2.ProblemType
    architecture: str
    state: ModelState
    download_url: str
    onnx_download_url: str
    api_endpoint: str
    metrics: Metrics
    report: ModelReport
    code_examples: CodeExamples
    features: _containers.RepeatedCompositeFieldContainer[FeatureSpec]
    classes: _containers.RepeatedScalarFieldContainer[str]
    target_column: str
    size_bytes: int
    owner: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., model_id: _Optional[str] = ..., project_id: _Optional[str] = ..., display_name: _Optional[str] = ..., problem_type: _Optional[_Union[_common_pb2.ProblemType, str]] = ..., architecture: _Optional[str] = ..., state: _Optional[_Union[ModelState, str]] = ..., download_url: _Optional[str] = ..., onnx_download_url: _Optional[str] = ..., api_endpoint: _Optional[str] = ..., metrics: _Optional[_Union[Metrics, _Mapping]] = ..., report: _Optional[_Union[ModelReport, _Mapping]] = ..., code_examples: _Optional[_Union[CodeExamples, _Mapping]] = ..., features: _Optional[_Iterable[_Union[FeatureSpec, _Mapping]]] = ..., classes: _Optional[_Iterable[str]] = ..., target_column: _Optional[str] = ..., size_bytes: _Optional[int] = ..., owner: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Metrics(_message.Message):
    __slots__ = ("values", "primary", "test_rows", "confusion_matrix", "roc_curve", "pr_curve", "calibration", "feature_importance", "residuals", "per_class", "threshold")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VALUES_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    TEST_ROWS_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_MATRIX_FIELD_NUMBER: _ClassVar[int]
    ROC_CURVE_FIELD_NUMBER: _ClassVar[int]
    PR_CURVE_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    FEATURE_IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    RESIDUALS_FIELD_NUMBER: _ClassVar[int]
    PER_CLASS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    values: _containers.ScalarMap[str, float]
    primary: _project_pb2.Metric
    test_rows: int
    confusion_matrix: ConfusionMatrix
    roc_curve: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    pr_curve: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    calibration: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    feature_importance: _containers.RepeatedCompositeFieldContainer[FeatureImportance]
    residuals: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    per_class: _containers.RepeatedCompositeFieldContainer[ClassMetrics]
    threshold: float
    def __init__(self, values: _Optional[_Mapping[str, float]] = ..., primary: _Optional[_Union[_project_pb2.Metric, _Mapping]] = ..., test_rows: _Optional[int] = ..., confusion_matrix: _Optional[_Union[ConfusionMatrix, _Mapping]] = ..., roc_curve: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., pr_curve: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., calibration: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., feature_importance: _Optional[_Iterable[_Union[FeatureImportance, _Mapping]]] = ..., residuals: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., per_class: _Optional[_Iterable[_Union[ClassMetrics, _Mapping]]] = ..., threshold: _Optional[float] = ...) -> None: ...

class ConfusionMatrix(_message.Message):
    __slots__ = ("labels", "rows")
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[ConfusionRow]
    def __init__(self, labels: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[ConfusionRow, _Mapping]]] = ...) -> None: ...

class ConfusionRow(_message.Message):
    __slots__ = ("counts",)
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, counts: _Optional[_Iterable[int]] = ...) -> None: ...

class CurvePoint(_message.Message):
    __slots__ = ("x", "y", "threshold")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    threshold: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., threshold: _Optional[float] = ...) -> None: ...

class FeatureImportance(_message.Message):
    __slots__ = ("feature", "importance", "method")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    feature: str
    importance: float
    method: str
    def __init__(self, feature: _Optional[str] = ..., importance: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...

class ClassMetrics(_message.Message):
    __slots__ = ("label", "precision", "recall", "f1", "support")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    label: str
    precision: float
    recall: float
    f1: float
    support: int
    def __init__(self, label: _Optional[str] = ..., precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., support: _Optional[int] = ...) -> None: ...

class ModelReport(_message.Message):
    __slots__ = ("summary", "analysis", "preprocessing", "candidates", "warnings", "training_seconds", "train_rows", "validation_rows", "test_rows", "success_criteria")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    PREPROCESSING_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_ROWS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ROWS_FIELD_NUMBER: _ClassVar[int]
    TEST_ROWS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    summary: str
    analysis: _project_pb2.ProblemAnalysis
    preprocessing: _containers.RepeatedScalarFieldContainer[str]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    training_seconds: float
    train_rows: int
    validation_rows: int
    test_rows: int
    success_criteria: _containers.RepeatedCompositeFieldContainer[_project_pb2.SuccessCriterion]
    def __init__(self, summary: _Optional[str] = ..., analysis: _Optional[_Union[_project_pb2.ProblemAnalysis, _Mapping]] = ..., preprocessing: _Optional[_Iterable[str]] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ..., training_seconds: _Optional[float] = ..., train_rows: _Optional[int] = ..., validation_rows: _Optional[int] = ..., test_rows: _Optional[int] = ..., success_criteria: _Optional[_Iterable[_Union[_project_pb2.SuccessCriterion, _Mapping]]] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("learner", "params", "score", "fit_seconds", "note")
    LEARNER_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    learner: str
    params: str
    score: float
    fit_seconds: float
    note: str
    def __init__(self, learner: _Optional[str] = ..., params: _Optional[str] = ..., score: _Optional[float] = ..., fit_seconds: _Optional[float] = ..., note: _Optional[str] = ...) -> None: ...

class CodeExamples(_message.Message):
    __slots__ = ("curl", "python", "typescript", "grpcurl", "tritonclient")
    CURL_FIELD_NUMBER: _ClassVar[int]
    PYTHON_FIELD_NUMBER: _ClassVar[int]
    TYPESCRIPT_FIELD_NUMBER: _ClassVar[int]
    GRPCURL_FIELD_NUMBER: _ClassVar[int]
    TRITONCLIENT_FIELD_NUMBER: _ClassVar[int]
    curl: str
    python: str
    typescript: str
    grpcurl: str
    tritonclient: str
    def __init__(self, curl: _Optional[str] = ..., python: _Optional[str] = ..., typescript: _Optional[str] = ..., grpcurl: _Optional[str] = ..., tritonclient: _Optional[str] = ...) -> None: ...

class FeatureSpec(_message.Message):
    __slots__ = ("name", "kind", "categories", "min", "max", "example", "optional")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONAL_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: FeatureKind
    categories: _containers.RepeatedScalarFieldContainer[str]
    min: float
    max: float
    example: str
    optional: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[FeatureKind, str]] = ..., categories: _Optional[_Iterable[str]] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., example: _Optional[str] = ..., optional: _Optional[bool] = ...) -> None: ...
