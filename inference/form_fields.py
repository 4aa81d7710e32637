"""The small number inputs of the launch forms (training, in-silico labelling): one field a line."""

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
