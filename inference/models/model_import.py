"""A model import as a background job: the uploaded file waits, staged, until a worker runs its
package's test tensors through the network and stores the version (docs/model_exchange.md)."""

from __future__ import annotations

from django.db import models

from annotations.models import Project
from annotations.models.fields import creator, optional_link
from cellweb.jobs.fields import ProjectJobFields
from inference.models.training import ModelVersion

__all__ = ["ModelImportJob"]


class ModelImportJob(ProjectJobFields):
    """One import (job kind "model_import") of an uploaded bioimage.io package or state dict."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    created_by = creator()
    staged_path = models.CharField(
        max_length=500, blank=True, default="", help_text="The upload, staged until it ends."
    )
    original_name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    arch = models.CharField(
        max_length=64, blank=True, default="", help_text="The network given; blank: the file's."
    )
    name = models.CharField(max_length=120, blank=True, default="", help_text="The name given.")
    model_version = optional_link(ModelVersion)

    def __str__(self) -> str:
        return f"Model import {self.original_name} · {self.status}"
