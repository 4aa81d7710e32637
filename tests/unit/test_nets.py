"""Network construction, shapes, gradients and parameter counts."""

from __future__ import annotations

import pytest
import torch

from inference.ml.nets import (
    ALIASES,
    MODEL_NAMES,
    count_parameters,
    create_model,
    model_info,
)

# From the authors' published code (docs/performance.md).
REFERENCE_PARAMETERS = {"osnet": 3_075_489, "unet16": 2_464_289, "unet64": 39_391_361}
# The other three follow from the same building blocks; pinned so a change is noticed.
DERIVED_PARAMETERS = {"unet16_gcn": 3_075_489, "unet16_gcn_ssc": 3_075_489, "fusionnet": 5_217_857}


def test_registry_lists_all_six_networks() -> None:
    assert set(MODEL_NAMES) == {
        "osnet",
        "unet64",
        "unet16",
        "unet16_gcn",
        "unet16_gcn_ssc",
        "fusionnet",
    }
    labels = {name: model_info(name)["label"] for name in MODEL_NAMES}
    assert labels["osnet"] == "OS-Net"
    assert labels["unet16_gcn_ssc"] == "Unet16+GCN+SSC"
    assert labels["fusionnet"] == "FusionNet (16→256)"


@pytest.mark.parametrize("name", sorted(REFERENCE_PARAMETERS))
def test_parameter_counts_match_the_authors_code(name: str) -> None:
    assert count_parameters(create_model(name)) == REFERENCE_PARAMETERS[name]
    assert model_info(name)["parameters"] == REFERENCE_PARAMETERS[name]


def test_parameter_counts_of_all_six(capsys: pytest.CaptureFixture[str]) -> None:
    counts = {name: model_info(name)["parameters"] for name in MODEL_NAMES}
    with capsys.disabled():
        print("\n" + "\n".join(f"  {n:16s} {c:>12,}" for n, c in counts.items()))
    assert counts == {**REFERENCE_PARAMETERS, **DERIVED_PARAMETERS}


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="osnet.*fusionnet"):
        create_model("resnet")
    with pytest.raises(ValueError, match="valid names"):
        model_info("nope")


def test_alias_has_the_osnet_weight_layout() -> None:
    osnet, alias = create_model("osnet"), create_model("unet16_gcn_ssc")
    assert ALIASES["unet16_gcn_ssc"] == "osnet"
    a, b = osnet.state_dict(), alias.state_dict()
    assert {k: v.shape for k, v in a.items()} == {k: v.shape for k, v in b.items()}
    alias.load_state_dict(a)
    osnet.eval(), alias.eval()
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(osnet(x), alias(x))


def test_short_skip_changes_the_function() -> None:
    # Unet16+GCN and OS-Net share weights layout; only the skip (g vs c + g) differs.
    osnet, gcn_only = create_model("osnet").eval(), create_model("unet16_gcn").eval()
    gcn_only.load_state_dict(osnet.state_dict())
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(osnet(x), gcn_only(x))


def test_input_size_must_be_divisible_by_16() -> None:
    with pytest.raises(ValueError, match="multiples of 16"):
        create_model("unet16")(torch.randn(1, 1, 40, 40))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forward_backward_at_64_reaches_every_parameter(name: str) -> None:
    torch.manual_seed(0)
    model = create_model(name, in_channels=1, out_channels=1)
    x = torch.randn(2, 1, 64, 64)
    out = model(x)
    assert out.shape == (2, 1, 64, 64)
    out.square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert not missing, f"parameters without gradient: {missing[:5]}"


def test_multi_channel_in_and_out() -> None:
    model = create_model("osnet", in_channels=3, out_channels=2)
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 2, 32, 32)


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if n not in ALIASES])
def test_full_size_448(name: str) -> None:
    torch.manual_seed(0)
    model = create_model(name).to(memory_format=torch.channels_last)
    x = torch.randn(1, 1, 448, 448).contiguous(memory_format=torch.channels_last)
    if name == "unet64":
        # A 448 backward pass of Unet64 is ~1 TFLOP (several seconds on two cores); its
        # backward is covered at 64 x 64 above, so only the full-size forward is checked here.
        model.eval()
        with torch.no_grad():
            out = model(x)
        assert out.shape == (1, 1, 448, 448)
        assert torch.isfinite(out).all()
        return
    out = model(x)
    assert out.shape == (1, 1, 448, 448)
    out.mean().backward()
    first = next(model.parameters())
    assert first.grad is not None and torch.isfinite(first.grad).all()
