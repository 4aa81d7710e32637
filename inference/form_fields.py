"""The number inputs of the launch forms (training, in-silico labelling, evaluation, prediction):
one field a line."""

from __future__ import annotations

from typing import Any

from django import forms

SMALL = {"class": "cw-input-small"}


def small_int(
    label: str, initial: int, min_value: int, max_value: int, **kwargs: Any
) -> forms.IntegerField:
    """A whole number in [min_value, max_value] in a small input (``step`` in kwargs: its step)."""
    step = kwargs.pop("step", None)
    attrs = SMALL if step is None else {**SMALL, "step": step}
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput(attrs),
        **kwargs,
    )


def small_float(
    label: str, initial: float, min_value: float, max_value: float, step: str = "any", **kwargs: Any
) -> forms.FloatField:
    """A number in [min_value, max_value] in a small input stepping by ``step``."""
    return forms.FloatField(
        label=label,
        initial=initial,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput({**SMALL, "step": step}),
        **kwargs,
    )


def any_float(label: str, initial: float, min_value: float, max_value: float) -> forms.FloatField:
    """A number in [min_value, max_value] in an input of any step."""
    return forms.FloatField(
        label=label,
        initial=initial,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput({"step": "any"}),
    )


def probability_threshold() -> forms.FloatField:
    """The threshold on the network's foreground probability (0.5 as in the paper)."""
    return any_float("Threshold", 0.5, 0.001, 0.999)
