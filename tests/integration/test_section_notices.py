"""The annotate page's live notice over the real websocket: a member on ``ws/sections/<id>/``
hears a reviewer's send-back, confirmation or exclusion once it commits, in the words a stale
save would get; strangers are turned away."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from annotations.consumers import concerns, told
from annotations.models import Consensus, Membership, Role, Section
from annotations.services.review import review_confirm
from annotations.services.review.decisions import review_exclude, review_send_back
from tests.fixtures_live import run_async
from tests.helpers_threads import closing_connection
from tests.integration.test_training_websocket import _close_code, session_cookie
from tests.review_support import disk, submit

pytestmark = pytest.mark.integration

SHAPE = (32, 32)


@pytest.fixture
def in_review(specimen, make_volume, cast):
    """alice, bob and carol submitted section z1: it is ready for review."""
    section = Section.objects.get(volume=make_volume(specimen, shape=(3, *SHAPE)), z=1)
    for offset, user in enumerate(cast):
        submit(section, user, disk(SHAPE, 16, 16 + offset, 8))
    return Section.objects.get(pk=section.pk)


async def _hear(url: str, headers: dict, decide) -> tuple[dict, list[dict]]:
    """Join, run ``decide`` (in a thread: it uses the database) once joined, and gather the
    notices it causes."""
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        count = await asyncio.to_thread(closing_connection(decide))
        notices = [json.loads(await asyncio.wait_for(ws.recv(), 30)) for _ in range(count)]
    return hello, notices


def test_an_open_page_hears_each_decision_and_strangers_are_turned_away(
    asgi_server, annotator, reviewer, outsider, in_review
):
    url = f"{asgi_server.ws_url}/ws/sections/{in_review.pk}/"
    origin = {"Origin": asgi_server.url}
    assert run_async(_close_code(url, origin)) == 4403  # not signed in
    stranger = {"Cookie": session_cookie(asgi_server, "otto"), **origin}
    assert run_async(_close_code(url, stranger)) == 4404  # not a member

    def decide() -> int:
        consensus = Consensus.objects.get(section=in_review, is_current=True)
        review_confirm(section=in_review, reviewer=reviewer, consensus_id=consensus.pk)
        # Then the confirmed section is sent back to alice after all.
        review_send_back(
            section=in_review,
            reviewer=reviewer,
            comment="Too big.",
            annotator_ids=[annotator.pk],
            base_version=1,
        )
        return 2

    headers = {"Cookie": session_cookie(asgi_server, "alice"), **origin}
    hello, (confirmed, sent_back) = run_async(_hear(url, headers, decide))
    assert hello == {"type": "hello", "section": in_review.pk}
    assert confirmed["type"] == "review_decision" and confirmed["action"] == "confirm"
    assert confirmed["by"] == "rita" and confirmed["status"] == "confirmed"
    assert confirmed["said"].startswith("rita confirmed this section's ground truth version 1 (")
    assert sent_back["action"] == "send_back" and sent_back["annotators"] == ["alice"]
    assert sent_back["said"].startswith("rita sent this section back to you (")
    assert "said_to_you" not in sent_back
    assert "UTC): “Too big.” It returns to review" in sent_back["said"]


@pytest.mark.parametrize("bob_manages", [False, True], ids=["annotator", "manager-annotator"])
def test_a_send_back_reaches_only_the_annotators_it_names(
    asgi_server, annotator, second_annotator, reviewer, project, in_review, bob_manages
):
    """bob's annotation of the section stands when alice's is sent back: the notice, which names
    alice and quotes the comment on her mask, is not his to read (the blind rule: the section
    lacks a submission again), even when he manages the project too; the exclusion that follows
    is."""
    if bob_manages:
        Membership.objects.create(project=project, user=second_annotator, role=Role.MANAGER)
    url = f"{asgi_server.ws_url}/ws/sections/{in_review.pk}/"

    def decide() -> int:
        review_send_back(
            section=in_review,
            reviewer=reviewer,
            comment="Your outline misses the lower lobe.",
            annotator_ids=[annotator.pk],
            base_version=None,
        )
        review_exclude(section=in_review, reviewer=reviewer, reason="Out of focus.")
        return 1

    headers = {"Cookie": session_cookie(asgi_server, "bob"), "Origin": asgi_server.url}
    _, (heard,) = run_async(_hear(url, headers, decide))
    assert heard["action"] == "exclude" and heard["said"].startswith("rita excluded this section")
    assert "lower lobe" not in json.dumps(heard) and "alice" not in json.dumps(heard)


def test_who_a_send_back_concerns():
    notice = {"action": "send_back", "annotators": ["alice"]}
    assert concerns(notice, username="alice", oversees=False)
    assert not concerns(notice, username="bob", oversees=False)
    assert concerns(notice, username="rita", oversees=True)
    assert concerns({"action": "confirm", "annotators": []}, username="bob", oversees=False)


def test_a_send_back_names_each_annotator_it_reaches_alone():
    """Sent back to alice and bob together: each hears it told to them, not who else was sent
    back; a reviewer who does not annotate hears it whole."""
    notice = {
        "action": "send_back",
        "annotators": ["alice", "bob"],
        "said": "rita sent this section back to alice, bob (…): “Redraw.”",
        "said_to_you": "rita sent this section back to you (…): “Redraw.”",
    }
    alice = told(notice, username="alice", oversees=False)
    assert alice["annotators"] == ["alice"] and "bob" not in alice["said"]
    assert alice["said"].startswith("rita sent this section back to you")
    rita = told(notice, username="rita", oversees=True)
    assert rita["annotators"] == ["alice", "bob"] and "said_to_you" not in rita
