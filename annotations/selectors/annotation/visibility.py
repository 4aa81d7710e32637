"""The blind rule: whose annotations of a section a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from annotations.models import (
    Annotation,
    AnnotationStatus,
    GroundTruthSource,
    Membership,
    Project,
    Role,
    Section,
)
from annotations.permissions import (
    REVIEW_ROLES,
    get_section,
    oversees,
    require_role,
    user_roles,
)
from cellweb.errors import NotAllowed


def can_see_all_annotations(user, project: Project) -> bool:
    return oversees(user, project)


def section_is_unblinded(section: Section) -> bool:
    """Annotators see each other's work once the section has all its required submissions."""
    return section.submitted_count >= section.project.required_annotations


def annotates(user, project: Project) -> bool:
    """Whether ``user`` holds the annotator role in ``project``, whatever other roles they hold.

    A superuser holds every role on paper, but is an annotator only through a membership."""
    if getattr(user, "is_superuser", False):
        return Membership.objects.filter(project=project, user=user, role=Role.ANNOTATOR).exists()
    return Role.ANNOTATOR in user_roles(user, project)


def is_blind_on(user, section: Section) -> bool:
    """The blind rule: an annotator of the project (a reviewer or manager too, if they also
    annotate) sees only their own annotation of ``section`` until it has all its required
    submissions. Members who do not annotate are never blind."""
    return not section_is_unblinded(section) and annotates(user, section.project)


def blind_sections(user, project: Project) -> QuerySet[Section]:
    """The sections of ``project`` that ``user`` is blind on (``is_blind_on``), for filtering in
    bulk."""
    if not annotates(user, project):
        return Section.objects.none()
    return Section.objects.filter(project=project, submitted_count__lt=project.required_annotations)


def hidden_from(user, project: Project, via: str = "") -> Q:
    """The blind rule over a whole project, for reads that count or score annotations across
    annotators (the dashboard, the review queue, the export): co-annotators' annotations of the
    sections ``user`` is blind on (``blind_sections``), as a filter to exclude. ``via`` is the
    lookup path from the rows filtered to their annotation (``"annotation__"`` for revisions and
    correction efforts). It matches nothing for a member who does not annotate."""
    if not annotates(user, project):
        return Q(pk__in=[])
    return Q(**{f"{via}section__in": blind_sections(user, project)}) & ~Q(
        **{f"{via}annotator": user}
    )


# Ground truth built from the annotators' masks (a confirmed consensus) is their work and blind
# like them; truth derived from a stain or imported from files is nobody's work in the project.
BLIND_TRUTH_SOURCES = (GroundTruthSource.CONSENSUS,)


def truth_hidden_from(user, project: Project) -> Q:
    """The blind rule over a project's ground truth (``hidden_from`` for ``GroundTruth`` rows):
    the consensus truths of the sections ``user`` is blind on, as a filter to exclude. A
    confirmed section that loses a submission (sent back, reopened) is blind again, and so is
    its truth. It matches nothing for a member who does not annotate."""
    if not annotates(user, project):
        return Q(pk__in=[])
    return Q(section__in=blind_sections(user, project), source__in=BLIND_TRUTH_SOURCES)


def require_truth_unblinded(user, section: Section, source: str) -> None:
    """Refuse (403) ``source`` ground truth of ``section`` to a user blind on it, when that
    truth is built from the annotators' masks (``BLIND_TRUTH_SOURCES``)."""
    if source in BLIND_TRUTH_SOURCES:
        require_unblinded(user, section)


def require_unblinded(user, section: Section) -> None:
    """Refuse (403) a view of every annotator's work on ``section`` to a user blind on it."""
    if is_blind_on(user, section):
        raise NotAllowed(
            "You annotate in this project and this section does not yet have all its required "
            "submissions: its review, agreement and consensus open once they are all in."
        )


def visible_annotations(*, user, section: Section) -> QuerySet[Annotation]:
    """The annotations of ``section`` this user may see.

    An annotator (whatever other roles they hold) sees only their own until the section has all
    its required submissions (``is_blind_on``). After that an annotator also sees the others'
    submitted ones (never drafts). Reviewers and managers who do not annotate see all of them.
    Members of another project, or of none, see nothing.
    """
    queryset = Annotation.objects.filter(section=section).select_related("annotator")
    roles = user_roles(user, section.project)
    if is_blind_on(user, section):
        return queryset.filter(annotator=user)
    if roles.intersection(REVIEW_ROLES):
        return queryset
    if not roles:
        return queryset.none()
    return queryset.filter(Q(annotator=user) | Q(status=AnnotationStatus.SUBMITTED))


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


def review_section(user, section_id: int, *roles: str) -> Section:
    """A section for a view of every annotator's work on it (review page, agreement, consensus,
    audit, review actions): ``get_section`` with ``roles`` (the review roles unless given), then
    403 to a member blind on it (``is_blind_on``)."""
    section = get_section(user, section_id, *(roles or REVIEW_ROLES))
    require_unblinded(user, section)
    return section
