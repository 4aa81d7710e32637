"""The annotate page's own list of shortcuts (rendered before the script runs) names every key
the annotator and its editor take, as their lists in the front end name them."""

from __future__ import annotations

import re
from pathlib import Path

from annotations.views.annotation import (
    CHANNEL_SHORTCUT,
    FLUORESCENCE_SHORTCUT,
    PROPOSAL_SHORTCUT,
    SHORTCUTS,
)

SRC = Path(__file__).resolve().parents[2] / "frontend" / "src"
LISTS = [
    "modules/annotator/shortcuts.ts",
    "editor/keyboard.ts",
    "components/ChannelSelect.ts",
    "components/NeighbourPanel.ts",
    "components/ReferencePanel.ts",
    "components/ShortcutPanel.ts",
    "components/WindowControl.ts",
]


def _atoms(keys: str) -> set[str]:
    """``"B / E"`` → {"B", "E"}: the keys one entry names."""
    return {atom.strip() for atom in keys.split(" / ")}


def test_the_page_lists_every_key_of_the_annotator_and_its_editor():
    front: set[str] = set()
    for name in LISTS:
        for keys in re.findall(r"keys: '([^']+)'", (SRC / name).read_text()):
            front |= _atoms(keys)
    tools = (SRC / "editor" / "tools" / "index.ts").read_text()
    front |= set(re.findall(r"\bkey: '([^']+)'", tools))
    assert {"P", "K", "X", "M", "Alt + draw"} <= front  # the lists were read

    conditional = [FLUORESCENCE_SHORTCUT, PROPOSAL_SHORTCUT, CHANNEL_SHORTCUT]
    page = {atom for _, items in SHORTCUTS for keys, _ in items for atom in _atoms(keys)}
    page |= {atom for keys, _ in conditional for atom in _atoms(keys)}
    assert sorted(front - page) == []
