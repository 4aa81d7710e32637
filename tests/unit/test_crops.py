"""Native-resolution crops: aligned with the source, padded not stretched, seeded, foreground-biased;
tiled validation of whole fields; a tiny native-crop training run lowers the loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.ml.crops import (
    NativeCropSampler,
    crop_origins,
    crop_size_error,
    crops_per_section,
    pad_to_crop,
)
from inference.ml.data import iterate_batches
from inference.ml.engine import (
    evaluate_fields,
    make_loss,
    make_optimizer,
    prepare_model,
    seed_everything,
    train_one_epoch,
)
from inference.ml.nets import create_model

CPU = torch.device("cpu")


def _field(h: int, w: int, seed: int = 0, nuclei: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """A (1, H, W) noisy field with bright disks and its (1, H, W) 0/1 mask; every pixel of the
    image is distinct, so a crop's position can be recovered from its values."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    mask = torch.zeros(h, w, dtype=torch.bool)
    for _ in range(nuclei):
        cy, cx = int(torch.randint(h, (1,), generator=g)), int(torch.randint(w, (1,), generator=g))
        r = int(torch.randint(6, 12, (1,), generator=g))
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    image = mask.float() + 0.3 * torch.randn(h, w, generator=g)
    return image[None], mask.float()[None]


def test_crops_are_the_source_pixels_of_image_and_mask():
    image, mask = _field(200, 300)
    sampler = NativeCropSampler([image], [mask], size=64)
    x, y, where = sampler.sample(torch.Generator().manual_seed(1))
    assert x.shape == y.shape == (crops_per_section(200, 300, 64), 1, 64, 64) == (20, 1, 64, 64)
    for crop_x, crop_y, (section, oy, ox) in zip(x, y, where.tolist()):
        assert section == 0 and 0 <= oy <= 200 - 64 and 0 <= ox <= 300 - 64
        assert torch.equal(crop_x, image[:, oy : oy + 64, ox : ox + 64])
        assert torch.equal(crop_y, mask[:, oy : oy + 64, ox : ox + 64])
        assert set(crop_y.unique().tolist()) <= {0.0, 1.0}  # never interpolated


def test_small_sections_are_padded_not_stretched():
    image, mask = _field(40, 90, nuclei=3)
    padded_image, padded_mask = pad_to_crop(image, mask, 64)
    assert padded_image.shape == padded_mask.shape == (1, 64, 90)
    assert torch.equal(padded_image[:, :40, :], image)
    assert torch.equal(padded_mask[:, :40, :], mask)
    # Reflected below the field, image and mask alike (row 40 mirrors row 38).
    assert torch.equal(padded_image[:, 40, :], image[:, 38, :])
    assert torch.equal(padded_mask[:, 40, :], mask[:, 38, :])
    sampler = NativeCropSampler([image], [mask], size=64)
    x, y, where = sampler.sample(torch.Generator().manual_seed(0))
    assert len(sampler) == 2 and x.shape == (2, 1, 64, 64)
    for crop_x, crop_y, (_, oy, ox) in zip(x, y, where.tolist()):
        assert oy == 0 and 0 <= ox <= 90 - 64
        assert torch.equal(crop_x[:, :40], image[:, :, ox : ox + 64])
        assert torch.equal(crop_y[:, :40], mask[:, :, ox : ox + 64])


def test_a_tiny_section_is_replicate_padded_to_one_crop():
    image, mask = torch.arange(12.0).reshape(1, 3, 4), torch.ones(1, 3, 4)
    x, y, _ = NativeCropSampler([image], [mask], size=32).sample(torch.Generator())
    assert x.shape == (1, 1, 32, 32)
    assert torch.equal(x[0, :, :3, :4], image) and float(x[0, 0, -1, -1]) == 11.0
    assert bool((y == 1).all())


def test_the_same_seed_draws_the_same_crops_and_another_seed_others():
    fields = [_field(256, 384, seed=s) for s in range(3)]
    sampler = NativeCropSampler(
        [f[0] for f in fields], [f[1] for f in fields], size=64, foreground_fraction=0.5
    )
    a = sampler.sample(torch.Generator().manual_seed(7))
    b = sampler.sample(torch.Generator().manual_seed(7))
    c = sampler.sample(torch.Generator().manual_seed(8))
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not torch.equal(a[2], c[2])
    assert len(sampler) == 3 * 4 * 6 and sorted(set(a[2][:, 0].tolist())) == [0, 1, 2]


