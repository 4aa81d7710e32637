"""The "Touching predicted nuclei" note says how the ground truth actually used numbers its
nuclei: fluorescence ground truth is split by the watershed; imported expert masks keep their ids."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from annotations.services.groundtruth_import import ground_truth_import_instances
from inference.models import Evaluation, LearningCurve
from inference.reports import report_html
from inference.reports.labels import prediction_split_label
from inference.services.learning_curve.summary import prediction_split_sentence
from tests.conftest import signed_in
from tests.unit.test_evaluation_instances import field  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

WRONG = "the watershed the fluorescence ground truth is split by"


@pytest.mark.parametrize(
    "source, said",
    [
        ("fluorescence", "the fluorescence ground truth is split by the same watershed"),
        ("imported", "the ground truth (imported mask) is not split: it keeps the instance ids"),
        ("consensus", "the ground truth (confirmed consensus) is not split"),
    ],
)
def test_the_note_names_how_the_ground_truth_used_numbers_its_nuclei(source, said):
    text = prediction_split_label(Evaluation(gt_source=source, split_touching=True))
    assert text.startswith("separated by the watershed of their distance transform")
    assert said in text
    assert WRONG not in text


def test_an_evaluation_against_imported_instances_says_they_kept_their_ids(
    project,
    manager,
    specimen,
    field,  # noqa: F811
):
    volume, labels = field
    ground_truth_import_instances(volume=volume, labels=labels)
    out = StringIO()
    options = f"--set specimens --specimen {specimen.pk} --gt-source imported --wait --device cpu"
    call_command("evaluate", "--project", project.slug, *options.split(), stdout=out)
    done = Evaluation.objects.get()
    assert done.status == "succeeded", done.error
    page = signed_in(manager).get(f"/evaluations/{done.pk}/").content.decode()
    for text in (report_html(done), page, out.getvalue()):
        assert "(imported mask) is not split: it keeps the instance ids" in text
        assert WRONG not in text


def test_a_learning_curve_on_imported_masks_says_they_kept_their_ids():
    curve = LearningCurve(config={"split_touching": True, "gt_source": "imported"})
    text = prediction_split_sentence(curve)
    assert "(imported mask) is not split: it keeps the instance ids" in text
    assert "fluorescence" not in text
