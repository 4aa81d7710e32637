"""Sweep once for jobs whose worker stopped responding (for a cron beside the web process)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cellweb.jobs.sweeper import jobs_sweep


class Command(BaseCommand):
    help = "Re-queue or fail running jobs of every kind whose worker stopped sending heartbeats."

    def handle(self, *args, **options):
        changed = jobs_sweep()
        self.stdout.write(f"{changed} job(s) re-queued or ended.")
