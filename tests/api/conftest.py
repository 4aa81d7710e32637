"""Every answer the API tests read is checked for keys its selector built and its serializer
dropped: a field a selector adds and no serializer declares never reaches a client (it happened
to the per-class Dice of a training job's history, a model version's task, a round's id)."""

from __future__ import annotations

import pytest
from rest_framework import serializers

# The fixtures ``sections`` and ``ready`` of the review API tests; a module's own fixture of the
# same name comes first.
from tests.review_support import four_sections, ready_section  # noqa: F401

# Keys a selector builds for another reader, which an answer leaves out on purpose.
LEFT_OUT = {
    # The agreement table's count of annotations; the dashboard row has it as ``annotated``.
    ("DashboardAnnotatorRowSerializer", "sections_annotated"),
    # The queue's ordering key; a queue item names its section and specimen.
    ("ReviewQueueItemSerializer", "volume_id"),
}


def _dropped(serializer: serializers.Serializer, row: dict) -> set[str]:
    used = set()
    for name, field in serializer.fields.items():
        source = field.source or name
        if source == "*":
            return set()
        used.add(source.split(".")[0])
    name = type(serializer).__name__
    return {key for key in set(row) - used if (name, key) not in LEFT_OUT}


@pytest.fixture(autouse=True)
def answers_keep_what_selectors_build(monkeypatch):
    dropped: list[str] = []
    plain = serializers.Serializer.to_representation

    def to_representation(self, instance):
        if isinstance(instance, dict):
            dropped.extend(f"{type(self).__name__}.{key}" for key in _dropped(self, instance))
        return plain(self, instance)

    monkeypatch.setattr(serializers.Serializer, "to_representation", to_representation)
    yield
    assert not dropped, f"answers dropped what their selector built: {sorted(set(dropped))}"
