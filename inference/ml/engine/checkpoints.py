"""Atomic checkpoint writes and safe (weights-only) loads."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["CHECKPOINT_FORMAT", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FORMAT = 1


def _plain(value: Any) -> Any:
    """Convert NumPy/torch scalars and containers to plain Python, as ``weights_only`` loading
    accepts nothing else outside tensors."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    return value


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "_orig_mod", model)  # torch.compile wraps the module


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    epoch: int,
    history: list[dict[str, Any]],
    extra: dict[str, Any],
    publish: Callable[[Callable[[], None]], None] | None = None,
) -> None:
    """Write a checkpoint atomically: a temporary file in the same directory, then
    ``os.replace``, so a crash or a concurrent reader never sees a half-written file.

    ``publish(replace)``, when given, decides whether the file takes the checkpoint's place: it
    calls ``replace()`` (under a lock of its own, say) or raises, and the temporary file goes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "model": _unwrap(model).state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "epoch": int(epoch),
        "history": _plain(history),
        "extra": _plain(extra),
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(state, fh)
            fh.flush()
            os.fsync(fh.fileno())

        def replace() -> None:
            os.replace(tmp_name, path)

        (publish or (lambda done: done()))(replace)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Restore weights (and optimiser state if given); returns ``{"epoch", "history", "extra"}``.

    Loads with ``weights_only=True``: checkpoints can come from users, and unpickling arbitrary
    objects would execute code.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint")
    _unwrap(model).load_state_dict(state["model"])
    if optimizer is not None:
        if state.get("optimizer") is None:
            raise ValueError(f"{path} holds no optimiser state")
        optimizer.load_state_dict(state["optimizer"])
    return {
        "epoch": int(state.get("epoch", 0)),
        "history": list(state.get("history") or []),
        "extra": dict(state.get("extra") or {}),
    }
