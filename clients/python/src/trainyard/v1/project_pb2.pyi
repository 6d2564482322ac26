# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trainyard.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PipelineStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PIPELINE_STAGE_UNSPECIFIED: _ClassVar[PipelineStage]
    PIPELINE_STAGE_ANALYZING: _ClassVar[PipelineStage]
    PIPELINE_STAGE_DATA_PROCESSING: _ClassVar[PipelineStage]
    PIPELINE_STAGE_LABELING: _ClassVar[PipelineStage]
    PIPELINE_STAGE_MODEL_SELECTION: _ClassVar[PipelineStage]
    PIPELINE_STAGE_AWAITING_APPROVAL: _ClassVar[PipelineStage]
    PIPELINE_STAGE_TRAINING: _ClassVar[PipelineStage]
    PIPELINE_STAGE_EVALUATION: _ClassVar[PipelineStage]
    PIPELINE_STAGE_DEPLOYMENT: _ClassVar[PipelineStage]
    PIPELINE_STAGE_COMPLETED: _ClassVar[PipelineStage]
    PIPELINE_STAGE_FAILED: _ClassVar[PipelineStage]
    PIPELINE_STAGE_CANCELLED: _ClassVar[PipelineStage]

class LabelingTaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABELING_TASK_STATE_UNSPECIFIED: _ClassVar[LabelingTaskState]
    LABELING_TASK_STATE_OPEN: _ClassVar[LabelingTaskState]
    LABELING_TASK_STATE_ANSWERED: _ClassVar[LabelingTaskState]

class DecisionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_TYPE_UNSPECIFIED: _ClassVar[DecisionType]
    DECISION_TYPE_PROBLEM_TYPE: _ClassVar[DecisionType]
    DECISION_TYPE_TARGET_COLUMN: _ClassVar[DecisionType]
    DECISION_TYPE_DOMAIN: _ClassVar[DecisionType]
    DECISION_TYPE_METRIC: _ClassVar[DecisionType]
    DECISION_TYPE_SUCCESS_CRITERIA: _ClassVar[DecisionType]
    DECISION_TYPE_DROP_COLUMN: _ClassVar[DecisionType]
    DECISION_TYPE_IMPUTATION: _ClassVar[DecisionType]
    DECISION_TYPE_ENCODING: _ClassVar[DecisionType]
    DECISION_TYPE_SPLIT: _ClassVar[DecisionType]
    DECISION_TYPE_LABELING: _ClassVar[DecisionType]
    DECISION_TYPE_MODEL_FAMILY: _ClassVar[DecisionType]
    DECISION_TYPE_HYPERPARAMETERS: _ClassVar[DecisionType]
    DECISION_TYPE_BUDGET: _ClassVar[DecisionType]
    DECISION_TYPE_APPROVAL: _ClassVar[DecisionType]
    DECISION_TYPE_MODEL_CHOICE: _ClassVar[DecisionType]
    DECISION_TYPE_THRESHOLD: _ClassVar[DecisionType]
    DECISION_TYPE_ITERATION: _ClassVar[DecisionType]
    DECISION_TYPE_DEPLOYMENT: _ClassVar[DecisionType]
    DECISION_TYPE_RECOVERY: _ClassVar[DecisionType]
    DECISION_TYPE_CLASS_BALANCE: _ClassVar[DecisionType]
    DECISION_TYPE_CALIBRATION: _ClassVar[DecisionType]

class LogLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_LEVEL_UNSPECIFIED: _ClassVar[LogLevel]
    LOG_LEVEL_DEBUG: _ClassVar[LogLevel]
    LOG_LEVEL_INFO: _ClassVar[LogLevel]
    LOG_LEVEL_WARNING: _ClassVar[LogLevel]
    LOG_LEVEL_ERROR: _ClassVar[LogLevel]
