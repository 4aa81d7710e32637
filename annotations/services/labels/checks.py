"""The rules a label set keeps: names, colours, shortcuts, kinds and values of its classes.

Pure functions over the stored list (``Project.label_classes``); each refusal is an
``InvalidInput`` whose message says what to change.
"""

from __future__ import annotations

import re

from annotations.models.labels import LabelKind
from annotations.services.names import name_checked
from cellweb.errors import InvalidInput

NAME_MAX = 40
MAX_CLASSES = 255
_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
# Keys the editor already gives a meaning (tools, the cut (k), fill, outline style, view, the model's
# proposal), and the annotate page's keys around it (ghost g, copy c, next section n, reference r,
# display window w and a, channel x): the editor takes a key first, so a class key would hide them.
RESERVED_SHORTCUTS = frozenset("plbehkfomz0+-=_[] gcnrwax")


def name_check(name: str) -> str:
    cleaned = " ".join((name or "").split())
    return name_checked(cleaned, what="class", max_length=NAME_MAX, example="cytoplasm")


def colour_check(colour: str) -> str:
    cleaned = (colour or "").strip().lower()
    if not _COLOUR.match(cleaned):
        raise InvalidInput(
            f"The colour “{colour}” is not a colour the editor can draw; write it as #rrggbb "
            "(e.g. #ffb000)."
        )
    return cleaned


def shortcut_check(shortcut: str) -> str:
    """One letter or digit (stored lower-case), or "" for none."""
    cleaned = (shortcut or "").strip().lower()
    if not cleaned:
        return ""
    if len(cleaned) != 1 or not cleaned.isalnum() or not cleaned.isascii():
        raise InvalidInput(
            f"The shortcut “{shortcut}” is not one key; use a single letter or digit (or none)."
        )
    if cleaned in RESERVED_SHORTCUTS:
        raise InvalidInput(
            f"The key “{cleaned}” is already an editor shortcut (tools, fill, outlines, view, the "
            "model's proposal, ghost, copy, next section, reference, display window or channel); "
            "choose another letter or a digit from 1 to 9."
        )
    return cleaned


def kind_check(kind: str) -> str:
    if kind not in LabelKind.values:
        raise InvalidInput(
            f"Unknown kind of class “{kind}”; choose {' or '.join(LabelKind.values)}."
        )
    return kind


def label_classes_check(classes: list[dict]) -> list[dict]:
    """The cleaned label set, or InvalidInput naming the first rule it breaks."""
    if not classes:
        raise InvalidInput("A project needs at least one class.")
    if len(classes) > MAX_CLASSES:
        raise InvalidInput(f"A project has at most {MAX_CLASSES} classes (8-bit class maps).")
    cleaned = []
    for entry in classes:
        value = entry.get("value")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 255:
            raise InvalidInput(f"Class value {value!r} is not a label value from 1 to 255.")
        cleaned.append(
            {
                "value": value,
                "name": name_check(entry.get("name", "")),
                "colour": colour_check(entry.get("colour", "")),
                "shortcut": shortcut_check(entry.get("shortcut", "")),
                "kind": kind_check(entry.get("kind", "")),
            }
        )
    _unique(cleaned, "value", "Label value {} is used by two classes.")
    _unique(
        cleaned,
        "name",
        "Two classes are called “{}”; give each class its own name.",
        key=str.casefold,
    )
    _unique(
        [entry for entry in cleaned if entry["shortcut"]],
        "shortcut",
        "The shortcut “{}” is taken by two classes; give each class its own key.",
    )
    return cleaned


def _unique(classes: list[dict], field: str, message: str, key=lambda value: value) -> None:
    seen = set()
    for entry in classes:
        marker = key(entry[field])
        if marker in seen:
            raise InvalidInput(message.format(entry[field]))
        seen.add(marker)


def next_value(classes: list[dict], high: int = 0) -> int | None:
    """The label value a new class takes: one above the highest any class of the project has
    had (``high``, ``Project.label_value_high``) or has now, so a deleted class's value is never
    given again; None once 255 has been given."""
    value = max([high, *(entry["value"] for entry in classes)]) + 1
    return value if value <= 255 else None
