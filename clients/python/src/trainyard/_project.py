"""Projects: the pipeline's state, its live progress events and waiting for the end."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Optional

import grpc

from .errors import ProjectFailedError, TrainyardError
from .v1 import project_pb2, project_service_pb2

if TYPE_CHECKING:
    from ._client import Client
    from ._model import Model

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})

# Status codes after which a watch reconnects from its cursor: the stream dropped (a reset
# stream reads as CANCELLED) or the server restarted, rather than the request being wrong.
_RESUMABLE = frozenset({
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL,
    grpc.StatusCode.ABORTED, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED,
})


def stage_name(stage: int) -> str:
    """Returns a PipelineStage value's short name, e.g. "TRAINING"."""
    return project_pb2.PipelineStage.Name(stage).removeprefix("PIPELINE_STAGE_")


@dataclass(frozen=True)
class Event:
    """One progress event of a project.

    Attributes:
        sequence: the event's place in the project's history, from 1 without gaps.
        kind: "stage_change", "decision", "log" or "progress".
        stage: the stage the project is in after the event, e.g. "TRAINING".
        stage_progress: percent of that stage done.
        eta: seconds until the project completes, when known.
        message: the event in one line: the new stage, the decision, the log line or the step.
        confidence: a decision's confidence, 0 to 1 (decisions only).
        reasoning: why a decision was made (decisions only).
        proto: the generated ``trainyard.v1.ProgressEvent`` with every detail.
    """

    sequence: int
    kind: str
    stage: str
    stage_progress: float
    eta: Optional[float]
    message: str
    confidence: Optional[float]
    reasoning: str
    proto: project_pb2.ProgressEvent

    @property
    def terminal(self) -> bool:
        """Whether the project has finished (completed, failed or cancelled)."""
        return self.stage in TERMINAL

    @classmethod
    def from_proto(cls, ev: project_pb2.ProgressEvent) -> "Event":
        """Wraps a generated ProgressEvent."""
        kind = ev.WhichOneof("detail") or ""
        msg, conf, why = "", None, ""
        if kind == "stage_change":
            msg = stage_name(ev.stage_change.new_stage)
            if ev.stage_change.message:
                msg += f": {ev.stage_change.message}"
        elif kind == "decision":
            msg, conf, why = ev.decision.decision, ev.decision.confidence, ev.decision.reasoning
        elif kind == "log":
            msg = ev.log.message
        elif kind == "progress":
            msg = ev.progress.message
        return cls(
            sequence=ev.sequence, kind=kind, stage=stage_name(ev.stage), stage_progress=ev.stage_progress,
            eta=ev.estimated_time_remaining if ev.HasField("estimated_time_remaining") else None,
            message=msg, confidence=conf, reasoning=why, proto=ev,
        )

    def __str__(self) -> str:
        eta = f" (about {self.eta:.0f}s left)" if self.eta is not None else ""
        if self.kind == "stage_change":
            return f"▸ {self.message}{eta}"
        if self.kind == "decision":
            return f"  decision: {self.message} (confidence {100 * (self.confidence or 0):.0f}%)"
        if self.kind == "progress":
            return f"  {self.stage_progress:3.0f}% {self.message}{eta}"
        return f"  {self.message}"


