"""In-silico labelling, the pure part: PCC against SciPy, pretraining on synthetic pairs raises
the PCC, and the pretrained body loads into every registry network with a fresh head."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr

from inference.ml import engine, isl
from inference.ml.data import iterate_batches
from inference.ml.nets import MODEL_NAMES, create_model
from tests.helpers_isl import stain_of
from tests.helpers_training import disk_section

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def test_pcc_equals_scipys_pearsonr():
    rng = np.random.default_rng(3)
    a = rng.random((17, 23))
    b = 0.3 * a + rng.normal(0, 0.2, a.shape)
    assert isl.pcc(a, b) == pytest.approx(pearsonr(a.ravel(), b.ravel()).statistic, abs=1e-12)
    assert np.isnan(isl.pcc(np.ones((4, 4)), a[:4, :4]))


def test_per_section_pcc_equals_pearsonr_for_each_section():
    rng = np.random.default_rng(4)
    pred = torch.from_numpy(rng.random((5, 1, 8, 8))).float()
    target = pred * 0.5 + torch.from_numpy(rng.normal(0, 0.3, (5, 1, 8, 8))).float()
    got = isl.pcc_per_section(pred, target).tolist()
    want = [pearsonr(p.ravel(), t.ravel()).statistic for p, t in zip(pred.numpy(), target.numpy())]
    assert got == pytest.approx(want, abs=1e-6)


def _pairs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    sections = [disk_section(32, rng) for _ in range(n)]
    return isl.prepare_pairs(
        [s[0] for s in sections],
        [stain_of(s[1], rng) for s in sections],
        input_size=32,
        modality="ri",
    )


def test_pretraining_on_synthetic_pairs_raises_the_held_out_pcc():
    train_x, train_y = _pairs(16, seed=1)
    val_x, val_y = _pairs(6, seed=2)
    engine.seed_everything(0)
    model = create_model("unet16")
    device = torch.device("cpu")

    def held_out() -> float:
        batches = iterate_batches(val_x, val_y, torch.arange(6), None, 6)
        return isl.evaluate_stain(model, batches, device=device).pcc

    before = held_out()
    optimizer = engine.make_optimizer(model, lr=5e-3)
    for epoch in range(1, 9):
        engine.train_one_epoch(
            model,
            iterate_batches(train_x, train_y, torch.randperm(16), None, 8),
            optimizer,
            isl.l1_loss,
            device=device,
            epoch=epoch,
        )
    after = held_out()
    assert after > before + 0.2 and after > 0.5, (before, after)


@pytest.mark.parametrize("arch", MODEL_NAMES)
def test_the_pretrained_body_loads_into_every_network_and_leaves_the_head_fresh(arch):
    torch.manual_seed(1)
    pretrained = create_model(arch).state_dict()
    torch.manual_seed(2)
    network = create_model(arch)
    fresh_head = {k: v.clone() for k, v in network.state_dict().items() if k.startswith("head.")}

    missing, unexpected = network.load_state_dict(isl.pretrained_body(pretrained), strict=False)

    assert not unexpected and set(missing) == set(fresh_head)
    for key, value in network.state_dict().items():
        if key.startswith("head."):
            assert torch.equal(value, fresh_head[key])
        else:
            assert torch.equal(value, pretrained[key])


def test_input_channels_are_read_from_the_first_convolution():
    assert isl.weights_in_channels(create_model("osnet").state_dict()) == 1
    assert isl.weights_in_channels(create_model("unet16", in_channels=3).state_dict()) == 3


def test_a_predicted_stain_has_the_sections_size():
    model = create_model("unet16")
    image = np.full((40, 56), 1.34, dtype=np.float32)
    stain = isl.predict_stain(
        model, image, device=torch.device("cpu"), input_size=32, modality="ri"
    )
    assert stain.shape == (40, 56) and stain.dtype == np.float32
