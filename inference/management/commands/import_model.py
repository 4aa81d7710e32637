"""Import a bioimage.io package (a zip on disk) or a plain PyTorch state dict as a model version.

    python manage.py import_model FILE --project SLUG [--arch NAME] [--name TEXT]

``--arch`` names the registry network of a state dict that does not say which it is. Nothing is
downloaded; a file that cannot be used is refused with its reason and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cellweb.errors import DomainError
from inference.management.kit import project_named
from inference.ml.nets import MODEL_NAMES
from inference.selectors.model_versions import verified_note
from inference.services.model_exchange import model_version_import


class Command(BaseCommand):
    help = "Import a bioimage.io package or a PyTorch state dict as a model version (imported)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A bioimage.io .zip or a PyTorch state dict (.pt/.pth).")
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument(
            "--arch", choices=MODEL_NAMES, default=None, help="The network the weights are for."
        )
        parser.add_argument("--name", default="", help="A name for the version.")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        project = project_named(o["project"])
        try:
            version = model_version_import(
                project=project,
                user=None,
                path=path,
                filename=path.name,
                arch=o["arch"],
                name=o["name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"Model version {version.pk}")
            + f" · {version.name} · {version.arch} · provenance {version.provenance}"
        )
        if note := version.origin.get("unverified"):
            self.stdout.write(self.style.WARNING(f"Unverified: {note}."))
        elif note := verified_note(version.origin.get("verified")):
            self.stdout.write(f"Verified: {note}.")
