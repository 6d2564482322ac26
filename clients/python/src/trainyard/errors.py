"""Typed exceptions for Trainyard calls, one per gRPC status code."""
from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

if TYPE_CHECKING:
    from ._project import Project

__all__ = [
    "TrainyardError",
    "CancelledError",
    "InvalidArgumentError",
    "DeadlineExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "AbortedError",
    "UnimplementedError",
    "InternalError",
    "UnavailableError",
    "UnauthenticatedError",
    "ConfigurationError",
    "ProjectFailedError",
    "from_rpc_error",
]


class TrainyardError(Exception):
    """Base class of every error this package raises.

    Attributes:
        code: the gRPC status code, or None for errors that did not come from a call.
        message: the server's message.
    """

    code: grpc.StatusCode | None = None

    def __init__(self, message: str, *, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class CancelledError(TrainyardError):
    """The call was cancelled."""

    code = grpc.StatusCode.CANCELLED


class InvalidArgumentError(TrainyardError):
    """The request was malformed (an empty description, an unknown column, ...)."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceededError(TrainyardError):
    """The call ran past its deadline."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFoundError(TrainyardError):
    """No such project, dataset or model (or it belongs to someone else)."""

    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(TrainyardError):
    """The resource exists already."""

    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDeniedError(TrainyardError):
    """The key may not do this (a viewer key, or one limited to one model)."""

    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(TrainyardError):
    """A limit was reached: requests per minute, concurrent projects, dataset size."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPreconditionError(TrainyardError):
    """The resource is not in a state that allows this (e.g. approving a running project)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class AbortedError(TrainyardError):
    """The call was aborted by a conflict."""

    code = grpc.StatusCode.ABORTED


class UnimplementedError(TrainyardError):
    """The server does not offer this call (or the URL is not a Trainyard server)."""

    code = grpc.StatusCode.UNIMPLEMENTED


class InternalError(TrainyardError):
    """The server failed; its log has the details under the request's correlation id."""

    code = grpc.StatusCode.INTERNAL


class UnavailableError(TrainyardError):
    """The server could not be reached (after retries)."""

    code = grpc.StatusCode.UNAVAILABLE


class UnauthenticatedError(TrainyardError):
    """No API key was sent, or the server rejected it (unknown, revoked or expired)."""

    code = grpc.StatusCode.UNAUTHENTICATED


class ConfigurationError(TrainyardError):
    """The client has no usable URL or API key."""


class ProjectFailedError(TrainyardError):
    """A project ended FAILED or CANCELLED instead of COMPLETED.

    Attributes:
        project: the finished project, with ``project.error`` telling why.
        suggestions: what to try next, from the server.
    """

    def __init__(self, project: "Project") -> None:
        err = project.proto.error
        stage = project.stage
        msg = f"project {project.id} ended {stage}"
        if err.message:
            msg += f": {err.message}"
        super().__init__(msg)
        self.project = project
        self.suggestions = list(err.suggestions)


_BY_CODE: dict[grpc.StatusCode, type[TrainyardError]] = {
    cls.code: cls
    for cls in (
        CancelledError,
        InvalidArgumentError,
        DeadlineExceededError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        ResourceExhaustedError,
        FailedPreconditionError,
        AbortedError,
        UnimplementedError,
        InternalError,
        UnavailableError,
        UnauthenticatedError,
    )
}


def from_rpc_error(err: grpc.RpcError, *, url: str = "", key_source: str = "") -> TrainyardError:
    """Returns the typed exception for a failed gRPC call, with a message that says what to do
    for the common configuration mistakes (wrong URL, missing or rejected key)."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = (err.details() if hasattr(err, "details") else None) or str(err)
    msg = details
    if code == grpc.StatusCode.UNAVAILABLE and url:
        msg = (f"cannot reach a Trainyard server at {url}: is `trainyard serve` running there? "
               f"Check url=, TRAINYARD_URL or `trainyard login --url URL` ({details})")
    elif code == grpc.StatusCode.UNAUTHENTICATED and key_source:
        msg = (f"the server at {url} rejected the API key from {key_source} (expired, revoked or mistyped): "
               f"ask an admin for a new one (`trainyard admin create-key --email you@example.com`) "
               f"and run `trainyard login` ({details})")
    elif code == grpc.StatusCode.UNIMPLEMENTED and url and ("404" in details or "405" in details):
        msg = f"{url} does not answer like a Trainyard server (wrong URL, path or port?) ({details})"
    cls = _BY_CODE.get(code, TrainyardError)
    e = cls(msg, code=code)
    e.__cause__ = err
    return e
