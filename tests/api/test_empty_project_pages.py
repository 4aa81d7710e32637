"""What a new lab reads before it has any data: the projects list and the annotate queue say
what to do next instead of thanking people for work nobody did."""

from __future__ import annotations

from annotations.models import Membership, Role
from tests.conftest import signed_in


def test_the_annotate_queue_of_a_project_without_images_says_to_import(project, manager):
    Membership.objects.create(project=project, user=manager, role=Role.ANNOTATOR)
    page = signed_in(manager).get(f"/projects/{project.slug}/annotate/next/").content.decode()
    assert "Nothing to annotate yet" in page
    assert "thank you" not in page and "You have annotated every section" not in page
    assert f'href="/projects/{project.slug}/import/"' in page


def test_an_annotator_of_an_empty_project_is_told_who_brings_images(project, annotator):
    page = signed_in(annotator).get(f"/projects/{project.slug}/annotate/next/").content.decode()
    assert 'data-role="no-sections"' in page and "once a manager" in page
    assert "/import/" not in page


def test_a_finished_queue_still_thanks_the_annotator(project, annotator, specimen, make_volume):
    make_volume(specimen, shape=(1, 16, 16))
    project.sections.update(submitted_count=3, status="review")
    page = signed_in(annotator).get(f"/projects/{project.slug}/annotate/next/").content.decode()
    assert "Nothing left for you here" in page and 'data-role="no-sections"' not in page


def test_a_user_who_may_create_projects_is_told_to_start_one(creator, django_user_model):
    page = signed_in(creator).get("/").content.decode()
    assert "No project yet. Start one with" in page
    assert "Ask a project manager" not in page
    newcomer = django_user_model.objects.create_user(username="newcomer", password="x-pass-1234")
    plain = signed_in(newcomer).get("/").content.decode()
    assert "Ask a project manager to add you" in plain


def test_the_export_page_says_there_is_nothing_to_export_yet(project, manager):
    page = signed_in(manager).get(f"/projects/{project.slug}/export/").content.decode()
    assert 'data-count="0"' in page and "Nothing to export yet" in page


def test_the_export_page_counts_the_masks_each_user_gets(annotated_section, manager, annotator):
    slug = annotated_section.project.slug
    everyone = signed_in(manager).get(f"/projects/{slug}/export/").content.decode()
    assert "2 submitted annotations to export." in everyone
    own = signed_in(annotator).get(f"/projects/{slug}/export/").content.decode()
    assert "1 submitted annotation to export." in own and "Nothing to export" not in own
