"""A tiny training job on bright-field + phase sections, run by a real Celery worker: its networks
take both channels, and its versions record them and segment two-channel volumes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotations.models import Volume
from annotations.services.volumes import volume_array
from cellweb.celery import app as celery_app
from inference.ml.infer import predict_volume
from inference.models import ModelVersion
from inference.services.channels import version_channels
from inference.services.model_versions import model_version_load
from inference.services.training import training_job_launch
from tests.helpers_channels import CHANNELS, add_bf_phase_specimens
from tests.helpers_training import SINGLE_THREAD_ENV, tiny_config, wait_for_job

pytestmark = pytest.mark.integration


def test_a_job_on_two_channel_sections_trains_two_channel_versions(
    worker_factory, project, manager
):
    celery_app.control.purge()
    add_bf_phase_specimens(project, 4)
    worker = worker_factory(name="mc-worker", extra_env=SINGLE_THREAD_ENV)
    job = training_job_launch(project=project, user=manager, config=tiny_config(epochs=2))

    job = wait_for_job(job.pk, logs=[worker])

    assert job.status == "succeeded", (job.error, worker.log_text()[-3000:])
    versions = list(ModelVersion.objects.filter(job=job))
    assert len(versions) == 2
    volume = Volume.objects.filter(specimen__project=project).first()
    for version in versions:
        assert version_channels(version) == (2, CHANNELS)
        model, meta = model_version_load(version)
        assert meta["in_channels"] == 2 and meta["channel_names"] == CHANNELS
        first_conv = next(p for p in model.state_dict().values() if p.ndim == 4)
        assert first_conv.shape[1] == 2
        probabilities = predict_volume(
            model,
            volume_array(volume),
            input_size=32,
            device=torch.device("cpu"),
            modality="brightfield",
        )
        assert probabilities.shape == volume.shape
        assert np.isfinite(probabilities).all()
