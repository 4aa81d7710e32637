"""Reading weights from outside: plain PyTorch state dicts and the archives they come in.

Every check here runs before anything is stored, and each failure raises ``WeightsError`` with a
message that says what is wrong and what to do. Files are only ever loaded with
``torch.load(weights_only=True)`` (tensors and plain values; no code runs), and a zip is
inspected entry by entry before a byte is extracted, so a zip bomb or a path that climbs out of
the folder is refused instead of unpacked.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import torch

from .heads import HeadLayout, attach_heads
from .nets import ALIASES, MODEL_NAMES, create_model

__all__ = [
    "ZipLimits",
    "WeightsError",
    "canonical_arch",
    "check_state_dict",
    "extract_zip",
    "read_state_dict",
    "state_dict_from_payload",
    "zip_names",
]

_PREFIXES = ("_orig_mod.", "module.")


class WeightsError(ValueError):
    """Weights or an archive that cannot become a model version; the message says why."""


@dataclass(frozen=True)
class ZipLimits:
    """Unet64's weights are 158 MB (TorchScript as much again), so 1 GiB leaves room; weights
    and test tensors compress by a few percent, a bomb by a factor of hundreds."""

    max_entries: int = 256
    max_total_bytes: int = 1 << 30
    max_ratio: float = 100.0
    ratio_from_bytes: int = 1 << 20


def canonical_arch(arch: str) -> str:
    """``unet16_gcn_ssc`` builds the OS-Net module; weights of one fit the other."""
    return ALIASES.get(arch, arch)


def _entry_problem(info: zipfile.ZipInfo, limits: ZipLimits) -> str | None:
    path = PurePosixPath(info.filename)
    if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
        return f"the entry “{info.filename}” points outside the package"
    if info.file_size > limits.ratio_from_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        return (
            f"the entry “{info.filename}” would expand {info.file_size / max(info.compress_size, 1):.0f}"
            f" times (more than {limits.max_ratio:.0f}): refused as a zip bomb"
        )
    return None


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise WeightsError(
            f"The file is not a readable zip archive (corrupt or truncated: {exc})."
        ) from None


def zip_names(path: Path) -> list[str]:
    """The names of the files in the zip at ``path``, read from its directory (nothing is
    extracted): a package is told from a PyTorch file, which is a zip of one entry per tensor."""
    with _open_zip(path) as archive:
        return [i.filename for i in archive.infolist() if not i.is_dir()]


def extract_zip(path: Path, dest: Path, *, limits: ZipLimits = ZipLimits(), only=None) -> list[str]:
    """Check every entry, then extract into ``dest``; returns the names of the files. With
    ``only`` (a test of a name), every entry is still checked but only those it passes are
    written (a package's description without its weights)."""
    with _open_zip(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_entries:
            raise WeightsError(
                f"The archive holds {len(infos)} files; a model package has at most "
                f"{limits.max_entries}."
            )
        total = sum(i.file_size for i in infos)
        if total > limits.max_total_bytes:
            raise WeightsError(
                f"The archive would expand to {total / 2**20:.0f} MiB, more than the "
                f"{limits.max_total_bytes / 2**20:.0f} MiB a model needs: refused as a zip bomb."
            )
        for info in infos:
            problem = _entry_problem(info, limits)
            if problem:
                raise WeightsError(f"The archive is refused: {problem}.")
        names = []
        for info in infos:
            names.append(info.filename)
            if only is not None and not only(info.filename):
                continue
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                _copy_capped(archive, info, target)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise WeightsError(
                    f"The archive is corrupt: “{info.filename}” cannot be read ({exc})."
                ) from None
    return names


def _copy_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one entry, never writing more than it declared (a forged header cannot overflow)."""
    written = 0
    with archive.open(info) as src, target.open("wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise ValueError("more data than its header declares")
            out.write(chunk)


def read_state_dict(data: bytes, *, limits: ZipLimits = ZipLimits()) -> Any:
    """``torch.load(weights_only=True)`` of a file's bytes, after the zip checks of a torch file."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                total = sum(i.file_size for i in infos)
                if total > limits.max_total_bytes:
                    raise WeightsError(
                        f"The file would expand to {total / 2**20:.0f} MiB: refused as a zip bomb."
                    )
                for info in infos:
                    problem = _entry_problem(info, limits)
                    if problem:
                        raise WeightsError(f"The file is refused: {problem}.")
        except zipfile.BadZipFile as exc:
            raise WeightsError(f"The file is a corrupt archive ({exc}).") from None
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # torch raises many types for foreign or damaged files
        raise WeightsError(
            "The file is neither a bioimage.io package (.zip with rdf.yaml) nor a PyTorch state "
            "dict (a dict of tensors that loads with torch.load(weights_only=True))."
        ) from None


def state_dict_from_payload(payload: Any) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of a plain state dict, a CellWeb weights file or a training checkpoint, with
    the file's plain metadata (``arch``, ``input_size`` when present)."""
    meta: dict[str, Any] = {}
    if isinstance(payload, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(payload.get(key), Mapping):
                meta = {k: v for k, v in payload.items() if isinstance(v, str | int | float)}
                payload = payload[key]
                break
    if not isinstance(payload, Mapping) or not payload:
        raise WeightsError(
            "The file holds no state dict (a mapping of parameter names to tensors)."
        )
    state: dict[str, torch.Tensor] = {}
    for key, value in payload.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise WeightsError(
                f"The state dict's entry “{key}” is not a tensor; is this a whole checkpoint?"
            )
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
        state[key] = value
    return state, meta


def check_state_dict(
    arch: str,
    state: Mapping[str, torch.Tensor],
    *,
    in_channels: int = 1,
    layout: HeadLayout | None = None,
) -> None:
    """Raise unless ``state`` has exactly the keys and shapes of ``create_model(arch)`` (with
    ``in_channels`` inputs and, given a ``layout``, its output heads attached)."""
    if arch not in MODEL_NAMES:
        raise WeightsError(
            f"Unknown architecture “{arch}”; CellWeb's networks are {', '.join(MODEL_NAMES)}."
        )
    with torch.device("meta"):  # shapes only: no memory, no initialisation
        network = create_model(arch, in_channels=in_channels)
        if layout is not None:
            attach_heads(network, layout)
        expected = {k: tuple(v.shape) for k, v in network.state_dict().items()}
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        detail = (f"missing {len(missing)} (e.g. “{missing[0]}”)" if missing else "") + (
            f"{', ' if missing else ''}unexpected {len(unexpected)} (e.g. “{unexpected[0]}”)"
            if unexpected
            else ""
        )
        raise WeightsError(
            f"These weights do not fit the {arch} network: {detail}. Is it another architecture?"
        )
    for key, shape in expected.items():
        got = tuple(state[key].shape)
        if got != shape:
            raise WeightsError(
                f"These weights do not fit the {arch} network: “{key}” has shape {list(got)}, "
                f"the network expects {list(shape)}."
            )
