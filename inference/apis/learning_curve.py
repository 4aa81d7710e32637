"""REST endpoints of a learning curve: its live snapshot (the page's socket fallback) and
cancel. It is launched from the training area's form or ``manage.py learning_curve``."""

from __future__ import annotations

from rest_framework import serializers

from cellweb.jobs.api import JobRowSerializer, job_api_views
from inference.apis.evaluation import ERRORS


class LearningCurveSerializer(JobRowSerializer):
    sizes = serializers.JSONField(help_text="Numbers of training sections, increasing.")
    seeds = serializers.IntegerField()
    arch = serializers.CharField()
    start_version = serializers.IntegerField(allow_null=True)
    held_out = serializers.JSONField(help_text="[{id, name, sections}] scored at every point.")
    total_points = serializers.IntegerField()
    points = serializers.JSONField(
        help_text="[{start, n, seed, epochs, specimens, drawn_specimens, dice, map}]"
    )
    cancel_requested = serializers.BooleanField()
    seq = serializers.IntegerField()


LearningCurveDetailApi, LearningCurveCancelApi = job_api_views(
    "learning_curve",
    output=LearningCurveSerializer,
    errors=ERRORS,
    id_kwarg="curve_id",
    operations=("learning_curve_get", "learning_curve_cancel"),
    summaries=(
        "A learning curve: status, progress, held-out specimens and finished points",
        "Cancel a learning curve (the points it finished are kept)",
    ),
)
