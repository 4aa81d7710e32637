"""A save whose answer was lost on the way back: the page still believes in the older revision
and saves its newer edits on top of it. When every revision since came from the same editor page
that is not a conflict; a revision from another page (tab, device) still is."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import AnnotationRevision, Section
from annotations.services.annotation import annotation_save
from cellweb.errors import ConflictError, InvalidInput
from tests.api.test_annotation_api import b64

SHAPE = (32, 32)
PAGE, OTHER_TAB = "page-7f3a", "page-0c21"


def disk(r: int) -> np.ndarray:
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    return (yy - 16) ** 2 + (xx - 16) ** 2 <= r * r


@pytest.fixture
def section(specimen, make_volume):
    make_volume(specimen, shape=(2, *SHAPE))
    return Section.objects.select_related("project", "volume", "specimen").order_by("z").first()


def save(section, user, r, base, session, submit=False):
    return annotation_save(
        section=section,
        user=user,
        mask=disk(r),
        base_revision=base,
        time_spent_s=1.0,
        submit=submit,
        editor_session=session,
    )


def stored(number: int) -> np.ndarray:
    revision = AnnotationRevision.objects.get(number=number)
    return decode_mask(bytes(revision.mask_png), SHAPE)


def test_newer_edits_after_a_lost_answer_go_on_top(section, annotator):
    save(section, annotator, 4, None, PAGE)
    save(section, annotator, 5, 1, PAGE)  # stored as revision 2; the page never heard back
    save(section, annotator, 6, 2, PAGE)  # ... and revision 3 too

    # The page still believes in revision 1 and saves what it has now.
    annotation = save(section, annotator, 7, 1, PAGE)

    assert annotation.revision == 4
    assert np.array_equal(stored(4), disk(7))
    assert AnnotationRevision.objects.get(number=4).editor_session == PAGE
    # and it may submit on top of that from the same base too.
    assert save(section, annotator, 7, 1, PAGE, submit=True).status == "submitted"


def test_a_revision_from_another_tab_is_still_a_conflict(section, annotator):
    save(section, annotator, 4, None, PAGE)
    save(section, annotator, 5, 1, PAGE)
    save(section, annotator, 9, 2, OTHER_TAB)

    with pytest.raises(ConflictError) as refused:
        save(section, annotator, 7, 1, PAGE)

    assert refused.value.code == "stale_revision"
    assert AnnotationRevision.objects.count() == 3


@pytest.mark.parametrize("session", ["", OTHER_TAB])
def test_without_the_same_page_an_older_base_is_a_conflict(section, annotator, session):
    save(section, annotator, 4, None, PAGE)
    save(section, annotator, 5, 1, PAGE)

    with pytest.raises(ConflictError):
        save(section, annotator, 7, 1, session)
    assert AnnotationRevision.objects.count() == 2


def test_a_base_newer_than_the_latest_is_a_conflict(section, annotator):
    save(section, annotator, 4, None, PAGE)
    with pytest.raises(ConflictError):
        save(section, annotator, 7, 5, PAGE)


def test_an_overlong_session_is_refused(section, annotator):
    with pytest.raises(InvalidInput, match="editor_session"):
        save(section, annotator, 4, None, "x" * 65)


def test_the_api_takes_the_page_id(api, annotator, section):
    url = f"/api/sections/{section.pk}/annotations/mine/"
    client = api(annotator)
    first = client.put(
        url, {"base_revision": None, "mask_png": b64(disk(4)), "editor_session": PAGE},
        format="json",
    )  # fmt: skip
    assert first.status_code == 200, first.content
    client.put(
        url, {"base_revision": 1, "mask_png": b64(disk(5)), "editor_session": PAGE},
        format="json",
    )  # fmt: skip

    again = client.put(
        url, {"base_revision": 1, "mask_png": b64(disk(6)), "editor_session": PAGE},
        format="json",
    )  # fmt: skip
    other = client.put(
        url, {"base_revision": 1, "mask_png": b64(disk(6)), "editor_session": OTHER_TAB},
        format="json",
    )  # fmt: skip

    assert again.status_code == 200 and again.json()["revision"] == 3
    assert other.status_code == 409 and other.json()["code"] == "stale_revision"
