""" "Predict new imports" of a time-lapse imported one frame at a time: volumes segmented.

    python bench/predict_imports.py [--times 8]

A specimen's T frames (8 sections of 64 x 64, three nuclei, one of which divides) are imported
one after another into a project that predicts new imports, each import's prediction run to
the end in this process (``predict_imported`` + ``prediction_run``) on a throwaway SQLite site;
the network is replaced by a threshold of the RI, as in the tests, so the figures count the
job's own work. Twice: as before, every new frame re-predicting the whole series (the
whole-series fallback forced), and as now, every frame after the last predicted one continuing
the series' tracks.

Figures:

- ``predict_imports_volumes_before_T<T>``: volumes segmented over the T imports, whole series
  each time, T(T+1)/2;
- ``predict_imports_volumes_after_T<T>``: the same with continuation, T;
- ``predict_imports_seconds_before_T<T>`` / ``_after_T<T>``: the jobs' wall time, summed;
- ``predict_imports_same_track_ids``: 1 when both leave the same track ids and parents on every
  time point, else 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, bench_manager, ensure_malloc_env, figure, throwaway_site

ensure_malloc_env()  # before numpy/torch allocate anything

sys.path.insert(0, str(REPO_ROOT))


def _imports(project, user, name: str, times: int) -> tuple[int, float, list]:
    """Import ``times`` frames one at a time, each predicted at once: volumes segmented,
    seconds, and the (id, parent) of the nuclei at each time point at the end."""
    from annotations.models import Specimen
    from inference.models import PredictionResult
    from inference.services.prediction import predict_imported, prediction_run
    from tests.helpers_prediction import dividing_frame, import_done, nucleus_volume

    specimen = Specimen.objects.create(project=project, name=name)
    volumes, seconds = 0, 0.0
    for t in range(times):
        nucleus_volume(specimen, dividing_frame(t), t)
        start = time.perf_counter()
        prediction = predict_imported(import_done(project, user, specimen, t))
        done = prediction_run(prediction_id=prediction.pk, device="cpu")
        seconds += time.perf_counter() - start
        assert done.status == "succeeded", done.error
        volumes += len(done.config["volumes"])
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    ids = [
        sorted((n["id"], n.get("parent")) for n in r.nuclei) for r in current.order_by("time_index")
    ]
    return volumes, seconds, ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--times", type=int, default=8, help="frames imported one at a time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cellweb-bench-") as tmp:
        throwaway_site(Path(tmp))
        import inference.services.prediction.launch as launch
        import inference.services.prediction.runner as runner
        from inference.models import PredictionSettings
        from inference.services.model_versions import model_version_activate
        from tests.helpers_evaluation import tiny_model_version
        from tests.helpers_prediction import threshold_sections

        user, project = bench_manager()
        model_version_activate(version=tiny_model_version(project), user=user)
        PredictionSettings.objects.create(project=project, predict_new_imports=True)
        runner.predict_sections = threshold_sections  # known nuclei, not an untrained network's
        continuation = launch.continuation_points
        # As before: no continuation, the whole series each time.
        launch.continuation_points = lambda version, volumes, held, series: (
            dict.fromkeys(held),
            {},
        )
        before = _imports(project, user, "before", args.times)
        launch.continuation_points = continuation
        after = _imports(project, user, "after", args.times)
    t = args.times
    figure(f"predict_imports_volumes_before_T{t}", before[0], "volumes")
    figure(f"predict_imports_volumes_after_T{t}", after[0], "volumes")
    figure(f"predict_imports_seconds_before_T{t}", before[1], "s")
    figure(f"predict_imports_seconds_after_T{t}", after[1], "s")
    figure("predict_imports_same_track_ids", int(before[2] == after[2]), "")


if __name__ == "__main__":
    main()
