"""The blind rule: whose annotations of a section a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from annotations.models import Annotation, AnnotationStatus, Project, Section
from annotations.permissions import REVIEW_ROLES, oversees, require_role, user_roles


def can_see_all_annotations(user, project: Project) -> bool:
    return oversees(user, project)


def section_is_unblinded(section: Section) -> bool:
    """Annotators see each other's work once the section has all its required submissions."""
    return section.submitted_count >= section.project.required_annotations


def visible_annotations(*, user, section: Section) -> QuerySet[Annotation]:
    """The annotations of ``section`` this user may see.

    Reviewers and managers see all of them. An annotator sees only their own until the section
    has all its required submissions, and then also the others' submitted ones (never drafts).
    Members of another project, or of none, see nothing.
    """
    queryset = Annotation.objects.filter(section=section).select_related("annotator")
    roles = user_roles(user, section.project)
    if roles.intersection(REVIEW_ROLES):
        return queryset
    if not roles:
        return queryset.none()
    if section_is_unblinded(section):
        return queryset.filter(Q(annotator=user) | Q(status=AnnotationStatus.SUBMITTED))
    return queryset.filter(annotator=user)


def annotation_get_visible(*, user, annotation_id: int) -> Annotation:
    """An annotation by id, or 404 when it does not exist or the blind rule hides it."""
    annotation = (
        Annotation.objects.select_related(
            "section__project", "section__volume", "section__specimen", "annotator"
        )
        .filter(pk=annotation_id)
        .first()
    )
    if annotation is None:
        raise Http404("No such annotation.")
    section = annotation.section
    require_role(user, section.project)
    if not visible_annotations(user=user, section=section).filter(pk=annotation.pk).exists():
        raise Http404("No such annotation.")
    return annotation
