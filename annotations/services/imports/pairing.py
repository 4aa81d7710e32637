"""Pairing the files of a folder into fields by a name pattern (pure: names in, a plan out).

A pattern is a file name with placeholders: ``{specimen}`` (required) names the field, and so the
specimen it becomes; ``{channel}`` (optional) tells the label-free image from its stain;
``{time}`` (optional, digits) numbers the frames of a time-lapse saved one file per frame, which
become the time points of one specimen; ``*`` matches anything and ``?`` one character. The
default, ``{specimen}_c{channel}.*``, pairs ``dish1_f03_c1.tif`` (label-free, channel 1) with
``dish1_f03_c2.tif`` (stain, channel 2) into specimen ``dish1_f03``. Matching ignores case; every file not used is listed with the reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cellweb.errors import InvalidInput

DEFAULT_PATTERN = "{specimen}_c{channel}.*"
DEFAULT_LABEL_FREE = "1"
DEFAULT_STAIN = "2"

_PLACEHOLDERS = {
    "{specimen}": r"(?P<specimen>.+?)",
    "{channel}": r"(?P<channel>[^_.\-\s]+?)",
    "{time}": r"(?P<time>[0-9]+)(?![0-9])",
}
_NAMES = ("{specimen}", "{channel}", "{time}")


@dataclass(frozen=True)
class FrameFiles:
    """One time point of a field saved one file per frame: its number and its files."""

    time_index: int
    label_free: str
    stain: str | None = None


@dataclass(frozen=True)
class FieldFiles:
    """One field of view: its label-free image and, when there is one, its stain. A time-lapse
    saved one file per frame (``{time}`` in the pattern) lists its ``frames`` in time order;
    ``label_free`` and ``stain`` are then its first frame's."""

    specimen: str
    label_free: str
    stain: str | None = None
    frames: tuple[FrameFiles, ...] = ()

    @property
    def names(self) -> list[str]:
        if self.frames:
            return [name for f in self.frames for name in (f.label_free, f.stain) if name]
        return [self.label_free] + ([self.stain] if self.stain else [])

    @property
    def timeline(self) -> tuple[tuple[int | None, str, str | None], ...]:
        """(time point, label-free file, stain file) per frame; one frame at no set time point
        for a field of one file."""
        if self.frames:
            return tuple((f.time_index, f.label_free, f.stain) for f in self.frames)
        return ((None, self.label_free, self.stain),)


@dataclass
class Pairing:
    fields: list[FieldFiles] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def describe(
        self,
        *,
        stain_channels: Sequence[str] = (),
        named: Mapping[str, Sequence[str]] | None = None,
    ) -> list[str]:
        """One line per field and per skipped file; ``stain_channels``: the stain is a channel
        of each label-free file (``--stain-channels``), named where a field has no stain file;
        ``named``: by field, the stain channels its label-free file names itself (the import
        picks them by their names)."""
        lines = [
            f"  {f.specimen}: {f.label_free}"
            + (f" + stain {f.stain}" if f.stain else _inside(stain_channels, named, f.specimen))
            if not f.frames
            else f"  {f.specimen}: {len(f.frames)} frame(s), time points "
            f"{_listed([frame.time_index for frame in f.frames])}"
            + _stained(f.frames, _inside(stain_channels, named, f.specimen))
            for f in self.fields
        ]
        lines += [f"  skipped {name}: {reason}" for name, reason in self.skipped]
        return lines


def _inside(
    stain_channels: Sequence[str], named: Mapping[str, Sequence[str]] | None, specimen: str
) -> str:
    """What a field without a stain file holds of a stain: channels of its own file, or none."""
    if stain_channels:
        return f" + stain channel {', '.join(stain_channels)} of the same file"
    picked = (named or {}).get(specimen)
    if picked:
        return (
            f" + stain channel {', '.join(picked)} of the same file, picked by "
            f"{'its name' if len(picked) == 1 else 'their names'} in the file"
        )
    return " (no stain)"


def _stained(frames: tuple[FrameFiles, ...], inside: str) -> str:
    count = sum(1 for frame in frames if frame.stain)
    # A semicolon: after the list of time points, ", 3 with a stain" read as a fourth one.
    return f"; {count} with a stain" if count else inside


