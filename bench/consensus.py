"""Consensus and review-queue figures.

    python bench/consensus.py [--sections 10000] [--repeat 50]

- ``staple_ms``: median STAPLE of 3 realistic 448x448 annotator masks (target <= 20 ms), by the
  EM on vote-pattern counts that gives SimpleITK's answer; ``staple_itk_ms``: the same call
  through ``sitk.STAPLEImageFilter`` on the whole section, for comparison;
- ``majority_ms``: median majority vote of the same masks (target <= 2 ms);
- ``consensus_service_ms``: the whole ``consensus_compute_for_section`` on such a section (decode
  the three revisions, STAPLE, agreement, disagreement map, store the rows) - what a submit or
  a recompute request pays;
- ``review_queue_ms``: median ``review_queue`` selector call for a project of 10,000 sections
  (target <= 100 ms), in a throwaway PostgreSQL database created and dropped here. The query
  plan is printed once so it can be checked that the ``section_review_queue`` index is used.

The server comes from ``DATABASE_URL`` (its database is only used to create the throwaway one;
default ``postgres://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, figure, median_ms

sys.path.insert(0, str(REPO_ROOT))

import numpy as np
import psycopg
from consensus_core import realistic_masks, time_majority_ms, time_staple_ms
from psycopg import sql

STATUS_SHARES = {
    "review": 0.35,
    "confirmed": 0.35,
    "open": 0.2,
    "sent_back": 0.05,
    "excluded": 0.05,
}


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/consensus.py needs a PostgreSQL DATABASE_URL (the queue figure is about its index)."
        )
    return url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _admin(url: str, statement: sql.Composable) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _setup_django(database_url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # embedded broker/cache: nothing else is touched
    os.environ["CELLWEB_DATA_DIR"] = data_dir
    os.environ.setdefault("CELLWEB_SECRET_KEY", "bench-only-" + uuid.uuid4().hex + uuid.uuid4().hex)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellweb.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection

    # The repository carries no migrations for its apps yet: create every table directly.
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            editor.create_model(model)


def bench_pure() -> None:
    from annotations.services.review import STAPLE_MAX_ITERATIONS

    figure("staple_ms", time_staple_ms(max_iterations=STAPLE_MAX_ITERATIONS), "ms")
    # The same consensus from SimpleITK's filter on the whole section (what staple_ms was before
    # the vote-pattern EM; tests/unit/test_staple_vote_patterns.py checks they agree).
    figure(
        "staple_itk_ms",
        time_staple_ms(max_iterations=STAPLE_MAX_ITERATIONS, engine="itk"),
        "ms",
    )
    figure("majority_ms", time_majority_ms(), "ms")


def _project_with_sections(n_sections: int, seed: int):
    from django.contrib.auth import get_user_model

    from annotations.imaging.masks import encode_mask
    from annotations.models import (
        Annotation,
        AnnotationStatus,
        GroundTruth,
        Membership,
        Project,
        Role,
        Section,
        Specimen,
        Volume,
    )

    rng = np.random.default_rng(seed)
    users = get_user_model().objects
    annotators = [users.create_user(username=f"annotator{i}", password=None) for i in range(3)]
    reviewer = users.create_user(username="reviewer", password=None)
    project = Project.objects.create(slug="bench", name="Bench")
    for user in annotators:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)

    z_per_volume = 100
    n_volumes = -(-n_sections // z_per_volume)
    volumes = []
    for index in range(n_volumes):
        specimen = Specimen.objects.create(project=project, name=f"cell-{index:03d}")
        volumes.append(
            Volume.objects.create(
                specimen=specimen,
                modality="ri",
                size_z=z_per_volume,
                size_y=448,
                size_x=448,
                data="none.npy",
            )
        )
    statuses = rng.choice(list(STATUS_SHARES), size=n_sections, p=list(STATUS_SHARES.values()))
    agreements = rng.beta(12, 1.5, size=n_sections)
    sections = []
    for index in range(n_sections):
        volume = volumes[index // z_per_volume]
        status = str(statuses[index])
        has_consensus = status in ("review", "confirmed", "excluded")
        # A few sections ready for review have no consensus yet (it failed, or is pending).
        agreement = float(agreements[index]) if has_consensus and rng.random() > 0.02 else None
        sections.append(
            Section(
                volume=volume,
                project=project,
                specimen_id=volume.specimen_id,
                z=index % z_per_volume,
                status=status,
                submitted_count=3 if has_consensus else int(rng.integers(0, 3)),
                agreement=agreement,
            )
        )
    sections = Section.objects.bulk_create(sections, batch_size=2000)

    annotations = []
    truths = []
    mask_png = encode_mask(np.zeros((4, 4), dtype=bool))
    for section in sections:
        for user in annotators[: section.submitted_count]:
            annotations.append(
                Annotation(
                    section=section, annotator=user, status=AnnotationStatus.SUBMITTED, revision=1
                )
            )
        if section.status == "confirmed":
            truths.append(
                GroundTruth(
                    section=section,
                    source="consensus",
                    version=1,
                    mask_png=mask_png,
                    is_current=True,
                    stale=bool(rng.random() < 0.03),
                )
            )
    Annotation.objects.bulk_create(annotations, batch_size=5000)
    GroundTruth.objects.bulk_create(truths, batch_size=5000)
    return project, reviewer, len(annotations), len(truths)


def bench_queue(n_sections: int, repeat: int) -> None:
    from django.db import connection

    from annotations.selectors.review import review_queue, review_queue_queryset

    start = time.perf_counter()
    project, reviewer, n_annotations, n_truths = _project_with_sections(n_sections, seed=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"# {n_sections} sections, {n_annotations} annotations, {n_truths} ground truths "
        f"created in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    queryset = review_queue_queryset(project=project, user=reviewer)[:50]
    print("# EXPLAIN of the review queue (first page):")
    for line in queryset.explain(analyze=True).splitlines():
        print("#   " + line)
    rows = review_queue(project=project, user=reviewer, limit=50)
    agreements = [row["agreement"] for row in rows]
    nulls = [a for a in agreements if a is None]
    values = [a for a in agreements if a is not None]
    if agreements[: len(nulls)] != nulls or values != sorted(values):
        sys.exit("review queue is not ordered lowest agreement first (nulls first)")
    figure(
        "review_queue_ms",
        median_ms(
            lambda: review_queue(project=project, user=reviewer, limit=50), repeat=repeat, warmup=5
        ),
        "ms",
    )


def bench_service(repeat: int) -> None:
    from annotations.imaging.masks import encode_mask
    from annotations.models import (
        Annotation,
        AnnotationRevision,
        AnnotationStatus,
        Project,
        Section,
        Specimen,
    )
    from annotations.services.review import consensus_compute_for_section
    from annotations.services.volumes import volume_create

    project = Project.objects.create(slug="bench-service", name="Bench service")
    specimen = Specimen.objects.create(project=project, name="cell")
    volume = volume_create(
        specimen=specimen, data=np.full((1, 448, 448), 1.35, dtype=np.float32), modality="ri"
    )
    section = Section.objects.select_related("volume", "project").get(volume=volume)
    from django.contrib.auth import get_user_model

    for index, mask in enumerate(realistic_masks(seed=3)):
        user = get_user_model().objects.create_user(username=f"service{index}", password=None)
        annotation = Annotation.objects.create(
            section=section, annotator=user, status=AnnotationStatus.SUBMITTED, revision=1
        )
        AnnotationRevision.objects.create(
            annotation=annotation,
            number=1,
            author=user,
            status=AnnotationStatus.SUBMITTED,
            mask_png=encode_mask(mask),
        )
    figure(
        "consensus_service_ms",
        median_ms(lambda: consensus_compute_for_section(section), repeat=repeat, warmup=2),
        "ms",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    server = _server_url()
    name = f"cw_bench_consensus_{os.getpid()}"
    _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with tempfile.TemporaryDirectory(prefix="cw-bench-") as data_dir:
            _setup_django(_with_database(server, name), data_dir)
            bench_pure()
            bench_service(max(5, args.repeat // 5))
            bench_queue(args.sections, args.repeat)
            from django.db import connections

            connections.close_all()
    finally:
        _admin(
            server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


if __name__ == "__main__":
    main()
