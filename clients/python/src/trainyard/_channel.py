"""The gRPC channel: TLS or plaintext by URL scheme, the API key on every call, and retries
of calls that fail with UNAVAILABLE."""
from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import urlparse

import grpc

# gRPC retries a call that fails UNAVAILABLE before any answer arrived (server restarting,
# connection refused for a moment), with exponential backoff.
_SERVICE_CONFIG = json.dumps({
    "methodConfig": [{
        "name": [{}],
        "retryPolicy": {
            "maxAttempts": 5,
            "initialBackoff": "0.2s",
            "maxBackoff": "3s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }],
})

MAX_MESSAGE = 64 << 20


class _Details(grpc.ClientCallDetails):  # type: ignore[misc]
    def __init__(self, base: grpc.ClientCallDetails, metadata: list[tuple[str, str]]) -> None:
        self.method = base.method
        self.timeout = base.timeout
        self.metadata = metadata
        self.credentials = base.credentials
        self.wait_for_ready = getattr(base, "wait_for_ready", None)
        self.compression = getattr(base, "compression", None)


class _AuthInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                       grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: Bearer <key>`` to every call."""

    def __init__(self, key: str) -> None:
        self._md = [("authorization", f"Bearer {key}")] if key else []

    def _details(self, d: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return _Details(d, list(d.metadata or []) + self._md)

    def intercept_unary_unary(self, continuation: Callable[..., Any], d: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(d), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any], d: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(d), request)

    def intercept_stream_unary(self, continuation: Callable[..., Any], d: grpc.ClientCallDetails, it: Any) -> Any:
        return continuation(self._details(d), it)

    def intercept_stream_stream(self, continuation: Callable[..., Any], d: grpc.ClientCallDetails, it: Any) -> Any:
        return continuation(self._details(d), it)


def target_of(url: str) -> tuple[str, bool]:
    """Returns the gRPC target (host:port) of a URL and whether it uses TLS."""
    p = urlparse(url)
    tls = p.scheme == "https"
    port = p.port or (443 if tls else 80)
    return f"{p.hostname}:{port}", tls


def open_channel(url: str, key: str) -> grpc.Channel:
    """Opens a channel to the server at url that sends key on every call."""
    target, tls = target_of(url)
    options = [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", _SERVICE_CONFIG),
        ("grpc.max_receive_message_length", MAX_MESSAGE),
        ("grpc.max_send_message_length", MAX_MESSAGE),
        ("grpc.keepalive_time_ms", 30000),
    ]
    if tls:
        ch = grpc.secure_channel(target, grpc.ssl_channel_credentials(), options=options)
    else:
        ch = grpc.insecure_channel(target, options=options)
    return grpc.intercept_channel(ch, _AuthInterceptor(key))