PIPELINE_STAGE_UNSPECIFIED: PipelineStage
PIPELINE_STAGE_ANALYZING: PipelineStage
PIPELINE_STAGE_DATA_PROCESSING: PipelineStage
PIPELINE_STAGE_LABELING: PipelineStage
PIPELINE_STAGE_MODEL_SELECTION: PipelineStage
PIPELINE_STAGE_AWAITING_APPROVAL: PipelineStage
PIPELINE_STAGE_TRAINING: PipelineStage
PIPELINE_STAGE_EVALUATION: PipelineStage
PIPELINE_STAGE_DEPLOYMENT: PipelineStage
PIPELINE_STAGE_COMPLETED: PipelineStage
PIPELINE_STAGE_FAILED: PipelineStage
PIPELINE_STAGE_CANCELLED: PipelineStage
LABELING_TASK_STATE_UNSPECIFIED: LabelingTaskState
LABELING_TASK_STATE_OPEN: LabelingTaskState
LABELING_TASK_STATE_ANSWERED: LabelingTaskState
DECISION_TYPE_UNSPECIFIED: DecisionType
DECISION_TYPE_PROBLEM_TYPE: DecisionType
DECISION_TYPE_TARGET_COLUMN: DecisionType
DECISION_TYPE_DOMAIN: DecisionType
DECISION_TYPE_METRIC: DecisionType
DECISION_TYPE_SUCCESS_CRITERIA: DecisionType
DECISION_TYPE_DROP_COLUMN: DecisionType
DECISION_TYPE_IMPUTATION: DecisionType
DECISION_TYPE_ENCODING: DecisionType
DECISION_TYPE_SPLIT: DecisionType
DECISION_TYPE_LABELING: DecisionType
DECISION_TYPE_MODEL_FAMILY: DecisionType
DECISION_TYPE_HYPERPARAMETERS: DecisionType
DECISION_TYPE_BUDGET: DecisionType
DECISION_TYPE_APPROVAL: DecisionType
DECISION_TYPE_MODEL_CHOICE: DecisionType
DECISION_TYPE_THRESHOLD: DecisionType
DECISION_TYPE_ITERATION: DecisionType
DECISION_TYPE_DEPLOYMENT: DecisionType
DECISION_TYPE_RECOVERY: DecisionType
DECISION_TYPE_CLASS_BALANCE: DecisionType
DECISION_TYPE_CALIBRATION: DecisionType
LOG_LEVEL_UNSPECIFIED: LogLevel
LOG_LEVEL_DEBUG: LogLevel
LOG_LEVEL_INFO: LogLevel
LOG_LEVEL_WARNING: LogLevel
LOG_LEVEL_ERROR: LogLevel

class Project(_message.Message):
    __slots__ = ("name", "id", "display_name", "problem_description", "dataset_id", "data_type", "requires_approval", "current_stage", "stage_progress", "estimated_time_remaining", "model_id", "analysis", "plan", "error", "iteration", "budget", "headline_metric", "webhook_url", "owner", "create_time", "update_time", "complete_time", "labeling_task")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TIME_REMAINING_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    HEADLINE_METRIC_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    LABELING_TASK_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    display_name: str
    problem_description: str
    dataset_id: str
    data_type: _common_pb2.DataType
    requires_approval: bool
    current_stage: PipelineStage
    stage_progress: float
    estimated_time_remaining: float
    model_id: str
    analysis: ProblemAnalysis
    plan: TrainingPlan
    error: ProjectError
    iteration: int
    budget: _duration_pb2.Duration
    headline_metric: Metric
    webhook_url: str
    owner: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    labeling_task: LabelingTask
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., display_name: _Optional[str] = ..., problem_description: _Optional[str] = ..., dataset_id: _Optional[str] = ..., data_type: _Optional[_Union[_common_pb2.DataType, str]] = ..., requires_approval: _Optional[bool] = ..., current_stage: _Optional[_Union[PipelineStage, str]] = ..., stage_progress: _Optional[float] = ..., estimated_time_remaining: _Optional[float] = ..., model_id: _Optional[str] = ..., analysis: _Optional[_Union[ProblemAnalysis, _Mapping]] = ..., plan: _Optional[_Union[TrainingPlan, _Mapping]] = ..., error: _Optional[_Union[ProjectError, _Mapping]] = ..., iteration: _Optional[int] = ..., budget: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., headline_metric: _Optional[_Union[Metric, _Mapping]] = ..., webhook_url: _Optional[str] = ..., owner: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., labeling_task: _Optional[_Union[LabelingTask, _Mapping]] = ...) -> None: ...

