"""Fluorescence ground truth derived from a paired stain: accuracy, versioning, provenance, roles."""

from __future__ import annotations

import numpy as np
import pytest
from django.http import Http404

from annotations.consensus import dice
from annotations.imaging.masks import decode_mask
from annotations.models import AuditEvent, GroundTruth, Specimen
from cellweb.errors import ConflictError, InvalidInput, NotAllowed
from inference.ml.fluorescence import FluorescenceGTParams
from inference.services.fluorescence_gt import (
    fluorescence_gt_create,
    fluorescence_gt_edit,
    fluorescence_gt_params,
    fluorescence_gt_preview,
    fluorescence_pairs,
)
from inference.services.training import TrainingConfig, training_estimate

SIZE = 64


def nucleus_disks(z: int, size: int = SIZE, seed: int = 0) -> np.ndarray:
    """A 3D nucleus: disks whose radius shrinks away from the middle section; empty ends."""
    yy, xx = np.mgrid[:size, :size]
    masks = np.zeros((z, size, size), dtype=bool)
    centre = (size // 2 + 3, size // 2 - 4)
    for i in range(1, z - 1):
        radius = 16 - 4 * abs(i - z // 2)
        masks[i] = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < radius**2
    return masks


def stain_for(masks: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (100.0 + 900.0 * masks + rng.normal(0.0, 25.0, masks.shape)).astype(np.float32)


@pytest.fixture
def paired(specimen, make_volume):
    masks = nucleus_disks(6)
    ri = make_volume(specimen, shape=masks.shape)
    make_volume(specimen, stain_for(masks), modality="fluorescence", channel="DAPI")
    ri.refresh_from_db()
    return ri, masks


def current(section, source="fluorescence"):
    return GroundTruth.objects.get(section=section, source=source, is_current=True)


def test_otsu_on_a_synthetic_stain_recovers_the_known_nucleus(project, reviewer, paired):
    volume, masks = paired

    created = fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())

    assert created == volume.size_z
    for section in volume.sections.order_by("z"):
        truth = current(section)
        mask = decode_mask(bytes(truth.mask_png), section.shape)
        if masks[section.z].any():
            assert dice(mask, masks[section.z]) > 0.9
        else:
            assert not mask.any(), "the noise-only sections must stay empty"
        assert truth.foreground_pixels == int(mask.sum())


def test_the_masks_belong_to_the_label_free_sections_with_every_parameter_stored(
    project, reviewer, paired
):
    volume, _ = paired
    params = FluorescenceGTParams(
        scope="volume", smoothing_sigma=0.5, min_size=10, remove_border=False
    )

    fluorescence_gt_create(project=project, user=reviewer, params=params)

    section = volume.sections.get(z=3)
    truth = current(section)
    assert truth.method == "otsu" and truth.reviewer == reviewer
    assert truth.params["scope"] == "volume" and truth.params["smoothing_sigma"] == 0.5
    assert truth.params["min_size"] == 10 and truth.params["remove_border"] is False
    assert truth.params["fill_holes"] is True
    assert truth.params["threshold_used"] == truth.params["volume_threshold"] > 100
    assert truth.params["channel"] == "DAPI"
    assert truth.params["fluorescence_section_id"] == section.fluorescence_id
    event = AuditEvent.objects.get(section=section, action="fluorescence_gt")
    assert event.actor == reviewer and event.detail["version"] == 1


def test_deriving_again_adds_a_version_and_keeps_the_old_one(project, reviewer, paired):
    volume, _ = paired
    fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())

    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(method="fixed", value=400.0)
    )

    section = volume.sections.get(z=3)
    versions = list(
        GroundTruth.objects.filter(section=section, source="fluorescence").order_by("version")
    )
    assert [(v.version, v.is_current, v.method) for v in versions] == [
        (1, False, "otsu"),
        (2, True, "fixed"),
    ]
    assert versions[1].params["threshold_used"] == 400.0


def test_a_fixed_threshold_above_the_stain_gives_empty_masks(project, reviewer, paired):
    volume, _ = paired
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(method="fixed", value=5000.0)
    )
    assert not GroundTruth.objects.filter(
        section__volume=volume, is_current=True, foreground_pixels__gt=0
    ).exists()


def test_consensus_ground_truth_is_left_alone(project, reviewer, paired):
    volume, masks = paired
    from annotations.imaging.masks import encode_mask

    section = volume.sections.get(z=3)
    GroundTruth.objects.create(
        section=section,
        source="consensus",
        version=1,
        mask_png=encode_mask(masks[3]),
        is_current=True,
    )

    fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())

    assert current(section, "consensus").version == 1
    assert current(section, "fluorescence").version == 1


def test_a_project_without_paired_stains_is_refused_clearly(
    project, reviewer, specimen, make_volume
):
    make_volume(specimen)
    with pytest.raises(ConflictError, match="paired fluorescence") as caught:
        fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())
    assert caught.value.code == "no_stain"


