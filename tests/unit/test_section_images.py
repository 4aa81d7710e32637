"""Section images answered from memory: grants, their revocation, and the PNGs kept in process."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from annotations.models import Membership
from annotations.selectors import section_images
from annotations.selectors.section_images import (
    EPOCH_CACHE_KEY,
    ImageRequest,
    answer,
    answer_from_memory,
    answers,
    grants,
    pngs,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state():
    section_images.forget_in_process()
    yield
    section_images.forget_in_process()


@pytest.fixture
def section(specimen, make_volume):
    ramp = np.linspace(1.33, 1.40, 32, dtype=np.float32)
    volume = make_volume(specimen, np.broadcast_to(ramp, (3, 32, 32)).copy())
    return volume.sections.get(z=1)


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def ask(section, session_key, **query) -> ImageRequest:
    return ImageRequest(section.pk, session_key, {k: str(v) for k, v in query.items()})


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_a_members_image_is_rendered_then_answered_from_memory(annotator, section, api):
    key = session_of(annotator)
    request = ask(section, key, lo=1.33, hi=1.40)
    assert answer_from_memory(request) is None  # nothing known yet
    first = answer(request)
    assert first.status == 200
    assert (
        first.body
        == api(annotator).get(f"/api/sections/{section.pk}/image.png?lo=1.33&hi=1.40").content
    )
    assert pixels(first.body)[0, 0] == 0 and pixels(first.body)[0, -1] == 255
    again = answer_from_memory(request)
    assert again == first
    unchanged = answer_from_memory(
        ImageRequest(section.pk, key, request.query, if_none_match=f"W/{first.etag}")
    )
    assert (unchanged.status, unchanged.body, unchanged.etag) == (304, b"", first.etag)


def test_a_new_window_is_rendered_but_known_access_is_reused(annotator, section, monkeypatch):
    key = session_of(annotator)
    answer(ask(section, key))
    asked = []
    real = answers.session_may_see
    monkeypatch.setattr(answers, "session_may_see", lambda *a: asked.append(a) or real(*a))
    narrow = answer(ask(section, key, lo=1.36, hi=1.37))
    assert narrow.status == 200
    assert asked == []  # the grant answered, not the session store


@pytest.mark.parametrize(
    "query",
    [{"lo": "abc"}, {"lo": 1.4, "hi": 1.3}, {"size": 4}, {"tint": "purple"}],
)
def test_bad_parameters_are_left_to_the_view(annotator, section, query):
    key = session_of(annotator)
    assert answer(ask(section, key)) is not None
    assert answer(ask(section, key, **query)) is None
    assert answer_from_memory(ask(section, key, **query)) is None


def test_no_outsider_anonymous_or_missing_section_is_answered(outsider, annotator, section):
    assert answer(ask(section, session_of(outsider))) is None
    assert answer(ask(section, "no-such-session-key")) is None
    assert answer(ask(section, None)) is None
    assert answer(ImageRequest(section.pk + 10_000, session_of(annotator), {})) is None


def test_removing_a_member_takes_their_images_away_at_once(annotator, section):
    key = session_of(annotator)
    assert answer(ask(section, key)).status == 200
    Membership.objects.filter(user=annotator).delete()
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)) is None


def test_logging_out_revokes_that_session(annotator, reviewer, section):
    leaving, staying = Client(), Client()
    leaving.force_login(annotator)
    staying.force_login(reviewer)
    gone, kept = leaving.session.session_key, staying.session.session_key
    for key in (gone, kept):
        assert answer(ask(section, key)).status == 200
    leaving.post("/accounts/logout/")
    assert answer_from_memory(ask(section, gone)) is None
    assert answer(ask(section, gone)) is None
    assert answer(ask(section, kept)).status == 200  # checked again, still signed in


def test_a_new_password_or_deactivation_revokes_but_logging_in_does_not(annotator, section):
    key = session_of(annotator)
    assert answer(ask(section, key)).status == 200
    annotator.save(update_fields=["last_login"])
    assert answer_from_memory(ask(section, key)).status == 200

    annotator.set_password("another-pass-word-456")
    annotator.save()
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)) is None  # the session's hash no longer matches


def test_deleting_the_volume_forgets_its_sections(annotator, section):
    key = session_of(annotator)
    assert answer(ask(section, key)).status == 200
    section.volume.delete()
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)) is None


def test_another_process_revoking_is_seen_at_the_next_check(annotator, section, settings):
    key = session_of(annotator)
    settings.SECTION_IMAGE_GRANT_RECHECK_S = 3600.0
    assert answer(ask(section, key)).status == 200
    # Another process revokes: only the shared epoch changes here.
    cache.set(EPOCH_CACHE_KEY, "from-another-process", timeout=None)
    assert answer_from_memory(ask(section, key)).status == 200  # not looked at yet
    settings.SECTION_IMAGE_GRANT_RECHECK_S = 0.0
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)).status == 200  # still a member: learned again


def test_an_unreadable_cache_drops_every_grant(annotator, section, monkeypatch):
    key = session_of(annotator)
    assert answer(ask(section, key)).status == 200

    class Unreachable:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache is down")

    monkeypatch.setattr(grants, "_epoch_cache", lambda: Unreachable())
    assert answer_from_memory(ask(section, key)) is None


def test_a_grant_expires(annotator, section, settings):
    key = session_of(annotator)
    settings.SECTION_IMAGE_GRANT_TTL = 0.0
    assert answer(ask(section, key)).status == 200
    assert answer_from_memory(ask(section, key)) is None


def test_only_default_windows_go_to_the_shared_cache(annotator, section):
    key = session_of(annotator)
    source = section_images.section_source(section.pk)
    default = section_images.section_image_spec(source=source)
    custom = section_images.section_image_spec(source=source, lo=1.35, hi=1.38)
    explicit_default = section_images.section_image_spec(source=source, lo=1.33, hi=1.40)
    assert (default.shared, custom.shared, explicit_default.shared) == (True, False, True)
    answer(ask(section, key))
    answer(ask(section, key, lo=1.35, hi=1.38))
    assert cache.get(default.cache_key) is not None
    assert cache.get(custom.cache_key) is None
    # Both are in this process's memory all the same.
    assert answer_from_memory(ask(section, key, lo=1.35, hi=1.38)).status == 200


def test_the_png_memory_keeps_to_its_budget(settings):
    settings.SECTION_IMAGE_MEMORY_MB = 1
    memory = pngs.PngMemory()
    memory.put("a", b"a" * 400_000)
    memory.put("b", b"b" * 400_000)
    assert memory.get("a") is not None  # "a" is now the most recently used
    memory.put("c", b"c" * 400_000)
    assert memory.get("b") is None
    assert memory.get("a") is not None and memory.get("c") is not None
    memory.put("huge", b"h" * 2_000_000)
    assert memory.get("huge") is None


def test_an_expired_session_is_not_answered(annotator, section):
    client = Client()
    client.force_login(annotator)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert answer(ask(section, session.session_key)) is None


def _later(monkeypatch, seconds: float) -> None:
    """The grants' clock moves ``seconds`` ahead (nothing else does)."""
    start = time.monotonic()
    monkeypatch.setattr(grants, "time", SimpleNamespace(monotonic=lambda: start + seconds))


