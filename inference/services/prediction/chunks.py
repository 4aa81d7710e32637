"""A volume predicted in chunks of sections (bounded host memory), with progress per chunk:
what the binary and the several-class predictions share (``runner.py``, ``classes.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotations.models import Volume
from inference.ml.heads import HeadLayout
from inference.ml.infer import FieldSettings
from inference.ml.predict import PredictOptions, predict_sections

__all__ = ["CHUNK_SECTIONS", "ChunkedPrediction"]

CHUNK_SECTIONS = 32


@dataclass(frozen=True)
class ChunkedPrediction:
    """What every volume of one prediction job is predicted with: the model, its field
    settings (``infer.field_settings``), the device, the options and the progress callback."""

    model: Any
    field: FieldSettings
    device: Any
    options: PredictOptions
    progress: Callable[..., None]
    foreground_two_pass: bool = False

    def chunks(
        self,
        volume: Volume,
        array,
        *,
        layout: HeadLayout | None = None,
        predict=predict_sections,
    ) -> Iterator[tuple[int, int, np.ndarray]]:
        """(start, stop, ``predict_sections``'s output) for each chunk of ``volume``'s sections,
        resized or tiled as the version was trained; the chunk's progress is reported once the
        caller has used it. ``predict`` is the caller's ``predict_sections`` (the name its
        module looks up)."""
        batch = 64 if self.device.type == "cuda" else 8
        label = f"{volume.specimen.name} t{volume.time_index}"
        for start in range(0, volume.size_z, CHUNK_SECTIONS):
            stop = min(start + CHUNK_SECTIONS, volume.size_z)
            output = predict(
                self.model,
                np.array(array[start:stop], dtype=np.float32),  # a writable copy for torch
                device=self.device,
                input_size=self.field.input_size,
                batch_size=batch,
                modality=volume.modality,
                tta=self.options.tta,
                tile_large=self.field.tile_large,
                layout=layout,
                foreground_two_pass=self.foreground_two_pass,
            )
            yield start, stop, output
            self.progress(stop - start, f"{label}: section {stop} of {volume.size_z}")
