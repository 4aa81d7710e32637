"""``{{ row.created_at|local_time }}``: an ISO 8601 time from an API row (UTC), shown as the
other pages show times: in the server's time zone, to the minute, with the zone's name
(``2026-07-01 14:30 CEST``)."""

from __future__ import annotations

from datetime import datetime

from django import template

from cellweb.jobs.cancel_note import job_cancel_time

register = template.Library()


@register.filter
def local_time(value) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return job_cancel_time(moment)
