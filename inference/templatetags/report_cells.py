"""``{{ cell|mean_sd:3 }}``: a report table's cell (``{"mean": …, "std": …}``) as "mean ± SD",
both with the given decimals; the mean alone without an SD (one value has none), "—" without a
mean."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def mean_sd(cell: dict | None, digits: int) -> str:
    cell = cell or {}
    if cell.get("mean") is None:
        return "—"
    text = floatformat(cell["mean"], digits)
    if cell.get("std") is not None:
        text += " ± " + floatformat(cell["std"], digits)
    return text