class LabelingTask(_message.Message):
    __slots__ = ("state", "target_column", "total_rows", "labeled_rows", "known_classes", "method", "instructions", "columns", "clusters", "sample_rows", "cluster_labels", "row_labels")
    class ClusterLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: str
        def __init__(self, key: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...
    class RowLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: str
        def __init__(self, key: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...
    STATE_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    LABELED_ROWS_FIELD_NUMBER: _ClassVar[int]
    KNOWN_CLASSES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ROWS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_LABELS_FIELD_NUMBER: _ClassVar[int]
    ROW_LABELS_FIELD_NUMBER: _ClassVar[int]
    state: LabelingTaskState
    target_column: str
    total_rows: int
    labeled_rows: int
    known_classes: _containers.RepeatedScalarFieldContainer[str]
    method: str
    instructions: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedCompositeFieldContainer[LabelingCluster]
    sample_rows: _containers.RepeatedCompositeFieldContainer[LabelingRow]
    cluster_labels: _containers.ScalarMap[int, str]
    row_labels: _containers.ScalarMap[int, str]
    def __init__(self, state: _Optional[_Union[LabelingTaskState, str]] = ..., target_column: _Optional[str] = ..., total_rows: _Optional[int] = ..., labeled_rows: _Optional[int] = ..., known_classes: _Optional[_Iterable[str]] = ..., method: _Optional[str] = ..., instructions: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[_Union[LabelingCluster, _Mapping]]] = ..., sample_rows: _Optional[_Iterable[_Union[LabelingRow, _Mapping]]] = ..., cluster_labels: _Optional[_Mapping[int, str]] = ..., row_labels: _Optional[_Mapping[int, str]] = ...) -> None: ...

class LabelingCluster(_message.Message):
    __slots__ = ("id", "size", "top_terms", "feature_ranges", "examples", "suggested_label")
    ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    TOP_TERMS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_RANGES_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_LABEL_FIELD_NUMBER: _ClassVar[int]
    id: int
    size: int
    top_terms: _containers.RepeatedScalarFieldContainer[str]
    feature_ranges: _containers.RepeatedCompositeFieldContainer[FeatureRange]
    examples: _containers.RepeatedCompositeFieldContainer[LabelingRow]
    suggested_label: str
    def __init__(self, id: _Optional[int] = ..., size: _Optional[int] = ..., top_terms: _Optional[_Iterable[str]] = ..., feature_ranges: _Optional[_Iterable[_Union[FeatureRange, _Mapping]]] = ..., examples: _Optional[_Iterable[_Union[LabelingRow, _Mapping]]] = ..., suggested_label: _Optional[str] = ...) -> None: ...

class FeatureRange(_message.Message):
    __slots__ = ("feature", "min", "max", "mean", "overall_mean", "z", "description")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    OVERALL_MEAN_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    min: float
    max: float
    mean: float
    overall_mean: float
    z: float
    description: str
    def __init__(self, feature: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., mean: _Optional[float] = ..., overall_mean: _Optional[float] = ..., z: _Optional[float] = ..., description: _Optional[str] = ...) -> None: ...

class LabelingRow(_message.Message):
    __slots__ = ("row", "cluster_id", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ROW_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    row: int
    cluster_id: int
    values: _containers.ScalarMap[str, str]
    def __init__(self, row: _Optional[int] = ..., cluster_id: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Metric(_message.Message):
    __slots__ = ("name", "value", "higher_is_better", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HIGHER_IS_BETTER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    higher_is_better: bool
    description: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ..., higher_is_better: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class ProjectError(_message.Message):
    __slots__ = ("message", "suggestions", "stage", "category")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    message: str
    suggestions: _containers.RepeatedScalarFieldContainer[str]
    stage: PipelineStage
    category: str
    def __init__(self, message: _Optional[str] = ..., suggestions: _Optional[_Iterable[str]] = ..., stage: _Optional[_Union[PipelineStage, str]] = ..., category: _Optional[str] = ...) -> None: ...

class ProblemAnalysis(_message.Message):
    __slots__ = ("problem_type", "target_column", "domain", "metrics", "success_criteria", "reasoning", "confidence", "data_type", "complexity", "positive_class")
    PROBLEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    REASONING_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_CLASS_FIELD_NUMBER: _ClassVar[int]
    problem_type: _common_pb2.ProblemType
    target_column: str
    domain: str
    metrics: _containers.RepeatedScalarFieldContainer[str]
    success_criteria: _containers.RepeatedCompositeFieldContainer[SuccessCriterion]
    reasoning: str
    confidence: float
    data_type: _common_pb2.DataType
    complexity: float
    positive_class: str
    def __init__(self, problem_type: _Optional[_Union[_common_pb2.ProblemType, str]] = ..., target_column: _Optional[str] = ..., domain: _Optional[str] = ..., metrics: _Optional[_Iterable[str]] = ..., success_criteria: _Optional[_Iterable[_Union[SuccessCriterion, _Mapping]]] = ..., reasoning: _Optional[str] = ..., confidence: _Optional[float] = ..., data_type: _Optional[_Union[_common_pb2.DataType, str]] = ..., complexity: _Optional[float] = ..., positive_class: _Optional[str] = ...) -> None: ...

class SuccessCriterion(_message.Message):
    __slots__ = ("metric", "threshold", "at_least", "class_label", "text", "met", "achieved")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    AT_LEAST_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    ACHIEVED_FIELD_NUMBER: _ClassVar[int]
    metric: str
    threshold: float
    at_least: bool
    class_label: str
    text: str
    met: bool
    achieved: float
    def __init__(self, metric: _Optional[str] = ..., threshold: _Optional[float] = ..., at_least: _Optional[bool] = ..., class_label: _Optional[str] = ..., text: _Optional[str] = ..., met: _Optional[bool] = ..., achieved: _Optional[float] = ...) -> None: ...

class TrainingPlan(_message.Message):
    __slots__ = ("target_column", "problem_type", "metric", "model_families", "budget", "dropped_columns", "hyperparameters", "trainer", "reasoning")
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    MODEL_FAMILIES_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    DROPPED_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    TRAINER_FIELD_NUMBER: _ClassVar[int]
    REASONING_FIELD_NUMBER: _ClassVar[int]
    target_column: str
    problem_type: _common_pb2.ProblemType
    metric: str
    model_families: _containers.RepeatedScalarFieldContainer[str]
    budget: _duration_pb2.Duration
    dropped_columns: _containers.RepeatedCompositeFieldContainer[DroppedColumn]
    hyperparameters: _struct_pb2.Struct
    trainer: str
    reasoning: str
    def __init__(self, target_column: _Optional[str] = ..., problem_type: _Optional[_Union[_common_pb2.ProblemType, str]] = ..., metric: _Optional[str] = ..., model_families: _Optional[_Iterable[str]] = ..., budget: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., dropped_columns: _Optional[_Iterable[_Union[DroppedColumn, _Mapping]]] = ..., hyperparameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., trainer: _Optional[str] = ..., reasoning: _Optional[str] = ...) -> None: ...

class DroppedColumn(_message.Message):
    __slots__ = ("column", "reason")
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    column: str
    reason: str
    def __init__(self, column: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("name", "id", "project_id", "sequence", "stage", "decision_type", "decision", "alternatives", "evidence", "reasoning", "confidence", "reasoner", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    DECISION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASONING_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASONER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    project_id: str
    sequence: int
    stage: PipelineStage
    decision_type: DecisionType
    decision: str
    alternatives: _containers.RepeatedCompositeFieldContainer[Alternative]
    evidence: _struct_pb2.Struct
    reasoning: str
    confidence: float
    reasoner: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., project_id: _Optional[str] = ..., sequence: _Optional[int] = ..., stage: _Optional[_Union[PipelineStage, str]] = ..., decision_type: _Optional[_Union[DecisionType, str]] = ..., decision: _Optional[str] = ..., alternatives: _Optional[_Iterable[_Union[Alternative, _Mapping]]] = ..., evidence: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., reasoning: _Optional[str] = ..., confidence: _Optional[float] = ..., reasoner: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Alternative(_message.Message):
    __slots__ = ("option", "score", "note")
    OPTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    option: str
    score: float
    note: str
    def __init__(self, option: _Optional[str] = ..., score: _Optional[float] = ..., note: _Optional[str] = ...) -> None: ...

class LogEntry(_message.Message):
    __slots__ = ("time", "level", "stage", "message")
    TIME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    level: LogLevel
    stage: PipelineStage
    message: str
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., level: _Optional[_Union[LogLevel, str]] = ..., stage: _Optional[_Union[PipelineStage, str]] = ..., message: _Optional[str] = ...) -> None: ...

class ProgressEvent(_message.Message):
    __slots__ = ("project_id", "sequence", "time", "stage", "stage_progress", "estimated_time_remaining", "stage_change", "log", "decision", "progress")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TIME_REMAINING_FIELD_NUMBER: _ClassVar[int]
    STAGE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    sequence: int
    time: _timestamp_pb2.Timestamp
    stage: PipelineStage
    stage_progress: float
    estimated_time_remaining: float
    stage_change: StageChange
    log: LogEntry
    decision: AuditEntry
    progress: ProgressUpdate
    def __init__(self, project_id: _Optional[str] = ..., sequence: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[_Union[PipelineStage, str]] = ..., stage_progress: _Optional[float] = ..., estimated_time_remaining: _Optional[float] = ..., stage_change: _Optional[_Union[StageChange, _Mapping]] = ..., log: _Optional[_Union[LogEntry, _Mapping]] = ..., decision: _Optional[_Union[AuditEntry, _Mapping]] = ..., progress: _Optional[_Union[ProgressUpdate, _Mapping]] = ...) -> None: ...

class StageChange(_message.Message):
    __slots__ = ("previous_stage", "new_stage", "message")
    PREVIOUS_STAGE_FIELD_NUMBER: _ClassVar[int]
    NEW_STAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    previous_stage: PipelineStage
    new_stage: PipelineStage
    message: str
    def __init__(self, previous_stage: _Optional[_Union[PipelineStage, str]] = ..., new_stage: _Optional[_Union[PipelineStage, str]] = ..., message: _Optional[str] = ...) -> None: ...

class ProgressUpdate(_message.Message):
    __slots__ = ("message", "best")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    BEST_FIELD_NUMBER: _ClassVar[int]
    message: str
    best: Metric
    def __init__(self, message: _Optional[str] = ..., best: _Optional[_Union[Metric, _Mapping]] = ...) -> None: ...

class PipelineProgress(_message.Message):
    __slots__ = ("project_id", "current_stage", "stage_progress", "estimated_time_remaining", "logs", "decisions", "last_sequence", "overall_progress")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TIME_REMAINING_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OVERALL_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    current_stage: PipelineStage
    stage_progress: float
    estimated_time_remaining: float
    logs: _containers.RepeatedCompositeFieldContainer[LogEntry]
    decisions: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    last_sequence: int
    overall_progress: float
    def __init__(self, project_id: _Optional[str] = ..., current_stage: _Optional[_Union[PipelineStage, str]] = ..., stage_progress: _Optional[float] = ..., estimated_time_remaining: _Optional[float] = ..., logs: _Optional[_Iterable[_Union[LogEntry, _Mapping]]] = ..., decisions: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., last_sequence: _Optional[int] = ..., overall_progress: _Optional[float] = ...) -> None: ...
