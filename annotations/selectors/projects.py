"""Reads about projects: the user's list, one project's detail and settings, its navigation."""

from __future__ import annotations

from django.db.models import Count

from annotations.models import Project, Section, Specimen, Tag
from annotations.permissions import projects_for, user_roles
from annotations.selectors.labels import label_set

ROLE_ORDER = ("manager", "reviewer", "annotator")


def sorted_roles(roles) -> list[str]:
    return [r for r in ROLE_ORDER if r in roles]


# A project's settings, by the name of its field.
PROJECT_SETTINGS = (
    "required_annotations",
    "consensus_method",
    "allow_fluorescence_reference",
    "allow_self_review",
    "proposals",
    "queue_mode",
    "queue_includes_imported",
    "annotations_before_proposals",
    "paint_rule",
)


def project_settings(project: Project) -> dict:
    return {name: getattr(project, name) for name in PROJECT_SETTINGS}


def project_links(project: Project, roles) -> list[dict]:
    """The areas of a project this user may open, as (label, url) in a sensible order."""
    base = f"/projects/{project.slug}"
    links = [{"label": "Specimens", "url": f"{base}/", "key": "project"}]
    if "annotator" in roles:
        links.append({"label": "Annotate", "url": f"{base}/annotate/next/", "key": "annotate"})
    # Managers may do all a reviewer does (annotations/permissions.py), and both open the
    # dashboard.
    if "reviewer" in roles or "manager" in roles:
        links += [
            {"label": "Review", "url": f"{base}/review/", "key": "review"},
            {"label": "Dashboard", "url": f"{base}/dashboard/", "key": "dashboard"},
        ]
    if "manager" in roles:
        links.append({"label": "Training", "url": f"{base}/training/", "key": "training"})
    links += [
        {"label": "Models", "url": f"{base}/models/", "key": "models"},
        {"label": "Rounds", "url": f"{base}/rounds/", "key": "rounds"},
        {"label": "Evaluations", "url": f"{base}/evaluations/", "key": "evaluations"},
        {"label": "Predictions", "url": f"{base}/predictions/", "key": "predictions"},
        {"label": "Export", "url": f"{base}/export/", "key": "export"},
    ]
    if "manager" in roles:
        links += [
            {"label": "Import", "url": f"{base}/import/", "key": "import"},
            {"label": "Settings", "url": f"{base}/settings/", "key": "settings"},
        ]
    return links


def project_list(*, user) -> list[dict]:
    """The user's projects with their roles and how much data each holds."""
    projects = (
        projects_for(user)
        .annotate(
            specimen_count=Count("specimens", distinct=True),
        )
        .order_by("name")
    )
    projects = list(projects)
    section_counts = dict(
        Section.objects.filter(project__in=projects, is_label_free=True)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    rows = []
    for project in projects:
        roles = user_roles(user, project)
        rows.append(
            {
                "id": project.pk,
                "slug": project.slug,
                "name": project.name,
                "description": project.description,
                "roles": sorted_roles(roles),
                "specimen_count": project.specimen_count,
                "section_count": section_counts.get(project.pk, 0),
                "url": f"/projects/{project.slug}/",
            }
        )
    return rows


def project_detail(*, user, project: Project) -> dict:
    roles = user_roles(user, project)
    return {
        "id": project.pk,
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "roles": sorted_roles(roles),
        "settings": project_settings(project),
        "labels": label_set(project),
        "specimen_count": project.specimens.count(),
        "section_count": Section.objects.filter(project=project, is_label_free=True).count(),
        "links": project_links(project, roles),
    }


def project_filters(*, project: Project) -> dict:
    labs = (
        Specimen.objects.filter(project=project)
        .exclude(lab="")
        .order_by("lab")
        .values_list("lab", flat=True)
        .distinct()
    )
    tags = Tag.objects.filter(project=project).order_by("name").values_list("name", flat=True)
    return {"labs": list(labs), "tags": list(tags)}


def project_filter_counts(*, project: Project) -> dict:
    """The labs and tags of ``project`` with how many specimens each holds, for launch forms:
    ``{"labs": [{"value", "n"}], "tags": [{"value", "n"}]}``, each in name order."""
    labs = (
        Specimen.objects.filter(project=project)
        .exclude(lab="")
        .values("lab")
        .annotate(n=Count("id"))
        .order_by("lab")
    )
    tags = (
        Tag.objects.filter(project=project)
        .annotate(n=Count("specimens"))
        .order_by("name")
        .values("name", "n")
    )
    return {
        "labs": [{"value": row["lab"], "n": row["n"]} for row in labs],
        "tags": [{"value": row["name"], "n": row["n"]} for row in tags],
    }
