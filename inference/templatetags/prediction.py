"""``{% active_model project %}``: the project's active model version, for pages of other apps
(the project page) that show it without reading inference's tables themselves."""

from __future__ import annotations

from django import template

from inference.selectors.prediction import active_model_version, prediction_settings

register = template.Library()


@register.inclusion_tag("inference/_active_model.html")
def active_model(project) -> dict:
    return {
        "project": project,
        "version": active_model_version(project),
        "predict_new_imports": prediction_settings(project).predict_new_imports,
    }