def test_foreground_crops_are_centred_on_mask_pixels():
    image, mask = _field(512, 512, nuclei=2)  # about 0.2 % of the field is nucleus
    flat = (mask[0].flatten() > 0.5).nonzero().squeeze(1)
    g = torch.Generator().manual_seed(3)
    origins = crop_origins(
        512, 512, size=64, count=400, foreground=flat, foreground_fraction=0.25, generator=g
    )
    centre_on_mask = mask[0, origins[:, 0] + 32, origins[:, 1] + 32] > 0.5
    # The first quarter is centred on a nucleus pixel (no clamping needed this far inside);
    # uniform crops rarely are.
    inside = (origins[:100] > 0).all(1) & (origins[:100] < 512 - 64).all(1)
    assert bool(centre_on_mask[:100][inside].all()) and int(inside.sum()) > 50
    assert float(centre_on_mask[100:].float().mean()) < 0.05
    with_fg = NativeCropSampler([image], [mask], size=64, foreground_fraction=0.5)
    without = NativeCropSampler([image], [mask], size=64)
    fg_share = float(with_fg.sample(torch.Generator().manual_seed(0))[1].mean())
    plain_share = float(without.sample(torch.Generator().manual_seed(0))[1].mean())
    assert fg_share > 3 * plain_share


def test_a_section_without_nuclei_draws_only_uniform_crops():
    image, mask = torch.randn(1, 128, 128), torch.zeros(1, 128, 128)
    x, y, _ = NativeCropSampler([image], [mask], size=64, foreground_fraction=1.0).sample(
        torch.Generator().manual_seed(0)
    )
    assert x.shape[0] == 4 and float(y.sum()) == 0.0


def test_crop_size_must_be_a_multiple_of_the_networks_stride():
    reason = crop_size_error("unet16", 200)
    assert reason and "not a multiple of 16, the stride of the network" in reason
    assert "try 192 or 208" in reason
    assert crop_size_error("osnet", 448) is None and crop_size_error("unknown", 7) is None
    with pytest.raises(ValueError, match="smaller than the 64 px crop"):
        crop_origins(32, 128, size=64, count=1)


def test_a_tiny_native_crop_run_on_a_512_by_768_field_lowers_the_loss(single_thread_torch):
    """Trained on 128 px crops of one 512 x 768 field, validated by tiling the whole field."""
    gen = seed_everything(0)
    image, mask = _field(512, 768, seed=1, nuclei=120)
    sampler = NativeCropSampler([image], [mask], size=128, foreground_fraction=0.5)
    model = prepare_model(create_model("unet16"), CPU)
    optimizer = make_optimizer(model, lr=3e-3)
    loss_fn = make_loss("bce")
    losses = []
    # 3 epochs x 24 crops of 128 px, the field's pixels three times: ~20 s on one loaded core, the
    # least at which the tiled eval-mode loss (BatchNorm running statistics) has dropped too.
    for epoch in range(3):
        x, y, _ = sampler.sample(gen)
        order = torch.randperm(x.shape[0], generator=gen)
        batches = iterate_batches(x, y, order, None, 8)
        stats = train_one_epoch(model, batches, optimizer, loss_fn, device=CPU, epoch=epoch)
        assert stats.sections == 24
        losses.append(stats.loss)
    after = evaluate_fields(model, [image], [mask], loss_fn, tile=128, device=CPU)
    assert losses[-1] < 0.75 * losses[0], losses
    assert after.loss < losses[0], (losses, after)
    # Metrics at native resolution: recomputed here from the tiled logits by plain counting.
    from inference.ml.engine import field_logits

    pred = (torch.sigmoid(field_logits(model, image, tile=128, device=CPU)) > 0.5).numpy()[0]
    truth = mask[0].numpy() > 0.5
    assert pred.shape == (512, 768)
    tp = np.sum(pred & truth)
    dice = 2 * tp / (pred.sum() + truth.sum())
    assert after.dice == pytest.approx(dice, abs=1e-9)
