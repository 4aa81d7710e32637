"""A model whose input size cannot tile a whole field is refused before anything is queued."""

from __future__ import annotations

import pytest

from cellweb.errors import ConflictError
from inference.ml.tiling import tile_size_error
from inference.models import Evaluation, Prediction
from inference.services.evaluation import evaluation_launch
from inference.services.prediction import prediction_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_prediction import time_lapse

STRIDE = "not a multiple of the network's stride 16"


def test_tile_size_error_names_the_stride() -> None:
    assert tile_size_error("osnet", 448) is None
    assert tile_size_error("fusionnet", 40) and STRIDE in tile_size_error("fusionnet", 40)
    assert tile_size_error("not-a-registry-network", 40) is None


def test_prediction_and_evaluation_refuse_a_bad_tile_size(project, manager) -> None:
    time_lapse(project, "cell", times=1)
    version = tiny_model_version(project, input_size=40)
    with pytest.raises(ConflictError, match=STRIDE):
        prediction_launch(project=project, user=manager, model_version_id=version.pk)
    with pytest.raises(ConflictError, match=STRIDE):
        evaluation_launch(
            project=project, user=manager, model_version_id=version.pk, set_kind="specimens"
        )
    assert not Prediction.objects.exists() and not Evaluation.objects.exists()


@pytest.mark.parametrize("native_crops", [None, True, False])
def test_every_input_size_a_user_chooses_is_checked_against_the_stride(native_crops) -> None:
    # The tile is the input size: training, in-silico labelling and the learning curve take it
    # from the form, the API and the commands, and all three refuse one off the stride (400).
    from inference.services.isl import IslOptions, isl_config
    from inference.services.learning_curve.config import LearningCurveConfig
    from inference.services.training import TrainingConfig

    assert "input_size" in TrainingConfig(input_size=40, native_crops=native_crops).problems()
    assert "input_size" in isl_config(IslOptions(input_size=40)).problems()
    assert "input_size" in LearningCurveConfig(input_size=40).problems()
    assert "input_size" not in TrainingConfig(input_size=48, native_crops=native_crops).problems()
