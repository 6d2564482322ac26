"""Trainyard's Python client.

Upload data, describe what to predict in plain words, follow the agents' progress live, and
use the deployed model::

    import trainyard

    client = trainyard.Client()          # TRAINYARD_URL / TRAINYARD_API_KEY or saved credentials
    project = client.projects.create(description="predict the species", data="penguins.csv", budget=30)
    project.wait(verbose=True)           # streams stages, decisions and the ETA
    model = project.model
    model.predict(df)                    # a DataFrame with predictions and probabilities
    model.download("penguins.onnx", format="onnx")

The generated Protobuf messages and gRPC stubs are in ``trainyard.v1``.
"""
from ._client import Client, Datasets, Models, Projects
from ._model import Model, Prediction
from ._project import Event, Project, stage_name
from ._settings import Settings, credentials_path, resolve
from .errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    ConfigurationError,
    DeadlineExceededError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ProjectFailedError,
    ResourceExhaustedError,
    TrainyardError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)

__version__ = "0.1.0"

__all__ = [
    "Client", "Datasets", "Projects", "Models", "Project", "Model", "Prediction", "Event", "Settings",
    "stage_name", "credentials_path", "resolve",
    "TrainyardError", "ConfigurationError", "ProjectFailedError", "AbortedError", "AlreadyExistsError",
    "CancelledError", "DeadlineExceededError", "FailedPreconditionError", "InternalError",
    "InvalidArgumentError", "NotFoundError", "PermissionDeniedError", "ResourceExhaustedError",
    "UnauthenticatedError", "UnavailableError", "UnimplementedError",
]
