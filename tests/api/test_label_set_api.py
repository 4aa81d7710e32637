"""/api/projects/<slug>/labels/: a project's classes, added, renamed and deleted; presets on create."""

from __future__ import annotations

import re

import pytest

from annotations.models import Membership, Project, Role
from annotations.selectors.editor import section_editor_config
from tests.helpers_labels import stored_masks

NUCLEUS = {"value": 1, "name": "nucleus", "colour": "#00e5ff", "shortcut": "1", "kind": "instances"}


def test_a_new_project_has_one_instance_class_nucleus(api, project, annotator):
    response = api(annotator).get(f"/api/projects/{project.slug}/labels/")
    assert response.status_code == 200
    assert response.json() == {"classes": [NUCLEUS], "paint_rule": "replace"}


@pytest.mark.parametrize(
    ("preset", "names"),
    [
        ("nucleus-cytoplasm", ["nucleus", "cytoplasm"]),
        ("organelles", ["nucleus", "membrane", "nucleolus", "lipid droplet"]),
    ],
)
def test_a_project_created_with_a_preset_has_its_classes(api, creator, preset, names):
    response = api(creator).post(
        "/api/projects/",
        {"slug": "bf-cells", "name": "BF cells", "preset": preset, "paint_rule": "background"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [c["name"] for c in body["labels"]["classes"]] == names
    assert [c["value"] for c in body["labels"]["classes"]] == list(range(1, len(names) + 1))
    assert body["labels"]["paint_rule"] == "background"
    assert body["roles"] == ["manager"]
    project = Project.objects.get(slug="bf-cells")
    assert Membership.objects.filter(project=project, user=creator, role=Role.MANAGER).exists()
    kinds = {c["name"]: c["kind"] for c in project.label_classes}
    assert kinds["nucleus"] == "instances"
    assert kinds.get("cytoplasm", kinds.get("membrane")) == "region"


def test_creating_a_project_needs_the_add_project_permission(api, outsider):
    response = api(outsider).post("/api/projects/", {"slug": "mine"}, format="json")
    assert response.status_code == 403
    assert "add project" in response.json()["detail"]
    assert not Project.objects.filter(slug="mine").exists()


def test_creating_a_project_twice_or_with_an_unknown_preset_is_refused(api, creator, project):
    taken = api(creator).post("/api/projects/", {"slug": project.slug}, format="json")
    assert taken.status_code == 409 and taken.json()["code"] == "project_exists"
    unknown = api(creator).post("/api/projects/", {"slug": "x", "preset": "zoo"}, format="json")
    assert unknown.status_code == 400
    assert "preset" in unknown.json()["errors"]


def test_a_class_added_to_an_annotated_project_leaves_its_masks(api, manager, annotated_section):
    project = annotated_section.project
    before = stored_masks(project)
    response = api(manager).post(
        f"/api/projects/{project.slug}/labels/",
        {"name": "Cytoplasm", "colour": "#FFB000", "shortcut": "Y", "kind": "region"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "value": 2,
        "name": "Cytoplasm",
        "colour": "#ffb000",
        "shortcut": "y",
        "kind": "region",
    }
    assert stored_masks(project) == before
    assert [
        c["value"]
        for c in api(manager).get(f"/api/projects/{project.slug}/labels/").json()["classes"]
    ] == [1, 2]


def test_renaming_a_class_keeps_the_masks(api, manager, annotator, annotated_section):
    project = annotated_section.project
    before = stored_masks(project)
    response = api(manager).patch(
        f"/api/projects/{project.slug}/labels/1/",
        {"name": "nuclei", "colour": "#ff0000"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "nuclei"
    assert response.json()["value"] == 1
    assert stored_masks(project) == before
    mine = api(annotator).get(f"/api/sections/{annotated_section.pk}/annotations/mine/")
    assert mine.status_code == 200


def test_deleting_a_class_in_use_is_refused_with_the_count(api, manager, annotated_section):
    project = annotated_section.project
    api(manager).post(
        f"/api/projects/{project.slug}/labels/",
        {"name": "cytoplasm", "colour": "#ffb000"},
        format="json",
    )
    response = api(manager).delete(f"/api/projects/{project.slug}/labels/1/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "label_in_use" and body["current"]["masks"] == 2
    assert body["current"]["annotation_revisions"] == 2
    assert "used by 2 stored mask(s)" in body["detail"]
    project.refresh_from_db()
    assert [c["value"] for c in project.label_classes] == [1, 2]

    unused = api(manager).delete(f"/api/projects/{project.slug}/labels/2/")
    assert unused.status_code == 204
    project.refresh_from_db()
    assert project.label_classes == [NUCLEUS]


def test_the_last_class_cannot_be_deleted(api, manager, project):
    response = api(manager).delete(f"/api/projects/{project.slug}/labels/1/")
    assert response.status_code == 400
    assert "at least one class" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": "cyto", "colour": "orange"}, "#rrggbb"),
        ({"name": "cyto", "colour": "#ffb00"}, "#rrggbb"),
        ({"name": "cyto", "colour": "#ffb000", "shortcut": "b"}, "already an editor shortcut"),
        # C copies the previous section's mask on the annotate page; a class key would hide it.
        ({"name": "cyto", "colour": "#ffb000", "shortcut": "c"}, "already an editor shortcut"),
        ({"name": "cyto", "colour": "#ffb000", "shortcut": "ab"}, "one key"),
    ],
)
def test_bad_colours_shortcuts_and_names_are_refused(api, manager, project, body, says):
    response = api(manager).post(f"/api/projects/{project.slug}/labels/", body, format="json")
    assert response.status_code == 400
    assert says in response.json()["detail"]
    project.refresh_from_db()
    assert project.label_classes == [NUCLEUS]


@pytest.mark.parametrize(
    ("name", "valid"), [("\t", False), (" \u3000", False), (" cyto\tx ", True)]
)
def test_the_schema_calls_a_name_of_white_space_invalid_as_the_server_does(
    api, manager, project, name, valid
):
    # The schema's pattern let a name of white space through, which DRF trims to a blank (400).
    schema = api(manager).get("/api/schema/", {"format": "json"}).json()
    pattern = schema["components"]["schemas"]["LabelClassInputRequest"]["properties"]["name"][
        "pattern"
    ]
    body = {"name": name, "colour": "#ffb000"}
    response = api(manager).post(f"/api/projects/{project.slug}/labels/", body, format="json")
    assert bool(re.search(pattern, name)) is valid
    assert response.status_code == (201 if valid else 400), response.content


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({"name": "cyto", "colour": "#ffb000", "shortcut": "1"}, "label_key_taken", "key “1”"),
        ({"name": "nucleus", "colour": "#ffb000"}, "label_name_taken", "called “nucleus”"),
    ],
)
def test_a_name_or_key_another_class_holds_is_a_409(api, manager, project, body, code, says):
    response = api(manager).post(f"/api/projects/{project.slug}/labels/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code and says in response.json()["detail"]
    project.refresh_from_db()
    assert project.label_classes == [NUCLEUS]


def test_only_managers_change_classes_and_outsiders_see_nothing(api, annotator, outsider, project):
    url = f"/api/projects/{project.slug}/labels/"
    added = api(annotator).post(url, {"name": "cyto", "colour": "#ffb000"}, format="json")
    assert added.status_code == 403
    assert api(annotator).delete(f"{url}1/").status_code == 403
    assert api(outsider).get(url).status_code == 404


def test_an_unknown_class_is_a_404(api, manager, project):
    response = api(manager).patch(
        f"/api/projects/{project.slug}/labels/9/", {"name": "x"}, format="json"
    )
    assert response.status_code == 404


def test_the_editor_config_carries_the_label_set(manager, annotated_section):
    config = section_editor_config(
        section=annotated_section, module="annotator", csrf_token="t", read_only=False
    )
    assert config["labels"] == {"classes": [NUCLEUS], "paintRule": "replace", "version": 1}


def test_the_painting_rule_is_a_project_setting(api, manager, annotator, project):
    response = api(manager).patch(
        f"/api/projects/{project.slug}/", {"paint_rule": "background"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["labels"]["paint_rule"] == "background"
    labels = api(annotator).get(f"/api/projects/{project.slug}/labels/").json()
    assert labels["paint_rule"] == "background"
    bad = api(manager).patch(
        f"/api/projects/{project.slug}/", {"paint_rule": "over"}, format="json"
    )
    assert bad.status_code == 400
