"""A project's round settings (managers only)."""

from __future__ import annotations

from django.db import transaction

from annotations.models import Project, Role
from annotations.permissions import require_role
from cellweb.errors import InvalidInput
from inference.models import RoundSettings

MAX_ROUND_EPOCHS = 1000


@transaction.atomic
def round_settings_set(
    *,
    project: Project,
    user,
    epochs: int,
    activate_when_better: bool,
    retrain_after_sections: int = 0,
) -> RoundSettings:
    require_role(user, project, Role.MANAGER)
    if not isinstance(epochs, int) or not 1 <= epochs <= MAX_ROUND_EPOCHS:
        raise InvalidInput(f"Round epochs must be between 1 and {MAX_ROUND_EPOCHS}.")
    if not isinstance(retrain_after_sections, int) or not 0 <= retrain_after_sections <= 100_000:
        raise InvalidInput("“Retrain after N more sections” must be between 0 (off) and 100000.")
    row, _ = RoundSettings.objects.select_for_update().get_or_create(project=project)
    row.epochs = epochs
    row.activate_when_better = bool(activate_when_better)
    row.retrain_after_sections = retrain_after_sections
    row.full_clean()
    row.save()
    return row
