"""Every route of the site with its parameters filled in, over a project with data in every
room (sections, an annotation, an import, a model import, a training job, an evaluation, a prediction, a
learning curve, a retrain round): what the sweeps over all routes share
(``tests/api/test_gets_write_nothing.py``, ``tests/api/test_writes_by_role.py``).

The routes come from the URL configuration itself, so a page or endpoint added later takes part
without editing a test; one whose path names an id ``ids`` does not know is reported until
``ids`` learns it. Django's admin (its own code, staff only) is left out.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from annotations.models import ImportJob, Membership
from cellweb.jobs import job_execute
from inference.models import ModelImportJob, RetrainRound, RoundState
from inference.reports import FIGURES, LAYER_COLOURS
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch
from inference.services.model_versions import model_version_activate
from inference.services.prediction import prediction_launch, prediction_run
from tests.helpers_evaluation import (
    cross_validation_job,
    make_specimens,
    run_evaluation,
    tiny_model_version,
)
from tests.review_support import save_revision

# Pages that compare take what they compare from the query string.
QUERIES = {
    "compare/": "?ids={version_id},{other_version_id}",
    "evaluations/compare/": "?a={evaluation_id}&b={evaluation_id}",
}
# Built for each download (seconds each): read once, by the manager.
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes() -> list[tuple[str, object]]:
    """Every route (as written in the URL configuration) with its view, admin aside."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith("admin/"):
                found.append((route, pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


@pytest.fixture
def ids(project, manager, annotator, make_volume, media_root) -> dict[str, int | str]:
    data = make_specimens(project, make_volume, 2, z=3, size=32, stain=True)
    specimens = [specimen for specimen, _ in data]
    volume = data[0][1][0][0]
    section = volume.sections.order_by("z")[1]
    fluorescence = specimens[0].volumes.get(modality="fluorescence").sections.first()
    mask = np.zeros((32, 32), dtype=bool)
    mask[8:20, 8:20] = True
    annotation = save_revision(section, annotator, mask)
    training, versions = cross_validation_job(project, specimens)
    model_version_activate(version=versions[0], user=manager)
    evaluation = run_evaluation(
        project, manager, specimens=specimens, version=tiny_model_version(project)
    )
    assert evaluation.status == "succeeded", evaluation.error
    prediction = prediction_run(
        prediction_id=prediction_launch(project=project, user=manager, queue=False).pk,
        device="cpu",
    )
    assert prediction.status == "succeeded", prediction.error
    curve = learning_curve_launch(
        project=project,
        user=manager,
        config=LearningCurveConfig(
            sizes=[1], seeds=1, arch="unet16", samples=2, batch_size=2, input_size=32
        ),
        queue=False,
    )
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    upload = ImportJob.objects.create(
        project=project, created_by=manager, original_name="x.npy", params={}
    )
    model_import = ModelImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="w.pt",
        status="succeeded",
        model_version=versions[1],
        result={"model_version": versions[1].pk, "name": versions[1].name},
    )
    RetrainRound.objects.create(
        project=project,
        number=1,
        state=RoundState.DONE,
        parent_version=versions[0],
        training_job=training,
        result_version=evaluation.model_version,
        evaluation=evaluation,
        held_out=[{"id": s.pk, "name": s.name} for s in specimens],
        dice_nucleus=0.5,
    )
    return {
        "slug": project.slug,
        "specimen_id": specimens[0].pk,
        "volume_id": volume.pk,
        "section_id": section.pk,
        "annotation_id": annotation.pk,
        "version_id": versions[0].pk,
        "other_version_id": versions[1].pk,
        "evaluation_id": evaluation.pk,
        "prediction_id": prediction.pk,
        "curve_id": curve.pk,
        "import_job_id": upload.pk,
        "model_import_job_id": model_import.pk,
        "training_job_id": training.pk,
        "layer": next(iter(LAYER_COLOURS)),
        "name": FIGURES[0],
        "fluorescence_section_id": fluorescence.pk,
        "value": 1,  # the nucleus class every label set starts with
        "number": 1,  # retrain round 1
        "membership_id": Membership.objects.get(project=project, user=annotator).pk,
    }


def concrete(route: str, ids: dict) -> str | None:
    """The route with its parameters filled in from ``ids``; None for a parameter it lacks."""
    route = route.replace("\\", "").lstrip("^").rstrip("$")

    def value(match: re.Match) -> str:
        name = match["name"]
        if name == "job_id":  # several kinds of job share the parameter's name
            name = "training_job_id" if "training" in route else "import_job_id"
            name = "model_import_job_id" if "model-imports" in route else name
        if name == "section_id" and "fluorescence-gt" in route:
            name = "fluorescence_section_id"
        if name not in ids:
            raise KeyError(name)
        return str(ids[name])

    try:
        url = "/" + PARAM.sub(value, route)
    except KeyError:
        return None
    # The longest ending that fits names the query (evaluations/compare/ before compare/).
    ending = max((end for end in QUERIES if url.endswith(end)), key=len, default=None)
    return url + (QUERIES[ending].format(**ids) if ending else "")
