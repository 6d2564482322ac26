"""Where the client finds the server URL and the API key."""
from __future__ import annotations

import json
import os
import pathlib
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlparse

from .errors import ConfigurationError

DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class Settings:
    """The server and key a client uses, and where each came from."""

    url: str
    api_key: str
    url_source: str
    key_source: str


def credentials_path(environ: Mapping[str, str] | None = None) -> pathlib.Path:
    """Returns the credentials file the CLI's ``login`` and the server's first start write:
    ``$XDG_CONFIG_HOME/trainyard/credentials.json`` or ``~/.config/trainyard/credentials.json``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    if base:
        return pathlib.Path(base) / "trainyard" / "credentials.json"
    home = env.get("HOME") or str(pathlib.Path.home())
    return pathlib.Path(home) / ".config" / "trainyard" / "credentials.json"


def _same(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def resolve(url: str | None = None, api_key: str | None = None, *,
            environ: Mapping[str, str] | None = None) -> Settings:
    """Picks the URL and key: the arguments, else TRAINYARD_URL / TRAINYARD_API_KEY, else the
    credentials file, else http://127.0.0.1:8080 and no key. A key from the file is only sent
    to the server the file names."""
    env = os.environ if environ is None else environ
    u, us = (url, "url=") if url else (env.get("TRAINYARD_URL", ""), "TRAINYARD_URL")
    k, ks = (api_key, "api_key=") if api_key else (env.get("TRAINYARD_API_KEY", ""), "TRAINYARD_API_KEY")
    if not u or not k:
        path = credentials_path(env)
        try:
            saved = json.loads(path.read_text())
        except FileNotFoundError:
            saved = {}
        except (OSError, ValueError) as e:
            raise ConfigurationError(f"read {path}: {e}") from e
        file_url, file_key = saved.get("url", ""), saved.get("apiKey", "")
        same = not u or not file_url or _same(u, file_url)
        if not u and file_url:
            u, us = file_url, str(path)
        if not k and file_key and same:
            k, ks = file_key, str(path)
    if not u:
        u, us = DEFAULT_URL, "default"
    u = u.strip().rstrip("/")
    p = urlparse(u)
    if p.scheme not in ("http", "https") or not p.netloc:
        raise ConfigurationError(f"server URL {u!r} (from {us}): want http://HOST:PORT or https://HOST")
    return Settings(url=u, api_key=(k or "").strip(), url_source=us, key_source=ks if k else "")


def require_key(s: Settings) -> None:
    """Raises ConfigurationError saying how to get a key when s has none."""
    if not s.api_key:
        raise ConfigurationError(
            f"no API key for {s.url}: pass api_key=, set TRAINYARD_API_KEY or run `trainyard login --url {s.url}`; "
            "an admin makes keys with `trainyard admin create-key --email you@example.com`")
