"""How each person chose to see each volume: the display window they last picked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annotations.models.volumes import Volume


class WindowMode(models.TextChoices):
    DEFAULT = "default", "Physical default"
    AUTO = "auto", "Auto: percentiles of this volume"
    CUSTOM = "custom", "Custom"


class DisplayPreference(models.Model):
    """One user's display window for one volume, restored when they open it again.

    ``default`` and ``auto`` store no bounds (they follow the settings and the volume's stored
    percentiles); ``custom`` stores ``lo`` < ``hi`` in the volume's physical units.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="display_preferences"
    )
    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="display_preferences")
    mode = models.CharField(max_length=8, choices=WindowMode.choices, default=WindowMode.DEFAULT)
    lo = models.FloatField(null=True, blank=True)
    hi = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "volume"], name="display_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · volume {self.volume_id} · {self.mode}"
