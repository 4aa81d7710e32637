"""The work queue in the mode "most informative first" over 10,000 sections.

    .venv/bin/python bench/al.py [--specimens 250] [--depth 40] [--scored 0.8] [--repeat 200]

Seeds a throwaway database (a fresh PostgreSQL database next to ``DATABASE_URL`` or
``BENCH_DATABASE_URL`` when that is PostgreSQL, dropped afterwards; SQLite otherwise) with one
project of ``specimens × depth`` sections, a third of them already taken by other annotators,
and a fold-model disagreement score (``SectionDisagreement``) on a ``--scored`` fraction of
them. Each figure is the median of one Skip plus handing out the next section in process (what
the annotate page's Skip costs, as ``next_section_ms`` of bench/annotate.py), each mode with its
own annotator, in the same process:

- ``queue_fullest_first_10000_ms``: the default mode, the baseline;
- ``al_rank_10000_ms``: "most informative first" (target ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import ensure_malloc_env, figure, throwaway_database  # noqa: E402
from bench.annotate import configure, queue_ms, queue_project  # noqa: E402


def seed(specimens: int, depth: int, scored: float):
    import numpy as np

    from annotations.models import SectionDisagreement

    project, sections = queue_project("al-bench", "AL bench", specimens=specimens, depth=depth)
    rng = np.random.default_rng(0)
    chosen = rng.random(len(sections)) < scored
    SectionDisagreement.objects.bulk_create(
        [
            SectionDisagreement(
                section=section,
                project=project,
                variance=float(rng.uniform(0.0, 0.2)),
                pairwise_dice=float(rng.uniform(0.2, 1.0)),
                folds=4,
                training_job_id=1,
            )
            for section, pick in zip(sections, chosen, strict=True)
            if pick
        ],
        batch_size=1000,
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh tables: give the planner their real sizes
    return project, len(sections), int(chosen.sum())


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--specimens", type=int, default=250)
    parser.add_argument("--depth", type=int, default=40)
    parser.add_argument("--scored", type=float, default=0.8, help="fraction of sections scored")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="cellweb-bench-al-") as tmp,
        throwaway_database("al", Path(tmp)) as database_url,
    ):
        configure(Path(tmp), database_url)
        from annotations.models import QueueMode

        project, total, scored = seed(args.specimens, args.depth, args.scored)
        print(f"# {total} sections, {scored} scored, database {database_url.split(':')[0]}")
        print(f"# load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        figure("queue_fullest_first_10000_ms", queue_ms(project, "fullest", args.repeat), "ms")
        project.queue_mode = QueueMode.MOST_INFORMATIVE
        project.save(update_fields=["queue_mode"])
        figure("al_rank_10000_ms", queue_ms(project, "informative", args.repeat), "ms")


if __name__ == "__main__":
    main()
