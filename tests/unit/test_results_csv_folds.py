"""results.csv names each cross-validation fold as the report and the job page do (fold 1 is the
first fold), and leaves the fold empty outside cross-validation, so rows join the report's
tables."""

from __future__ import annotations

import csv
import io

import pytest

from inference.reports.csv_rows import results_csv_lines
from tests.helpers_evaluation import cross_validation_job, make_specimens, run_evaluation

pytestmark = pytest.mark.django_db


def _rows(evaluation) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(results_csv_lines(evaluation)))))


def test_cross_validation_rows_number_folds_from_one_as_the_report(project, manager, make_volume):
    specimens = [s for s, _ in make_specimens(project, make_volume, 4, z=2, size=32)]
    _job, versions = cross_validation_job(project, specimens)
    done = run_evaluation(project, manager, version=versions[0], set_kind="cross_validation")
    assert done.status == "succeeded", done.error
    folds = {(r["level"], r["specimen"], r["fold"]) for r in _rows(done)}
    # The first fold (the report's "Fold 1") holds out specimens 0 and 2.
    for level in ("section", "volume"):
        assert (level, specimens[0].name, "1") in folds
        assert (level, specimens[1].name, "2") in folds
    assert not {f for *_, f in folds} - {"1", "2"}


def test_rows_of_another_set_have_no_fold(project, manager, make_volume):
    specimens = [s for s, _ in make_specimens(project, make_volume, 2, z=2, size=32)]
    _job, versions = cross_validation_job(project, specimens)
    done = run_evaluation(project, manager, version=versions[0], specimens=specimens[:1])
    assert done.status == "succeeded", done.error
    assert {r["fold"] for r in _rows(done)} == {""}
