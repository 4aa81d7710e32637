"""The server-rendered review pages: queue, review-next, the review page's config, the dashboard."""

from __future__ import annotations

import re

import numpy as np
import pytest

from annotations.models import Membership, Role, Section, SectionStatus
from tests.helpers_pages import page_config
from tests.review_support import confirm, sections_of, with_consensus

SHAPE = (32, 32)


@pytest.fixture
def sections(specimen, make_volume):
    return sections_of(specimen, make_volume)


@pytest.fixture
def ready(sections, cast):
    return with_consensus(sections[1], cast)


def test_queue_page_lists_lowest_agreement_first_with_a_review_next_link(
    client, reviewer, sections
):
    for section, agreement in zip(sections, [0.95, 0.6, 0.8]):
        Section.objects.filter(pk=section.pk).update(
            status=SectionStatus.REVIEW, agreement=agreement
        )
    client.force_login(reviewer)

    html = client.get("/projects/lab/review/").content.decode()

    order = [int(pk) for pk in re.findall(r'<tr data-section-id="(\d+)"', html)]
    assert order == [sections[1].pk, sections[2].pk, sections[0].pk]
    assert 'href="/projects/lab/review/next/"' in html


def test_review_next_opens_the_lowest_agreement_section(client, reviewer, sections):
    for section, agreement in zip(sections, [0.95, 0.6, 0.8]):
        Section.objects.filter(pk=section.pk).update(
            status=SectionStatus.REVIEW, agreement=agreement
        )
    client.force_login(reviewer)

    response = client.get("/projects/lab/review/next/")

    assert (
        response.status_code == 302
        and response["Location"] == f"/sections/{sections[1].pk}/review/"
    )


def test_review_next_with_an_empty_queue_returns_to_the_queue(client, reviewer, project):
    client.force_login(reviewer)
    response = client.get("/projects/lab/review/next/", follow=True)
    assert response.redirect_chain[-1][0] == "/projects/lab/review/"
    assert "Nothing is waiting" in response.content.decode()


def test_review_page_config_follows_the_front_end_contract(client, reviewer, ready, sections):
    section, consensus = ready
    client.force_login(reviewer)

    response = client.get(f"/sections/{section.pk}/review/")

    config = page_config(response)
    assert config["module"] == "review" and config["csrfToken"]
    assert config["section"] == {
        "id": section.pk,
        "width": 32,
        "height": 32,
        "z": 1,
        "nZ": 3,
        "modality": "ri",
        "imageUrl": f"/api/sections/{section.pk}/image.png",
        "label": config["section"]["label"],
    }
    assert set(config["window"]) == {
        *("lo", "hi", "min", "max", "step", "units"),
        *("auto", "volumeId", "preference", "preferenceUrl"),
    }
    assert config["neighbours"]["prev"]["id"] == sections[0].pk
    assert config["neighbours"]["next"]["id"] == sections[2].pk
    assert [a["annotator"] for a in config["annotations"]] == ["alice", "bob", "carol"]
    assert len({a["colour"] for a in config["annotations"]}) == 3
    assert all(a["revision"] == 1 and a["mask_png"] for a in config["annotations"])
    assert config["consensus"]["id"] == consensus.pk and config["consensus"]["method"] == "staple"
    assert config["disagreement_png"]
    assert len(config["agreement"]["pairs"]) == 3 and config["agreement"]["mean_dice"] > 0.8
    assert config["groundTruth"] is None
    assert config["actions"] == {
        "confirm": f"/api/sections/{section.pk}/review/confirm/",
        "sendBack": f"/api/sections/{section.pk}/review/send-back/",
        "exclude": f"/api/sections/{section.pk}/review/exclude/",
        "include": f"/api/sections/{section.pk}/review/include/",
    }
    assert config["annotators"] == ["alice", "bob", "carol"]
    assert config["nextUrl"] == "/projects/lab/review/next/"
    assert config["auditUrl"] == f"/api/sections/{section.pk}/audit/"
    assert config["readOnly"] is False
    html = response.content.decode()
    assert 'id="cw-root"' in html and 'id="agreement-pairs"' in html and 'id="audit-trail"' in html


def test_review_page_shows_confirmed_ground_truth_and_the_audit_trail(client, reviewer, ready):
    section, consensus = ready
    confirm(section, reviewer, consensus)
    client.force_login(reviewer)

    response = client.get(f"/sections/{section.pk}/review/")

    config = page_config(response)
    assert config["groundTruth"]["version"] == 1 and config["groundTruth"]["stale"] is False
    html = response.content.decode()
    assert 'data-action="consensus"' in html and 'data-action="confirm"' in html


