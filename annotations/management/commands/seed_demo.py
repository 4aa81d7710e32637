"""Create the demo project, its people and synthetic data (safe to run again)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from annotations.demo.seed import ADMIN, CAST, DEMO_PASSWORD, DEMO_SLUG, seed_demo


class Command(BaseCommand):
    help = "Create the demo project with synthetic cells and demo accounts; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the site will be served."
        )

    def handle(self, *args, url: str, **options):
        started = time.monotonic()
        verbose = options["verbosity"] > 1
        report = seed_demo(progress=(lambda line: self.stdout.write(line)) if verbose else None)
        if report.changed:
            specimens = sum(1 for item in report.created if item.startswith("specimen "))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created in {time.monotonic() - started:.0f} s: {len(report.created)} item(s), "
                    f"{specimens} specimen(s)."
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Accounts (password for all: {DEMO_PASSWORD}):")
        for username, role in CAST:
            self.stdout.write(f"  {username:<6} {role}")
        self.stdout.write(f"  {ADMIN:<6} superuser (admin site)")
        self.stdout.write("")
        self.stdout.write(
            f"Open {url} and sign in; the demo project is {url.rstrip('/')}/projects/{DEMO_SLUG}/"
        )
