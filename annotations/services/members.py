"""Who works in a project: a manager adds an existing account with a role, or takes a role away.

Accounts themselves are made by an administrator (Admin → Users, or ``manage.py
createsuperuser``); a project's manager only chooses who of them works in the project and as
what. Removing a membership takes away image access at once (``annotations/signals.py``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from annotations.models import Membership, Project, Role
from cellweb.errors import ConflictError, InvalidInput, NotFoundError


def _account(identifier: str):
    """The active account whose user name (or e-mail address) is ``identifier``."""
    wanted = (identifier or "").strip()
    if not wanted:
        raise InvalidInput("Give the user name (or e-mail address) of the account to add.")
    user_model = get_user_model()
    matches = list(
        user_model.objects.filter(
            Q(username__iexact=wanted) | Q(email__iexact=wanted), is_active=True
        )[:2]
    )
    if not matches:
        raise NotFoundError(
            f"There is no active account called “{wanted}”. Give the exact user name; an "
            "administrator creates accounts in Admin → Users."
        )
    if len(matches) > 1:
        raise InvalidInput(
            f"More than one account answers to “{wanted}”; give the exact user name instead."
        )
    return matches[0]


@transaction.atomic
def membership_add(*, project: Project, identifier: str, role: str) -> Membership:
    """Give the account named ``identifier`` the ``role`` in ``project`` (409 when it has it)."""
    if role not in Role.values:
        raise InvalidInput(f"Unknown role “{role}”; choose one of {', '.join(Role.values)}.")
    user = _account(identifier)
    if Membership.objects.filter(project=project, user=user, role=role).exists():
        raise ConflictError(
            f"{user.get_username()} is already {role} in “{project.name}”.",
            code="already_member",
        )
    return Membership.objects.create(project=project, user=user, role=role)


@transaction.atomic
def membership_remove(*, project: Project, membership_id: int) -> Membership:
    """Take one role away; the project's last manager stays (409), so someone can manage it."""
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.filter(project=project, pk=membership_id).first()
    if membership is None:
        raise NotFoundError("This project has no such membership.")
    if (
        membership.role == Role.MANAGER
        and not Membership.objects.filter(project=project, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ConflictError(
            f"{membership.user.get_username()} is the only manager of “{project.name}”; add "
            "another manager before taking this role away.",
            code="last_manager",
        )
    membership.delete()
    return membership
