"""Strict parsing of settings from the environment.

Every value is validated at start-up so that a typo fails loudly with the variable's name
instead of surfacing later as a confusing runtime error. Secrets may also be given as
``NAME_FILE`` pointing at a file (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    file_var = os.environ.get(f"{name}_FILE")
    if file_var:
        try:
            return Path(file_var).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_var!r} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of true/false/1/0/yes/no."
    )


def _converted(name: str, value: str, convert, noun: str):
    """``convert(value)``; ImproperlyConfigured saying the variable is not ``noun``."""
    try:
        return convert(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not {noun}.") from None


def _at_least(name: str, parsed, minimum, spec: str = ""):
    """``parsed`` unless it is below ``minimum`` (both shown with the format ``spec``)."""
    if minimum is not None and parsed < minimum:
        shown, least = format(parsed, spec), format(minimum, spec)
        raise ImproperlyConfigured(f"{name}={shown} must be at least {least}.")
    return parsed


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    return _at_least(name, _converted(name, value, int, "an integer"), minimum)


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    parsed = _converted(name, value, float, "a number")
    if not math.isfinite(parsed):
        raise ImproperlyConfigured(f"{name}={value!r} must be a finite number.")
    return _at_least(name, parsed, minimum, "g")


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, *, schemes: tuple[str, ...]) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={value!r} has an unsupported scheme {scheme!r}; expected one of {', '.join(schemes)}."
        )
    return value


def secret_key(name: str, key_file: Path) -> str:
    """The key in ``name`` (at least 32 characters), else a random one kept in ``key_file``.

    A key kept next to the data lets sessions survive restarts, and nothing secret ever lives
    in the repository.
    """
    configured = env_str(name)
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters long.")
        return configured
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