def test_a_session_left_to_expire_sees_no_image_once_it_has(annotator, section, monkeypatch):
    """No logout, so no signal: the grant learned from the session ends when the session does,
    not a full ``SECTION_IMAGE_GRANT_TTL`` later."""
    key = session_of(annotator)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=20))
    assert answer(ask(section, key)).status == 200
    _later(monkeypatch, 10)
    assert answer_from_memory(ask(section, key)).status == 200
    _later(monkeypatch, 21)
    assert answer_from_memory(ask(section, key)) is None


def test_an_expired_session_learns_no_grant(annotator, section):
    key = session_of(annotator)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert answer(ask(section, key)) is None
    assert answer_from_memory(ask(section, key)) is None


def test_a_long_session_is_still_checked_again_after_the_grant_ttl(
    annotator, section, monkeypatch, settings
):
    key = session_of(annotator)
    assert answer(ask(section, key)).status == 200
    _later(monkeypatch, settings.SECTION_IMAGE_GRANT_TTL + 1)
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)).status == 200  # checked again, still signed in


def test_a_flushed_session_or_a_deactivated_user_sees_no_image_at_once(
    annotator, reviewer, section
):
    flushed = Client()
    flushed.force_login(annotator)
    gone = flushed.session.session_key
    assert answer(ask(section, gone)).status == 200
    flushed.session.flush()
    assert answer_from_memory(ask(section, gone)) is None
    assert answer(ask(section, gone)) is None

    key = session_of(reviewer)
    assert answer(ask(section, key)).status == 200
    reviewer.is_active = False
    reviewer.save()
    assert answer_from_memory(ask(section, key)) is None
    assert answer(ask(section, key)) is None
