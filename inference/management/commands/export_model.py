"""Export a model version as a BioImage Model Zoo (bioimage.io) package.

    python manage.py export_model --model-version ID --out FILE.zip

The package opens in deepImageJ, ilastik, QuPath and napari; see docs/model_exchange.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cellweb.errors import DomainError
from inference.models import ModelVersion
from inference.services.model_exchange import model_version_export


class Command(BaseCommand):
    help = "Export a model version as a validated bioimage.io package (.zip)."

    def add_arguments(self, parser):
        parser.add_argument("--model-version", type=int, required=True, help="Model version id.")
        parser.add_argument("--out", required=True, help="Where to write the .zip.")

    def handle(self, *args, **o):
        try:
            version = ModelVersion.objects.select_related("project", "parent").get(
                pk=o["model_version"]
            )
        except ModelVersion.DoesNotExist:
            raise CommandError(f"No model version {o['model_version']}.") from None
        out = Path(o["out"])
        if out.suffix.lower() != ".zip":
            raise CommandError("The package is a zip: give --out a name ending in .zip.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        try:
            path = model_version_export(version=version, user=None, out_path=out)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"Exported model version {version.pk}")
            + f" ({version.name}) to {path}, {path.stat().st_size / 2**20:.1f} MiB; "
            "it validates with bioimageio.spec."
        )
