"""``{% cancel_note job %}``: who cancelled a job, when and why, as one line on its page
(nothing when nobody asked to cancel it); the line is ``cellweb.jobs.cancel_note``'s."""

from __future__ import annotations

from django import template

from cellweb.jobs.cancel_note import job_cancel_line

register = template.Library()


@register.inclusion_tag("jobs/_cancel_note.html")
def cancel_note(job) -> dict:
    return {"note": job_cancel_line(job)}
