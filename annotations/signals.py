"""Receivers that take back section-image access held in memory (selectors/section_images/grants.py)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from annotations.models import Membership, Project, Volume
from annotations.selectors.section_images import revoke_image_access


def _revoke_after_commit(**_) -> None:
    # Now, so this process stops answering at once; after the commit too, so no other process
    # re-learns the old membership between the change and the commit.
    revoke_image_access()
    transaction.on_commit(revoke_image_access)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    revoke_image_access()


def _session_deleted(**_) -> None:
    # Logging out announces itself before the session is deleted; revoking again once it is gone
    # means no process can have learned the session in between.
    revoke_image_access()


def _membership_saved(sender, instance, created, **kwargs) -> None:
    # A new membership takes nothing away; an edited one may have moved to another user.
    if not created:
        _revoke_after_commit()


def _user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # Logging in saves last_login only; that changes nobody's access.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    _revoke_after_commit()


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="image-access-user-saved")
    post_delete.connect(
        _revoke_after_commit, sender=user_model, dispatch_uid="image-access-user-deleted"
    )
    # Deleting a volume deletes its sections; deleting a project, its memberships and volumes.
    for model in (Membership, Project, Volume):
        post_delete.connect(
            _revoke_after_commit, sender=model, dispatch_uid=f"image-access-{model.__name__}"
        )
    if apps.is_installed("django.contrib.sessions"):
        from django.contrib.sessions.models import Session

        post_delete.connect(_session_deleted, sender=Session, dispatch_uid="image-access-session")
    post_save.connect(
        _membership_saved, sender=Membership, dispatch_uid="image-access-membership-saved"
    )
