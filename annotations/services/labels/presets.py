"""Label set presets: the classes of the papers this product follows."""

from __future__ import annotations

from annotations.models.labels import NUCLEUS_CLASS, LabelKind

REGION = LabelKind.REGION.value
INSTANCES = LabelKind.INSTANCES.value


def _cls(value: int, name: str, colour: str, shortcut: str, kind: str) -> dict:
    return {"value": value, "name": name, "colour": colour, "shortcut": shortcut, "kind": kind}


PRESETS: dict[str, dict] = {
    "nucleus": {
        "label": "Nucleus (one instance class)",
        "classes": [dict(NUCLEUS_CLASS)],
    },
    "nucleus-cytoplasm": {
        "label": "Nucleus + cytoplasm (bright-field, paper 002)",
        "classes": [
            dict(NUCLEUS_CLASS),
            _cls(2, "cytoplasm", "#ffb000", "2", REGION),
        ],
    },
    "organelles": {
        "label": "Membrane + nucleus + nucleolus + lipid droplet (RI tomograms, paper 001)",
        "classes": [
            _cls(1, "nucleus", NUCLEUS_CLASS["colour"], "1", INSTANCES),
            _cls(2, "membrane", "#9b5cff", "2", REGION),
            _cls(3, "nucleolus", "#ff3d7f", "3", INSTANCES),
            _cls(4, "lipid droplet", "#ffe14d", "4", INSTANCES),
        ],
    },
}
DEFAULT_PRESET = "nucleus"


# Colours offered for a new class, distinct from each other on a grey section; the first unused
# one is suggested.
SUGGESTED_COLOURS = (
    "#00e5ff",
    "#ffb000",
    "#9b5cff",
    "#ff3d7f",
    "#ffe14d",
    "#4caf50",
    "#2196f3",
    "#ff6f00",
    "#e91e63",
    "#8bc34a",
)


def suggested_colour(classes: list[dict]) -> str:
    used = {entry["colour"] for entry in classes}
    return next((colour for colour in SUGGESTED_COLOURS if colour not in used), "#888888")


def preset_classes(name: str) -> list[dict]:
    """A fresh copy of the preset's classes (KeyError for an unknown name; callers check)."""
    return [dict(entry) for entry in PRESETS[name]["classes"]]


def preset_choices() -> list[tuple[str, str]]:
    return [(name, preset["label"]) for name, preset in PRESETS.items()]
