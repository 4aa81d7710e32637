"""Imported ground truth (expert masks, ``import_masks``) as people see it: per volume and per
specimen for the project and specimen pages, per section for the review page, and which
sections the work queue leaves out because of it.

Nuclei are counted from what the import recorded (``params``: ``instances`` per section,
``instances_in_volume``), so no mask is decoded for a list; a mask imported as a class map
(binary or classes, no ``--instances``) has no instance ids and its count is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from annotations.models import GroundTruth, GroundTruthSource, Project, Section
from annotations.selectors.encoding import b64
from cellweb.times import utc_minute

SOURCE_LABEL = GroundTruthSource.IMPORTED.label


def _current_imported():
    return GroundTruth.objects.filter(source=GroundTruthSource.IMPORTED, is_current=True)


def has_imported_truth() -> Exists:
    """True for a section (the outer query's row) whose current imported ground truth exists."""
    return Exists(_current_imported().filter(section=OuterRef("pk")))


def queue_leaves_out_imported(project: Project) -> bool:
    """Whether the work queue leaves out sections with imported ground truth (the default)."""
    return not project.queue_includes_imported


def queue_exclusion(project: Project) -> Q:
    """The condition a section of the work queue must meet: no imported ground truth, unless
    the project asks annotators to draw those sections too (``Project.queue_includes_imported``)."""
    return ~Q(has_imported_truth()) if queue_leaves_out_imported(project) else Q()


def _by_volume(rows: Iterable[dict]) -> dict[int, dict]:
    volumes: dict[int, dict] = {}
    for row in rows:
        entry = volumes.setdefault(
            row["section__volume_id"],
            {
                "sections": 0,
                "nuclei_in_volume": row["params"].get("instances_in_volume"),
                "versions": set(),
                "imported_by": set(),
                "imported_at": row["confirmed_at"],
            },
        )
        entry["sections"] += 1
        entry["versions"].add(row["version"])
        name = row["reviewer__username"] or row["params"].get("imported_by")
        if name:
            entry["imported_by"].add(name)
        entry["imported_at"] = max(entry["imported_at"], row["confirmed_at"])
    for entry in volumes.values():
        versions = sorted(entry.pop("versions"))
        entry["version"] = versions[-1]
        entry["versions"] = versions
        entry["imported_by"] = ", ".join(sorted(entry["imported_by"])) or None
    return volumes


def imported_truth_by_volume(volume_ids: Iterable[int]) -> dict[int, dict]:
    """Per volume with imported ground truth: ``sections`` (sections whose current ground truth
    is imported), ``nuclei_in_volume`` (distinct instance ids of the import, an object through
    several sections counted once; None for a class-map import), ``version`` (the newest current
    version; ``versions`` all of them), ``imported_by`` and ``imported_at`` (the latest). One
    query, the masks not read."""
    rows = (
        _current_imported()
        .filter(section__volume_id__in=list(volume_ids))
        .order_by("section__volume_id", "section__z")
        .values("section__volume_id", "version", "params", "confirmed_at", "reviewer__username")
    )
    return _by_volume(rows)


def imported_truth_of_sections(
    entry: dict | None, of: int, *, imported_in_queue: bool
) -> dict | None:
    """A volume's ``imported_truth_by_volume`` entry (or a specimen's,
    ``imported_truth_by_specimen``) with what it means for its ``of`` sections: ``of``,
    ``open_sections`` (sections without imported ground truth: the work queue offers them for
    annotation), ``partial`` (only some sections were imported, as by ``--labelled-only``, a list
    of sections or some time points only) and ``imported_in_queue`` (the project asks annotators
    to draw the imported sections too). None without imported truth."""
    if entry is None:
        return None
    open_sections = max(of - entry["sections"], 0)
    return entry | {
        "of": of,
        "open_sections": open_sections,
        "partial": open_sections > 0,
        "imported_in_queue": imported_in_queue,
    }


def imported_truth_by_specimen(specimen_ids: Iterable[int]) -> dict[int, dict]:
    """Per specimen: ``sections`` with imported ground truth and ``nuclei`` (the sum over its
    volumes of their distinct instance ids; None when no volume's import was numbered)."""
    rows = (
        _current_imported()
        .filter(section__specimen_id__in=list(specimen_ids))
        .values(
            "section__specimen_id",
            "section__volume_id",
            "version",
            "params",
            "confirmed_at",
            "reviewer__username",
        )
    )
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["section__specimen_id"]].append(row)
    specimens = {}
    for specimen_id, specimen_rows in grouped.items():
        volumes = _by_volume(specimen_rows).values()
        counted = [v["nuclei_in_volume"] for v in volumes if v["nuclei_in_volume"] is not None]
        specimens[specimen_id] = {
            "sections": sum(v["sections"] for v in volumes),
            "nuclei": sum(counted) if counted else None,
        }
    return specimens


def _section_truth(section: Section) -> GroundTruth | None:
    return _current_imported().filter(section=section).select_related("reviewer").first()


def _summary(truth: GroundTruth) -> dict:
    return {
        "source": GroundTruthSource.IMPORTED.value,
        "label": SOURCE_LABEL,
        "version": truth.version,
        "nuclei": truth.params.get("instances"),
        "imported_by": truth.reviewer.get_username()
        if truth.reviewer_id
        else truth.params.get("imported_by"),
        "imported_at": truth.confirmed_at,  # a datetime: the page formats it, json_script encodes it
        "file": truth.params.get("file"),
    }


def imported_truth_summary(section: Section) -> dict | None:
    """The section's current imported ground truth without its mask: ``version``, ``nuclei``
    (instance ids in this section; None for a class-map import), ``imported_by``,
    ``imported_at`` and ``file`` (the imported file's name; None for an import that did not
    record it); None when it has none."""
    truth = _section_truth(section)
    return _summary(truth) if truth is not None else None


def imported_truth_said(summary: dict) -> str:
    """One sentence for a reviewer: which imported mask is the section's ground truth."""
    parts = [f"version {summary['version']}"]
    if summary["file"]:
        parts.append(f"file “{summary['file']}”")
    if summary["imported_by"]:
        parts.append(f"imported by {summary['imported_by']}")
    parts.append(f"at {utc_minute(summary['imported_at'])}")
    return f"This section's ground truth is the imported mask ({', '.join(parts)})."


def section_imported_truth(section: Section) -> dict | None:
    """The section's current imported ground truth for the review page: the summary above, the
    mask and its outline; None when it has none."""
    from annotations.selectors.review.minority import objects_outline_png

    truth = _section_truth(section)
    if truth is None:
        return None
    summary = _summary(truth)
    mask = bytes(truth.mask_png)
    return {
        **summary,
        "said": imported_truth_said(summary),
        "mask_png": b64(mask),
        "outline_png": objects_outline_png(section, mask),
        "in_queue": not queue_leaves_out_imported(section.project),
    }
