"""Which of a file's named channels is the label-free image and which the nuclear stain.

A microscope names each channel it records (OME ``Channel Name``, ImageJ's labels, an HDF5
file's dataset names): "Phase", "BF", "Brightfield", "DIC", "RI" are label-free; "Hoechst",
"DAPI", "H33342", "DRAQ5", "SYTOX", "Nuclear" the stain. Names are read as a person writes them: any case, spaces, hyphens or
underscores between words ("Bright field", "TL-DIC", "Phase_contrast"), a wavelength
("DAPI 405nm", "Hoechst (ex 405 nm)") and a dye number ("Hoechst 33342") ignored. A name that
says neither ("Ch1", "405nm", "GFP") or both ("BF+DAPI") says nothing, and the channels are then
picked by hand, as before (docs/channels.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ChannelRoles",
    "Role",
    "channel_role",
    "channel_roles",
    "label_free_contrast",
    "same_dye",
    "stain_dye",
]

Role = Literal["label_free", "stain"]

# Whole words (lower case) that name a label-free contrast or a nuclear stain.
_LABEL_FREE_WORDS = frozenset(
    {"bf", "brightfield", "phase", "ph", "phc", "dic", "nomarski", "ri", "transmitted", "trans"}
)
_STAIN_WORDS = frozenset(
    {
        "hoechst",
        "dapi",
        "h33342",
        "h33258",
        "h34580",
        "nucblue",
        "draq5",
        "draq7",
        "sytox",
        "nuclear",
        "nucleus",
        "nuclei",
    }
)
# Two words that name one: "bright field", "H 33342".
_LABEL_FREE_PAIRS = frozenset({("bright", "field")})
_STAIN_PAIRS = frozenset({("h", "33342"), ("h", "33258"), ("h", "34580")})
# A wavelength ("405nm", "405 nm", "ex405/em460nm") says which light, not which image.
_WAVELENGTH = re.compile(r"\d+(?:\.\d+)?\s*nm\b")
_WORD = re.compile(r"[a-z]+\d*|\d+")


def _words(name: str) -> list[str]:
    """The lower-case words of a channel name, wavelengths left out; a word keeps the digits
    that follow its letters ("h33342", "ph1")."""
    return _WORD.findall(_WAVELENGTH.sub(" ", name.casefold()))


def _word_role(word: str) -> Role | None:
    bare = word.rstrip("0123456789")
    if word in _STAIN_WORDS or bare in _STAIN_WORDS:
        return "stain"
    # "Ph1", "Ph2": a phase-contrast ring; "BF1" a numbered bright-field channel.
    if word in _LABEL_FREE_WORDS or bare in _LABEL_FREE_WORDS:
        return "label_free"
    return None


def channel_role(name: str) -> Role | None:
    """ "label_free" or "stain" when ``name`` says which, else None."""
    words = _words(name)
    found: set[Role] = set()
    for word in words:
        if role := _word_role(word):
            found.add(role)
    for pair in zip(words, words[1:]):
        if pair in _LABEL_FREE_PAIRS:
            found.add("label_free")
        elif pair in _STAIN_PAIRS:
            found.add("stain")
    return found.pop() if len(found) == 1 else None


# The label-free contrast each word names, as the modality it is imported as.
_CONTRAST_WORDS = {
    "bf": "brightfield",
    "brightfield": "brightfield",
    "transmitted": "brightfield",
    "trans": "brightfield",
    "phase": "phase",
    "ph": "phase",
    "phc": "phase",
    "dic": "dic",
    "nomarski": "dic",
    "ri": "ri",
}
# A Hoechst dye's number; "Hoechst" alone names none of them.
_HOECHST_NUMBERS = frozenset({"33342", "33258", "34580"})
_DYE_WORDS = frozenset({"dapi", "draq5", "draq7"})


def label_free_contrast(name: str) -> str | None:
    """The label-free modality a channel's name says (“DIC” → "dic", “Bright field” →
    "brightfield", “Ph1” → "phase"); None when it says none, or more than one."""
    words = _words(name)
    found = {_CONTRAST_WORDS.get(w, _CONTRAST_WORDS.get(w.rstrip("0123456789"))) for w in words}
    found |= {"brightfield" for pair in zip(words, words[1:]) if pair in _LABEL_FREE_PAIRS}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def stain_dye(name: str) -> tuple[str, str] | None:
    """The dye a stain channel's name says, as (dye, number): “Hoechst”, “H33342” and “Hoechst
    33342” → ("hoechst", "") or ("hoechst", "33342"); “DAPI 405nm” → ("dapi", ""); None when
    the name says no dye (“Nuclear”, “SYTOX Green”) or two."""
    words = _words(name)
    found: set[tuple[str, str]] = set()
    for word, after in zip(words, [*words[1:], ""]):
        bare = word.rstrip("0123456789")
        number = word[len(bare) :] or (after if after in _HOECHST_NUMBERS else "")
        if bare == "hoechst" or (bare == "h" and number in _HOECHST_NUMBERS):
            found.add(("hoechst", number if number in _HOECHST_NUMBERS else ""))
        elif word in _DYE_WORDS or bare == "dapi":
            found.add((bare if bare == "dapi" else word, ""))
    return found.pop() if len(found) == 1 else None


def same_dye(a: str, b: str) -> bool:
    """Whether two stain names name the same dye (“Hoechst” and “H33342”; not “Hoechst 33342”
    and “Hoechst 33258”, nor DAPI and Hoechst)."""
    first, second = stain_dye(a), stain_dye(b)
    if first is None or second is None or first[0] != second[0]:
        return False
    return not first[1] or not second[1] or first[1] == second[1]


def _role_text(role: Role | None) -> str:
    return {"label_free": "label-free", "stain": "stain"}.get(role or "", "not said")


@dataclass(frozen=True)
class ChannelRoles:
    """A file's channel names, in its order, and what each name says."""

    names: tuple[str, ...]
    roles: tuple[Role | None, ...]

    @property
    def stains(self) -> tuple[str, ...]:
        return tuple(n for n, r in zip(self.names, self.roles) if r == "stain")

    @property
    def problem(self) -> str:
        """Why the names do not pick the channels on their own; "" when they do."""
        if not all(self.names):
            return "some channels have no name"
        unknown = [n for n, r in zip(self.names, self.roles) if r is None]
        if unknown:
            listed = ", ".join(f"“{n}”" for n in unknown)
            return (
                f"{listed} {'does' if len(unknown) == 1 else 'do'} not say whether "
                f"{'it is' if len(unknown) == 1 else 'they are'} label-free (bright-field, "
                "phase, DIC, RI) or a stain (Hoechst, DAPI)"
            )
        if "label_free" not in self.roles:
            return "every channel is a stain, so no label-free image is left"
        folded = [n.casefold() for n in self.names]
        if len(set(folded)) != len(folded) or any(len(n) > 32 for n in self.names):
            return "the names cannot be channel names (each 1 to 32 characters, all different)"
        return ""

    def described(self) -> str:
        """“Phase (label-free), Hoechst (stain)”."""
        return ", ".join(f"{n} ({_role_text(r)})" for n, r in zip(self.names, self.roles))


def channel_roles(names: Sequence[str]) -> ChannelRoles:
    names = tuple(str(n).strip() for n in names)
    return ChannelRoles(names=names, roles=tuple(channel_role(n) if n else None for n in names))
