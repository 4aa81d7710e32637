"""How to import a file, as one record: its modality and channel, where in it to read (HDF5
dataset, time point), where it comes from (lab, voxel size, frame interval) and the channels of a
multi-channel label-free image (docs/channels.md).

Each entry (the upload forms, the API's input serializers, the import commands) builds one
``ImportOptions``; the services pass it down (batch, job, field, file, inspection). An import job
keeps it in its ``params`` under the keys of ``to_dict``, which ``from_dict`` reads back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from annotations.models import Modality
from annotations.services.imports.channels import parse_channel_names
from annotations.services.imports.checks import voxel_size_check
from annotations.services.imports.series import frame_interval_check
from annotations.services.projects import lab_check


@dataclass(frozen=True)
class ImportOptions:
    """``modality`` of the file (the label-free modality of a folder's fields); ``channel`` names
    a fluorescence channel (“DAPI”) or picks one of a multi-channel file; ``dataset`` is the
    path inside a generic HDF5 file; ``time_index`` the time point to keep or to store a single
    stack at (None: the file's own); ``first_time_index`` where every time point of the file
    goes in the specimen's series, the file's first at it and the others after it (a chunk of a
    time-lapse saved in several files); ``voxel_size`` (z, y, x) µm overrides the file's own;
    ``frame_interval_min`` the minutes between time points; ``channel_axis``,
    ``channel_names`` and ``stain_channels`` describe a multi-channel label-free image."""

    modality: str
    channel: str = ""
    dataset: str = ""
    time_index: int | None = None
    lab: str = ""
    voxel_size: tuple[float, ...] | None = None
    channel_axis: int | None = None
    channel_names: tuple[str, ...] = ()
    stain_channels: tuple[str, ...] = ()
    frame_interval_min: float | None = None
    first_time_index: int | None = None

    def __post_init__(self):
        # Lists (JSON, the command line) kept as tuples, so the record stays frozen; names may
        # also come as text (“bf,phase”).
        if self.voxel_size is not None:
            object.__setattr__(self, "voxel_size", tuple(self.voxel_size))
        for name in ("channel_names", "stain_channels"):
            object.__setattr__(self, name, tuple(parse_channel_names(getattr(self, name))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, under the keys an import job's ``params`` have always used; the first
        time point only where one is given."""
        first = {} if self.first_time_index is None else {"first_time_index": self.first_time_index}
        return {
            "modality": self.modality,
            "channel": self.channel,
            "dataset": self.dataset,
            "time_index": self.time_index,
            "lab": self.lab,
            "voxel_size": list(self.voxel_size) if self.voxel_size else None,
            "channel_axis": self.channel_axis,
            "channel_names": list(self.channel_names),
            "stain_channels": list(self.stain_channels),
            "frame_interval_min": self.frame_interval_min,
            **first,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ImportOptions:
        """The record from ``to_dict``'s keys (a job's ``params``, validated input); a key left
        out or empty takes its default, other keys are not read."""
        return cls(
            modality=values.get("modality", ""),
            channel=values.get("channel") or "",
            dataset=values.get("dataset") or "",
            time_index=values.get("time_index"),
            lab=values.get("lab") or "",
            voxel_size=values.get("voxel_size") or None,
            channel_axis=values.get("channel_axis"),
            channel_names=values.get("channel_names") or (),
            stain_channels=values.get("stain_channels") or (),
            frame_interval_min=values.get("frame_interval_min"),
            first_time_index=values.get("first_time_index"),
        )

    @classmethod
    def take(cls, values: Mapping[str, Any]) -> tuple[ImportOptions, dict[str, Any]]:
        """The record of the options in ``values`` and the rest of ``values`` (what else an
        import service takes: the upload, the specimen name, a folder's pattern)."""
        keys = {f.name for f in fields(cls)}
        return cls.from_dict(values), {k: v for k, v in values.items() if k not in keys}

    def checked(self) -> ImportOptions:
        """The lab, the voxel size and the frame interval checked as a person gave them."""
        return replace(
            self,
            lab=lab_check(self.lab),
            voxel_size=voxel_size_check(self.voxel_size),
            frame_interval_min=frame_interval_check(self.frame_interval_min),
        )

    def frame(self, time_index: int | None) -> ImportOptions:
        """The options of a label-free file stored at ``time_index`` (a frame of a time-lapse
        saved one file per frame; None: the file's own time points)."""
        return replace(self, time_index=time_index)

    def stain(self, channel: str, time_index: int | None) -> ImportOptions:
        """The options of a field's stain file: fluorescence of ``channel`` at ``time_index``,
        from the same lab with the same voxel size, without the label-free image's channels."""
        return replace(
            self,
            modality=Modality.FLUORESCENCE,
            channel=channel,
            time_index=time_index,
            channel_axis=None,
            channel_names=(),
            stain_channels=(),
        )
