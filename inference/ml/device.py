"""Device selection and the mixed-precision policy shared by training and inference."""

from __future__ import annotations

import contextlib
import logging
from contextlib import AbstractContextManager

import torch

__all__ = ["autocast_context", "device_description", "pick_device", "to_device"]

log = logging.getLogger(__name__)


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """CUDA when available, else CPU.

    ``preferred`` may be ``None``/``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. Asking for
    CUDA on a host without it falls back to the CPU with a warning rather than failing: a job
    queued from the web form must still run on a CPU-only worker (slowly, but correctly).
    """
    if preferred is None or str(preferred) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(preferred)
    except RuntimeError as exc:
        raise ValueError(f"unknown device {preferred!r}; use 'auto', 'cpu' or 'cuda'") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        log.warning("CUDA requested but not available; using the CPU")
        return torch.device("cpu")
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"unsupported device {preferred!r}; use 'auto', 'cpu' or 'cuda'")
    return device


def autocast_context(device: torch.device) -> AbstractContextManager[object]:
    """bf16 autocast on CUDA (the networks are memory-bound there, bf16 halves the traffic and
    needs no loss scaling); a no-op on CPU, where bf16 convolutions are slower than fp32 on AVX2."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX), where bf16
    convolutions are about twice as fast as fp32 (unlike AVX2, where they are slower)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def device_description(device: torch.device) -> str:
    """Human-readable device, e.g. ``"cpu (2 threads)"`` or ``"NVIDIA H100 80GB HBM3 (79 GiB)"``."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return f"{props.name} ({props.total_memory / 2**30:.0f} GiB)"
    return f"cpu ({torch.get_num_threads()} threads)"


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a tensor; host-to-CUDA copies go through pinned memory and do not block the host."""
    if tensor.device == device:
        return tensor
    if device.type == "cuda" and tensor.device.type == "cpu":
        if not tensor.is_pinned():
            tensor = tensor.pin_memory()
        return tensor.to(device, non_blocking=True)
    return tensor.to(device)
