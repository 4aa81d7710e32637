"""The networks of the last few model versions, loaded on the CPU once per process and kept
(BatchNorm folded into the convolutions, same outputs): what on-demand proposals and virtual
stains run, so a second request skips the load."""

from __future__ import annotations

import threading
from collections import OrderedDict

import torch

from inference.ml.fuse import fuse_conv_bn
from inference.models import ModelVersion


class LoadedModels:
    """The networks of the last few versions, so a second on-demand proposal skips the load."""

    def __init__(self, kept: int = 2) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._models: OrderedDict[tuple[int, str], tuple[torch.nn.Module, dict]] = OrderedDict()

    def get(self, version: ModelVersion) -> tuple[torch.nn.Module, dict]:
        from inference.services.model_versions import model_version_load

        key = (version.pk, version.weights.name)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        model, meta = model_version_load(version, device=torch.device("cpu"))
        loaded = (fuse_conv_bn(model), meta)
        with self._lock:
            self._models[key] = loaded
            while len(self._models) > self._kept:
                self._models.popitem(last=False)
        return loaded
