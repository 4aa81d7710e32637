"""A learning curve reads its held-out truths when it scores a point, a few sections at a time,
and never holds every held-out section's full-resolution truth at once (peak memory against the
number of held-out sections: ``bench/learning_curve_memory.py``)."""

from __future__ import annotations

import pytest

from annotations.models import GroundTruthSource
from cellweb.jobs import job_execute
from inference.datasets import snapshot_entries
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch, runner
from inference.services.learning_curve import instances as curve_instances
from inference.services.learning_curve.instances import TRUTH_CHUNK, held_out_truths
from tests.helpers_training import add_specimens
from tests.unit.test_learning_curve_service import TINY

pytestmark = pytest.mark.usefixtures("single_thread_torch")


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The number of sections each read of held-out truths decodes at once."""
    sizes: list[int] = []
    real = curve_instances.stored_truths

    def counted(entries, **kwargs):
        sizes.append(len(entries))
        return real(entries, **kwargs)

    monkeypatch.setattr(curve_instances, "stored_truths", counted)
    return sizes


def test_held_out_truths_are_read_a_chunk_at_a_time_as_they_are_consumed(
    project, make_volume, reads
):
    add_specimens(project, make_volume, 1, sections=2 * TRUTH_CHUNK + 1)
    from annotations.models import GroundTruth
    from inference.datasets import entries_for_ground_truths

    entries = entries_for_ground_truths(GroundTruth.objects.values_list("pk", flat=True))
    truths = held_out_truths(entries, source=GroundTruthSource.CONSENSUS)
    assert reads == []  # nothing read before the first truth is asked for
    first = next(truths)
    assert first.shape == (32, 32) and reads == [TRUTH_CHUNK]
    rest = list(truths)
    assert len(rest) == 2 * TRUTH_CHUNK and reads == [TRUTH_CHUNK, TRUTH_CHUNK, 1]


def test_a_curve_reads_the_held_out_truths_when_it_scores_each_point(
    project, manager, make_volume, reads, monkeypatch
):
    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(**TINY, sizes=[1, 2])
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    held = {h["id"] for h in curve.held_out}
    n_held = sum(e.specimen_id in held for e in snapshot_entries(curve.snapshot))
    scored: list[int] = []
    real = runner.held_out_scores

    def counting(*args, truths, **kwargs):
        scored.append(len(reads))  # truths read before this point is scored
        return real(*args, truths=truths, **kwargs)

    monkeypatch.setattr(runner, "held_out_scores", counting)
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    curve.refresh_from_db()
    points = len(curve.points)
    assert points == len(scored) >= 2
    # Each point reads its held-out truths afresh as it scores them; none are kept between.
    assert sum(reads) == points * n_held and max(reads) <= TRUTH_CHUNK
    assert scored == [i * len(reads) // points for i in range(points)]
