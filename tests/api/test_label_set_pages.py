"""The pages: a new project from a preset, and the settings page's classes section."""

from __future__ import annotations

from annotations.models import Project
from tests.conftest import signed_in
from tests.helpers_labels import stored_masks
from tests.helpers_pages import settings_form_post


def test_the_new_project_page_creates_a_project_from_a_preset(creator):
    client = signed_in(creator)
    page = client.get("/").content.decode()
    assert 'id="project-new"' in page
    form = client.get("/projects/new/").content.decode()
    assert "Membrane + nucleus + nucleolus + lipid droplet" in form
    response = client.post(
        "/projects/new/",
        {"slug": "tomo", "name": "Tomograms", "preset": "organelles", "paint_rule": "background"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/projects/tomo/settings/"
    project = Project.objects.get(slug="tomo")
    assert [c["name"] for c in project.label_classes] == [
        "nucleus",
        "membrane",
        "nucleolus",
        "lipid droplet",
    ]
    assert project.paint_rule == "background"
    settings = client.get("/projects/tomo/settings/").content.decode()
    assert 'id="label-classes"' in settings and "lipid droplet" in settings


def test_the_new_project_page_refuses_without_permission_and_bad_slugs(annotator, creator):
    assert signed_in(annotator).get("/projects/new/").status_code == 403
    client = signed_in(creator)
    assert "Create project" in client.get("/projects/new/").content.decode()
    response = client.post(
        "/projects/new/", {"slug": "new", "preset": "nucleus", "paint_rule": "replace"}
    )
    assert response.status_code == 400
    assert "addresses use" in response.content.decode()
    assert not Project.objects.filter(slug="new").exists()


def test_a_short_name_with_capitals_and_spaces_is_refused_with_one_to_use(creator):
    response = signed_in(creator).post(
        "/projects/new/", {"slug": "Nuclei RI 2026", "preset": "nucleus", "paint_rule": "replace"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "(e.g. “nuclei-ri-2026”)" in page
    assert "underscores" not in page  # the generic slug message, which suggested nothing
    assert not Project.objects.exists()


def test_the_settings_page_adds_renames_and_refuses_deleting_a_class_in_use(
    manager,
    annotated_section,
):
    project = annotated_section.project
    before = stored_masks(project)
    client = signed_in(manager)
    base = f"/projects/{project.slug}/settings/labels/"

    added = client.post(
        base, {"name": "cytoplasm", "colour": "#ffb000", "shortcut": "y", "kind": "region"}
    )
    assert added.status_code == 302
    taken = client.post(
        base, {"name": "membrane", "colour": "#9b5cff", "shortcut": "y", "kind": "region"}
    )
    assert taken.status_code == 409  # the key another class holds: the set's state refuses it
    assert "key “y” selects another class" in taken.content.decode()

    renamed = client.post(f"{base}1/", {"name": "nuclei", "colour": "#ff0000", "shortcut": "u"})
    assert renamed.status_code == 302
    refused = client.post(f"{base}1/delete/")
    assert refused.status_code == 409
    assert "used by 2 stored mask(s)" in refused.content.decode()
    assert client.post(f"{base}2/delete/").status_code == 302

    project.refresh_from_db()
    assert project.label_classes == [
        {"value": 1, "name": "nuclei", "colour": "#ff0000", "shortcut": "u", "kind": "instances"}
    ]
    assert stored_masks(project) == before


def test_the_settings_form_saves_the_painting_rule(manager, project):
    response = settings_form_post(signed_in(manager), paint_rule="background")
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).paint_rule == "background"
