"""The option "Separate touching predicted nuclei" travels from the form, the API and
``manage.py evaluate`` to the evaluation, on unless turned off, and the command says it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from inference.forms_evaluation import EvaluationLaunchForm
from inference.models import Evaluation
from tests.conftest import signed_in
from tests.helpers_evaluation import (
    make_specimens,
    two_stained_specimens,  # noqa: F401 (the fixture ``data``)
)

pytestmark = pytest.mark.usefixtures("media_root")

CHOICES = {"versions": [], "labs": [], "tags": [], "specimens": [], "sources": []}


def test_the_form_shows_it_checked_and_passes_what_was_posted():
    assert EvaluationLaunchForm(choices=CHOICES).fields["split_touching"].initial is True
    posted = {"set_kind": "specimens", "threshold": "0.5"}
    on = EvaluationLaunchForm({**posted, "split_touching": "on"}, choices=CHOICES)
    off = EvaluationLaunchForm(posted, choices=CHOICES)  # an unticked box is not posted
    assert on.is_valid() and off.is_valid(), (on.errors, off.errors)
    assert on.launch_args()["split_touching"] is True
    assert off.launch_args()["split_touching"] is False


def test_the_form_launches_with_it(project, manager, data):
    url = f"/projects/{project.slug}/evaluations/"
    body = {"set_kind": "specimens", "specimen_ids": [data[0][0].pk], "threshold": "0.5"}
    client = signed_in(manager)
    assert client.post(url, body).status_code == 302
    assert client.post(url, {**body, "split_touching": "on"}).status_code == 302
    assert list(Evaluation.objects.order_by("pk").values_list("split_touching", flat=True)) == [
        False,
        True,
    ]


@pytest.mark.parametrize("given, stored", [(None, True), (True, True), (False, False)])
def test_the_api_stores_it_on_by_default_and_answers_it(api, project, manager, data, given, stored):
    body = {"set_kind": "specimens", "set_params": {"specimen_ids": [data[0][0].pk]}}
    if given is not None:
        body["split_touching"] = given
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["split_touching"] is stored
    assert Evaluation.objects.get().split_touching is stored
    detail = api(manager).get(f"/api/evaluations/{response.json()['id']}/").json()
    assert detail["split_touching"] is stored


@pytest.mark.parametrize("value", ["sometimes", 3, None, [True]])
def test_a_value_that_is_not_a_boolean_is_400(api, project, manager, data, value):
    body = {
        "set_kind": "specimens",
        "set_params": {"specimen_ids": [data[0][0].pk]},
        "split_touching": value,
    }
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", body, format="json")
    assert response.status_code == 400, response.content
    assert "split_touching" in response.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "flag, stored, said",
    [
        ("--split-touching", True, "Touching predicted nuclei: separated by the watershed"),
        ("--no-split-touching", False, "Touching predicted nuclei: not separated"),
    ],
)
def test_the_command_takes_it_and_prints_it_beside_the_objects(
    project, make_volume, flag, stored, said
):
    made = make_specimens(project, make_volume, 1, z=3)
    out = StringIO()
    options = f"--set specimens --specimen {made[0][0].pk} {flag} --wait --device cpu"
    call_command("evaluate", "--project", project.slug, *options.split(), stdout=out)
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "succeeded", evaluation.error
    assert evaluation.split_touching is stored
    objects = out.getvalue().split("Objects (nuclei, ")[1]
    otsu = next(line for line in objects.splitlines() if line.startswith("Otsu"))
    block = evaluation.summary["objects"]["otsu"]
    assert otsu.split()[1:4] == [str(block[k]) for k in ("n_gt", "n_pred", "correct")]
    assert otsu.endswith(block["pred_instances"])
    assert f"Ground-truth nuclei: {block['gt_instances']}." in objects
    assert said in objects
