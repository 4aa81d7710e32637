"""Which sections of a volume an imported mask stack gives ground truth to. Experts often label
only some z sections of a tomogram (every fifth, or the middle one) and leave the others empty:
``labelled_only`` stores the sections whose mask holds something, ``sections`` ("3, 8, 13" or
"z3,z8") the ones listed, empty or not; by default every section is stored."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cellweb.errors import InvalidInput


def labelled_sections(masks: np.ndarray) -> list[int]:
    """The z of the sections of a mask stack (z, y, x; a 2D mask is one section) that hold
    anything; refuses a stack in which none does, as storing only labelled sections stores none."""
    array = np.asarray(masks)
    flat = array.reshape(-1, *array.shape[-2:])
    found = [int(z) for z in np.flatnonzero(flat.reshape(len(flat), -1).any(axis=1))]
    if not found:
        raise InvalidInput(
            f"No section of the mask stack holds anything (all {len(flat)} are empty), so "
            "storing only the labelled sections would store none. Check the file, or import it "
            "without “labelled only” to record every section as holding no nucleus."
        )
    return found


def listed_sections(text: str, size_z: int) -> list[int]:
    """The z listed in ``text`` ("3, 8, 13" or "z3,z8"), sorted; each must be a section."""
    found: set[int] = set()
    for item in text.replace(";", ",").split(","):
        word = item.strip().lower().removeprefix("z")
        if not word:
            continue
        if not (word.isascii() and word.isdigit()) or int(word) >= size_z:
            raise InvalidInput(
                f"“{item.strip()}” is not a section of the volume: list z from 0 to {size_z - 1}, "
                "separated by commas (e.g. 3, 8, 13)."
            )
        found.add(int(word))
    if not found:
        raise InvalidInput("No section is listed: give z separated by commas (e.g. 3, 8, 13).")
    return sorted(found)


def sections_to_store(
    masks: np.ndarray, *, size_z: int, labelled_only: bool = False, sections: str = ""
) -> list[int] | None:
    """The z an import stores: the labelled ones, the listed ones, or ``None`` for all."""
    if labelled_only and sections.strip():
        raise InvalidInput(
            "Give either “labelled only” or a list of sections, not both: the list names the "
            "sections to store, empty or not."
        )
    if labelled_only:
        return labelled_sections(masks)
    if sections.strip():
        return listed_sections(sections, size_z)
    return None


def stored_sections_note(stored: Sequence[int], size_z: int, *, left_are: str = "empty") -> str:
    """What an import of some sections stored and left, e.g. "stored z3, z8 (2 of 16 sections);
    14 empty sections left without new ground truth (an earlier import's stays)"."""
    left = size_z - len(stored)
    note = f"stored {', '.join(f'z{z}' for z in stored)} ({len(stored)} of {size_z} sections)"
    if left:
        note += (
            f"; {left} {left_are} section{'s' if left != 1 else ''} left without new ground "
            "truth (an earlier import's stays)"
        )
    return note
