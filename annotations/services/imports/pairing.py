"""Pairing the files of a folder into fields by a name pattern (pure: names in, a plan out).

A pattern is a file name with placeholders: ``{specimen}`` (required) names the field, and so the
specimen it becomes; ``{channel}`` (optional) tells the label-free image from its stain; ``*``
matches anything and ``?`` one character. The default, ``{specimen}_c{channel}.*``, pairs
``dish1_f03_c1.tif`` (label-free, channel 1) with ``dish1_f03_c2.tif`` (stain, channel 2) into
specimen ``dish1_f03``. Matching ignores case; every file not used is listed with the reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cellweb.errors import InvalidInput

DEFAULT_PATTERN = "{specimen}_c{channel}.*"
DEFAULT_LABEL_FREE = "1"
DEFAULT_STAIN = "2"

_PLACEHOLDERS = {"{specimen}": r"(?P<specimen>.+?)", "{channel}": r"(?P<channel>[^_.\-\s]+?)"}


@dataclass(frozen=True)
class FieldFiles:
    """One field of view: its label-free image and, when there is one, its stain."""

    specimen: str
    label_free: str
    stain: str | None = None

    @property
    def names(self) -> list[str]:
        return [self.label_free] + ([self.stain] if self.stain else [])


@dataclass
class Pairing:
    fields: list[FieldFiles] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [
            f"  {f.specimen}: {f.label_free}"
            + (f" + stain {f.stain}" if f.stain else " (no stain)")
            for f in self.fields
        ]
        lines += [f"  skipped {name}: {reason}" for name, reason in self.skipped]
        return lines


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression of a name pattern; InvalidInput saying what is wrong with it."""
    pattern = (pattern or "").strip()
    if pattern.count("{specimen}") != 1:
        raise InvalidInput(
            f"The name pattern “{pattern}” must contain “{{specimen}}” exactly once, e.g. "
            f"“{DEFAULT_PATTERN}”."
        )
    if pattern.count("{channel}") > 1:
        raise InvalidInput(f"The name pattern “{pattern}” may contain “{{channel}}” at most once.")
    parts = re.split(r"(\{specimen\}|\{channel\}|\*|\?)", pattern)
    special = {**_PLACEHOLDERS, "*": ".*", "?": "."}
    body = "".join(special.get(part, re.escape(part)) for part in parts)
    if "{" in pattern.replace("{specimen}", "").replace("{channel}", ""):
        raise InvalidInput(
            f"The name pattern “{pattern}” has an unknown placeholder; only {{specimen}} and "
            "{channel} exist."
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
    label-free image is skipped, with its field.
    """
    regex = pattern_regex(pattern)
    has_channel = "{channel}" in pattern
    label_free, stain = label_free.strip().lower(), stain.strip().lower()
    if has_channel and (not label_free or not stain or label_free == stain):
        raise InvalidInput(
            "Give two different channel values: one for the label-free image (e.g. 1) and one "
            "for the stain (e.g. 2)."
        )
    result = Pairing()
    roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
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
        roles[match.group("specimen").strip()][role].append(name)

    for specimen in sorted(roles):
        found = roles[specimen]
        free, stained = found.get("label_free", []), found.get("stain", [])
        problem = None
        if len(free) > 1:
            problem = f"field “{specimen}” has {len(free)} label-free images ({', '.join(free)})"
        elif len(stained) > 1:
            problem = f"field “{specimen}” has {len(stained)} stain images ({', '.join(stained)})"
        elif not free:
            problem = f"field “{specimen}” has a stain but no label-free image"
        if problem:
            result.skipped += [(name, problem) for name in free + stained]
            continue
        result.fields.append(FieldFiles(specimen, free[0], stained[0] if stained else None))
    return result
