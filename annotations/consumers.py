"""A section's live notices over a websocket: what a reviewer decided while its page is open.

Route ``ws/sections/<section_id>/`` (``cellweb/routing.py``). A member of the section's project
who is signed in joins the section's group and gets ``{"type": "hello"}``; then every notice
published to it (``annotations/services/review/announce.py``) is relayed as is, but for a
send-back: it names the annotators sent back and quotes the reviewer's comment, so it reaches only
them and the project's reviewers and managers who do not annotate; another annotator of the
section (whose annotation stands, whatever other role they hold) hears nothing of it, as the
blind rule keeps co-annotators and their masks apart. Close
codes as for jobs: 4403 when not signed in, 4404 for a section that does not exist or whose
project the user is not a member of.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.http import Http404

from annotations.permissions import get_section, oversees
from annotations.selectors.annotation.visibility import annotates
from cellweb.consumers import GroupConsumer
from cellweb.errors import NotAllowed, NotFoundError
from cellweb.jobs.consumer import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND

# The consumers' method that relays a notice (``cellweb.events.send_now``'s ``handler``).
NOTICE_HANDLER = "section.notice"


def section_group(section_id: int) -> str:
    return f"section.{section_id}"


def concerns(notice: dict[str, Any], *, username: str, oversees: bool) -> bool:
    """Whether ``notice`` is for a reader named ``username`` (``oversees``: a reviewer or
    manager of the project who does not annotate): every decision is, but a send-back only for
    those it names."""
    if notice.get("action") != "send_back" or oversees:
        return True
    return username in notice.get("annotators", [])


def told(notice: dict[str, Any], *, username: str, oversees: bool) -> dict[str, Any]:
    """``notice`` as a reader it concerns hears it: a send-back told to an annotator it names
    names them alone ("sent this section back to you"), as the blind rule keeps co-annotators'
    reviews apart; reviewers and managers who do not annotate hear it whole."""
    to_you = notice.get("said_to_you")
    notice = {key: value for key, value in notice.items() if key != "said_to_you"}
    if to_you is None or oversees:
        return notice
    return {**notice, "annotators": [username], "said": to_you}


def _oversees(user, section_id: int) -> bool:
    """Whether every send-back of the section is the user's to hear: a reviewer or manager who
    does not annotate. One who annotates is blind on a section sent back (it lacks a submission
    again, ``visibility.is_blind_on``), so hears only those that name them."""
    section = get_section(user, section_id)
    return oversees(user, section.project) and not annotates(user, section.project)


class SectionConsumer(GroupConsumer):
    oversees = False
    username = ""

    async def connect(self) -> None:
        section_id = int(self.scope["url_route"]["kwargs"]["section_id"])
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close_now(CLOSE_FORBIDDEN)
        try:
            self.oversees = await database_sync_to_async(_oversees)(user, section_id)
        except (Http404, NotFoundError, NotAllowed):
            await self.close_now(CLOSE_NOT_FOUND)
        self.username = user.get_username()
        await self.join(section_group(section_id))
        await self.send_json({"type": "hello", "section": section_id})

    async def receive_json(self, content, **kwargs) -> None:
        """The page sends nothing that needs an answer."""

    async def section_notice(self, message: dict[str, Any]) -> None:
        notice = message["event"]
        if self.group and concerns(notice, username=self.username, oversees=self.oversees):
            await self.send_json(told(notice, username=self.username, oversees=self.oversees))
