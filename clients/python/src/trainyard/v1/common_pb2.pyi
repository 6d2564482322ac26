# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class DataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_TYPE_UNSPECIFIED: _ClassVar[DataType]
    DATA_TYPE_TABULAR: _ClassVar[DataType]
    DATA_TYPE_TEXT: _ClassVar[DataType]
    DATA_TYPE_IMAGE: _ClassVar[DataType]
    DATA_TYPE_MULTIMODAL: _ClassVar[DataType]

class ProblemType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROBLEM_TYPE_UNSPECIFIED: _ClassVar[ProblemType]
    PROBLEM_TYPE_BINARY_CLASSIFICATION: _ClassVar[ProblemType]
    PROBLEM_TYPE_MULTICLASS_CLASSIFICATION: _ClassVar[ProblemType]
    PROBLEM_TYPE_REGRESSION: _ClassVar[ProblemType]
    PROBLEM_TYPE_IMAGE_OBJECT_DETECTION: _ClassVar[ProblemType]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_MEMBER: _ClassVar[Role]
    ROLE_VIEWER: _ClassVar[Role]
DATA_TYPE_UNSPECIFIED: DataType
DATA_TYPE_TABULAR: DataType
DATA_TYPE_TEXT: DataType
DATA_TYPE_IMAGE: DataType
DATA_TYPE_MULTIMODAL: DataType
PROBLEM_TYPE_UNSPECIFIED: ProblemType
PROBLEM_TYPE_BINARY_CLASSIFICATION: ProblemType
PROBLEM_TYPE_MULTICLASS_CLASSIFICATION: ProblemType
PROBLEM_TYPE_REGRESSION: ProblemType
PROBLEM_TYPE_IMAGE_OBJECT_DETECTION: ProblemType
ROLE_UNSPECIFIED: Role
ROLE_ADMIN: Role
ROLE_MEMBER: Role
ROLE_VIEWER: Role