def _listed(numbers: list[int], most: int = 12) -> str:
    """“1, 2, 10”, or the first few and the last of a long series: “1, 2, 3, …, 120”."""
    if len(numbers) <= most:
        return ", ".join(map(str, numbers))
    return ", ".join(map(str, numbers[: most - 2])) + f", …, {numbers[-1]}"


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression of a name pattern; InvalidInput saying what is wrong with it."""
    pattern = (pattern or "").strip()
    if pattern.count("{specimen}") != 1:
        raise InvalidInput(
            f"The name pattern “{pattern}” must contain “{{specimen}}” exactly once, e.g. "
            f"“{DEFAULT_PATTERN}”."
        )
    for name in _NAMES[1:]:
        if pattern.count(name) > 1:
            raise InvalidInput(f"The name pattern “{pattern}” may contain “{name}” at most once.")
    parts = re.split(r"(\{specimen\}|\{channel\}|\{time\}|\*|\?)", pattern)
    special = {**_PLACEHOLDERS, "*": ".*", "?": "."}
    body = "".join(special.get(part, re.escape(part)) for part in parts)
    rest = pattern
    for name in _NAMES:
        rest = rest.replace(name, "")
    if "{" in rest:
        raise InvalidInput(
            f"The name pattern “{pattern}” has an unknown placeholder; only {{specimen}}, "
            "{channel} and {time} exist."
        )
    return re.compile(f"^{body}$", re.IGNORECASE)


def pair_files(
    names: Iterable[str],
    *,
    pattern: str = DEFAULT_PATTERN,
    label_free: str = DEFAULT_LABEL_FREE,
    stain: str = DEFAULT_STAIN,
) -> Pairing:
    """Group file names into fields: one label-free image each, plus at most one stain.

    Without ``{channel}`` in the pattern every matching file is a label-free image of its own
    field. A file whose field is ambiguous (two label-free images, two stains) or has no
    label-free image is skipped, with its field. With ``{time}`` the files of a field are its
    frames, each a label-free image and at most one stain, ordered by their number (2 before
    10); the number is the time point, gaps kept, and the same rules hold frame by frame.
    """
    regex = pattern_regex(pattern)
    has_channel, has_time = "{channel}" in pattern, "{time}" in pattern
    label_free, stain = label_free.strip().lower(), stain.strip().lower()
    if has_channel and (not label_free or not stain or label_free == stain):
        raise InvalidInput(
            "Give two different channel values: one for the label-free image (e.g. 1) and one "
            "for the stain (e.g. 2)."
        )
    result = Pairing()
    # specimen → time point (None without {time}) → role → file names
    roles: dict[str, dict[int | None, dict[str, list[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for name in sorted(set(names)):
        match = regex.match(name)
        if match is None or not match.group("specimen").strip():
            result.skipped.append((name, f"the name does not match the pattern “{pattern}”"))
            continue
        channel = match.group("channel").lower() if has_channel else label_free
        if channel not in (label_free, stain):
            result.skipped.append(
                (
                    name,
                    f"channel “{match.group('channel')}” is neither the label-free channel "
                    f"“{label_free}” nor the stain channel “{stain}”",
                )
            )
            continue
        role = "label_free" if channel == label_free else "stain"
        time = int(match.group("time")) if has_time else None
        roles[match.group("specimen").strip()][time][role].append(name)

    for specimen in sorted(roles):
        frames, problem = [], None
        for time in sorted(roles[specimen], key=lambda t: -1 if t is None else t):
            found = roles[specimen][time]
            free, stained = found.get("label_free", []), found.get("stain", [])
            problem = _frame_problem(specimen, time, free, stained)
            if problem:
                break
            frames.append(FrameFiles(time or 0, free[0], stained[0] if stained else None))
        if problem:
            result.skipped += [(name, problem) for name in _field_names(roles[specimen])]
            continue
        first = frames[0]
        result.fields.append(
            FieldFiles(specimen, first.label_free, first.stain, tuple(frames) if has_time else ())
        )
    return result


def _frame_problem(specimen: str, time: int | None, free: list[str], stained: list[str]):
    """Why a field (or its frame ``time``) cannot be imported as it is, or None."""
    where = f"field “{specimen}”" + ("" if time is None else f" at time point {time}")
    if len(free) > 1:
        return f"{where} has {len(free)} label-free images ({', '.join(free)})"
    if len(stained) > 1:
        return f"{where} has {len(stained)} stain images ({', '.join(stained)})"
    if not free:
        return f"{where} has a stain but no label-free image"
    return None


def _field_names(times: dict[int | None, dict[str, list[str]]]) -> list[str]:
    """Every file of a field, label-free before stain at each time point."""
    return [
        name
        for time in sorted(times, key=lambda t: -1 if t is None else t)
        for role in ("label_free", "stain")
        for name in times[time].get(role, [])
    ]