@pytest.mark.parametrize("stain", ["H33342", "Hoechst 33342", "DRAQ5"])
def test_of_several_paired_channels_the_one_named_like_a_nuclear_stain_is_used(
    specimen, make_volume, stain
):
    masks = nucleus_disks(6)
    ri = make_volume(specimen, shape=masks.shape)
    for channel in ("Actin", stain, "GFP"):  # "Actin" and "GFP" come first by name
        make_volume(specimen, stain_for(masks), modality="fluorescence", channel=channel)
    (pair,) = fluorescence_pairs(project=specimen.project)
    assert pair.label_free == ri and pair.fluorescence.channel == stain


def test_only_the_chosen_specimens_are_derived(project, reviewer, paired, make_volume):
    other = Specimen.objects.create(project=project, name="cell-02")
    masks = nucleus_disks(4)
    other_volume = make_volume(other, shape=masks.shape)
    make_volume(other, stain_for(masks), modality="fluorescence", channel="Hoechst")

    created = fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(), specimens=[other.pk]
    )

    assert created == 4
    assert not GroundTruth.objects.filter(section__volume=paired[0]).exists()
    assert GroundTruth.objects.filter(section__volume=other_volume, is_current=True).count() == 4


def test_annotators_may_not_derive_and_outsiders_do_not_see_the_project(
    project, annotator, outsider, paired
):
    with pytest.raises(NotAllowed):
        fluorescence_gt_create(project=project, user=annotator, params=FluorescenceGTParams())
    with pytest.raises(Http404):
        fluorescence_gt_create(project=project, user=outsider, params=FluorescenceGTParams())


def test_invalid_parameters_are_an_input_error():
    with pytest.raises(InvalidInput):
        fluorescence_gt_params({"method": "fixed"})
    with pytest.raises(InvalidInput):
        fluorescence_gt_params({"smoothing_sigma": -1})
    with pytest.raises(InvalidInput, match="Unknown"):
        fluorescence_gt_params({"colour": "blue"})


def test_the_preview_matches_what_deriving_stores(project, reviewer, paired):
    volume, _ = paired
    section = volume.sections.get(z=2)
    params = FluorescenceGTParams(scope="volume")

    preview, info = fluorescence_gt_preview(section=section, params=params)
    fluorescence_gt_create(project=project, user=reviewer, params=params)

    stored = decode_mask(bytes(current(section).mask_png), section.shape)
    assert np.array_equal(preview, stored)
    assert info["threshold_used"] == current(section).params["threshold_used"]


def test_a_reviewer_correction_is_the_next_version_with_its_edit_summary(project, reviewer, paired):
    volume, masks = paired
    fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())
    section = volume.sections.get(z=3)
    edited = masks[3].copy()
    edited[:5, :5] = True

    truth = fluorescence_gt_edit(section=section, user=reviewer, mask=edited, base_version=1)

    assert truth.version == 2 and truth.is_current and truth.edited
    assert truth.edit_summary["pixels_added"] >= 25 and truth.params["edited_from_version"] == 1
    assert not GroundTruth.objects.get(section=section, source="fluorescence", version=1).is_current
    with pytest.raises(ConflictError):
        fluorescence_gt_edit(section=section, user=reviewer, mask=edited, base_version=1)


def test_a_manager_without_the_reviewer_role_cannot_correct(project, reviewer, manager, paired):
    volume, masks = paired
    fluorescence_gt_create(project=project, user=manager, params=FluorescenceGTParams())
    with pytest.raises(NotAllowed):
        fluorescence_gt_edit(
            section=volume.sections.get(z=3), user=manager, mask=masks[3], base_version=1
        )


def test_training_accepts_fluorescence_ground_truth(project, reviewer, specimen, make_volume):
    for i in range(2):
        other = specimen if i == 0 else Specimen.objects.create(project=project, name="cell-02")
        masks = nucleus_disks(5, seed=i)
        make_volume(other, shape=masks.shape, seed=i)
        make_volume(other, stain_for(masks, seed=i), modality="fluorescence", channel="DAPI")
    fluorescence_gt_create(project=project, user=reviewer, params=FluorescenceGTParams())

    estimate = training_estimate(
        project=project,
        config=TrainingConfig(gt_source="fluorescence", folds=2, epochs=1, input_size=64),
    )

    assert estimate["problem"] is None, estimate
    assert estimate["sections"] == 10


def test_manage_py_fluorescence_gt_derives_with_the_given_parameters(project, paired):
    from io import StringIO

    from django.core.management import CommandError, call_command

    volume, _ = paired
    out = StringIO()
    call_command(
        "fluorescence_gt",
        "--project",
        project.slug,
        "--scope",
        "volume",
        "--sigma",
        "0",
        stdout=out,
    )
    assert "6 fluorescence ground-truth sections from 1 volumes" in out.getvalue()
    truth = current(volume.sections.get(z=3))
    assert truth.params["scope"] == "volume" and truth.params["smoothing_sigma"] == 0
    assert truth.reviewer is None
    with pytest.raises(CommandError, match="fixed"):
        call_command("fluorescence_gt", "--project", project.slug, "--method", "fixed")