def test_review_page_is_read_only_for_a_reviewer_who_annotated_it(
    client, ready, annotator, project
):
    section, _ = ready
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    client.force_login(annotator)

    response = client.get(f"/sections/{section.pk}/review/")

    assert page_config(response)["readOnly"] is True
    assert page_config(response)["actions"] == {}
    assert "self-review" in response.content.decode()


def test_dashboard_page_exposes_counts_for_browser_tests(client, reviewer, ready, sections):
    section, consensus = ready
    confirm(section, reviewer, consensus)
    Section.objects.filter(pk=sections[0].pk).update(status=SectionStatus.SENT_BACK)
    client.force_login(reviewer)

    html = client.get("/projects/lab/dashboard/").content.decode()

    assert 'data-count-confirmed="1"' in html
    assert 'data-count-sent-back="1"' in html
    assert 'data-count-total="3"' in html
    alice_row = re.search(r'<tr data-annotator="alice">(.*?)</tr>', html, re.S).group(1)
    assert 'data-count-annotated="1"' in alice_row and 'data-count-confirmed="1"' in alice_row
    assert 'id="agreement-histogram"' in html


def test_review_page_says_how_its_agreement_numbers_are_aggregated(client, reviewer, ready):
    section, _ = ready
    client.force_login(reviewer)

    html = client.get(f"/sections/{section.pk}/review/").content.decode()

    summary = re.search(r'data-role="agreement-aggregation">(.*?)<', html, re.S).group(1)
    assert "unweighted mean over the 3 annotator pairs" in summary
    assert "empty agree (1.0)" in summary
    caption = re.search(r'<caption data-role="annotator-aggregation">(.*?)<', html, re.S).group(1)
    assert "mean of their Dice with each other annotator" in caption


def test_dashboard_says_how_the_annotator_columns_are_aggregated(client, reviewer, ready):
    client.force_login(reviewer)

    html = client.get("/projects/lab/dashboard/").content.decode()

    text = re.search(r'data-role="annotator-aggregation">(.*?)</p>', html, re.S).group(1)
    assert "means over sections, each section weighing the same" in text
    assert "over the confirmed sections" in text
    assert "so those five add up to it" in text
    assert "Only sections ready for review or confirmed count in these means" in text


def test_queue_page_counts_every_waiting_section_not_only_the_rows_it_lists(
    client, reviewer, specimen, make_volume
):
    from annotations.views.review import QUEUE_PAGE_ROWS

    volume = make_volume(specimen, shape=(QUEUE_PAGE_ROWS + 5, 8, 8))
    Section.objects.filter(volume=volume).update(status=SectionStatus.REVIEW, agreement=0.9)
    client.force_login(reviewer)

    html = client.get("/projects/lab/review/").content.decode()

    waiting = re.search(r'data-role="waiting">(.*?)</span>', html, re.S).group(1)
    assert waiting.startswith(f"{QUEUE_PAGE_ROWS + 5} sections waiting")
    assert f"the first {QUEUE_PAGE_ROWS} are listed" in waiting
    assert len(re.findall(r'<tr data-section-id="', html)) == QUEUE_PAGE_ROWS


def test_queue_page_of_a_one_class_project_names_no_worst_class(client, reviewer, ready):
    client.force_login(reviewer)

    html = client.get("/projects/lab/review/").content.decode()

    assert "Agreement (mean pairwise Dice)" in html
    assert "worst class" not in html


def test_queue_page_of_a_labelled_project_names_the_worst_class(
    client, reviewer, specimen, make_volume, cast
):
    from annotations.services.review import consensus_compute_for_section
    from tests.review_support import instance_png, save_revision

    section = sections_of(specimen, make_volume)[0]
    for user, nuclei in zip(cast, [[(8, 8, 4), (24, 12, 5)], [(8, 8, 4)], [(8, 8, 5)]]):
        save_revision(section, user, np.zeros(SHAPE, bool), png=instance_png(SHAPE, *nuclei))
    Section.objects.filter(pk=section.pk).update(status=SectionStatus.REVIEW)
    consensus_compute_for_section(Section.objects.get(pk=section.pk))
    client.force_login(reviewer)

    html = client.get("/projects/lab/review/").content.decode()

    assert "Agreement (mean Dice, worst class)" in html
    assert 'data-worst-class="nucleus"' in html