class Project:
    """A training project. Attribute access falls through to the generated
    ``trainyard.v1.Project`` (``project.current_stage``, ``project.analysis``, ...).

    Attributes:
        proto: the project as last read from the server.
        last_sequence: the newest event seen by :meth:`watch`; a new watch resumes after it.
    """

    def __init__(self, client: "Client", proto: project_pb2.Project) -> None:
        self._client = client
        self.proto = proto
        self.last_sequence = 0

    def __getattr__(self, name: str):  # noqa: ANN204 - falls through to the message
        return getattr(self.proto, name)

    def __repr__(self) -> str:
        return f"Project(id={self.id!r}, stage={self.stage!r}, model_id={self.model_id!r})"

    @property
    def id(self) -> str:
        """The project's id."""
        return self.proto.id

    @property
    def stage(self) -> str:
        """The current stage's short name, e.g. "TRAINING" or "COMPLETED"."""
        return stage_name(self.proto.current_stage)

    @property
    def model_id(self) -> str:
        """The deployed model's id, once the project has completed."""
        return self.proto.model_id

    @property
    def done(self) -> bool:
        """Whether the project has finished."""
        return self.stage in TERMINAL

    def refresh(self) -> "Project":
        """Reads the project again and returns self."""
        self.proto = self._client._call(
            self._client._projects.GetProject, project_service_pb2.GetProjectRequest(name=f"projects/{self.id}"))
        return self

    def watch(self, after_sequence: Optional[int] = None, *, max_reconnects: int = 20,
              backoff: float = 0.25, max_backoff: float = 5.0) -> Iterator[Event]:
        """Yields the project's progress events in order until the project finishes.

        The events come from the WatchProject gRPC stream. A stream that drops (a lost
        connection, a restarting server) is reopened after the last event seen, so every event
        is yielded exactly once. ``after_sequence`` starts after that event (default: after the
        last one this object has seen, so 0 replays the whole history the first time).

        Raises:
            TrainyardError: the watch could not be resumed after ``max_reconnects`` attempts in a
                row without a new event, or the server refused it.
        """
        if after_sequence is not None:
            self.last_sequence = after_sequence
        failures, pause = 0, backoff
        while True:
            terminal = False
            call = self._client._projects.WatchProject(project_service_pb2.WatchProjectRequest(
                name=f"projects/{self.id}", after_sequence=self.last_sequence))
            try:
                for pe in call:
                    if pe.sequence <= self.last_sequence:
                        continue
                    self.last_sequence = pe.sequence
                    failures, pause = 0, backoff
                    ev = Event.from_proto(pe)
                    terminal = ev.terminal
                    yield ev
                if terminal:
                    self.refresh()
                    return
                err: Optional[grpc.RpcError] = None
            except grpc.RpcError as e:
                if e.code() not in _RESUMABLE:
                    raise self._client._error(e) from None
                err = e
            finally:
                call.cancel()
            failures += 1
            if failures > max_reconnects:
                if err is not None:
                    raise self._client._error(err) from None
                raise TrainyardError(f"watch of project {self.id} kept ending before the project finished")
            time.sleep(pause)
            pause = min(pause * 2, max_backoff)

    def wait(self, *, on_event: Optional[Callable[[Event], None]] = None, raise_on_failure: bool = True,
             verbose: bool = False) -> "Project":
        """Follows the project until it finishes and returns it (with ``model_id`` when it
        completed). ``on_event`` sees every event; ``verbose`` prints them.

        Raises:
            ProjectFailedError: the project ended FAILED or CANCELLED (unless raise_on_failure
                is False).
        """
        if not self.done:
            for ev in self.watch():
                if verbose:
                    print(ev, flush=True)
                if on_event is not None:
                    on_event(ev)
        self.refresh()
        if raise_on_failure and self.stage != "COMPLETED":
            raise ProjectFailedError(self)
        return self

    @property
    def model(self) -> "Model":
        """The deployed model (after the project completed)."""
        if not self.model_id:
            self.refresh()
        if not self.model_id:
            raise TrainyardError(f"project {self.id} has no model yet (stage {self.stage})")
        return self._client.models.get(self.model_id)

    def approve(self, *, budget: Optional[float] = None, model_families: Optional[list[str]] = None,
                comment: str = "") -> "Project":
        """Approves the plan of a project waiting for approval; budget is in seconds."""
        req = project_service_pb2.ApproveProjectRequest(name=f"projects/{self.id}", comment=comment,
                                                        model_families=model_families or [])
        if budget is not None:
            req.budget.FromTimedelta(_seconds(budget))
        self.proto = self._client._call(self._client._projects.ApproveProject, req)
        return self

    def cancel(self, reason: str = "") -> "Project":
        """Cancels the project."""
        self.proto = self._client._call(self._client._projects.CancelProject,
                                        project_service_pb2.CancelProjectRequest(name=f"projects/{self.id}", reason=reason))
        return self

    def decisions(self) -> list[project_pb2.AuditEntry]:
        """Returns every decision the agents made, in order."""
        out: list[project_pb2.AuditEntry] = []
        token = ""
        while True:
            res = self._client._call(self._client._projects.ListAuditEntries, project_service_pb2.ListAuditEntriesRequest(
                parent=f"projects/{self.id}", page_size=1000, page_token=token))
            out.extend(res.audit_entries)
            token = res.next_page_token
            if not token:
                return out


def _seconds(s: float):  # noqa: ANN202
    import datetime

    return s if isinstance(s, datetime.timedelta) else datetime.timedelta(seconds=float(s))
