"""What the fluorescence ground-truth correction costs per request: loading a stain mask of a
crowded 448×448 field (30 nuclei, many touching) as watershed-split instances for the editor,
and reading back and storing an unedited correction. No database rows are touched.

python bench/fluorescence_labels.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import figure, median_ms, setup_django


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(Path(workdir), os.environ.get("DATABASE_URL", "postgres://127.0.0.1/unused"))
        from annotations.demo.nuclei import nuclei_field
        from annotations.imaging.masks import encode_mask
        from annotations.models import Project
        from annotations.services.labels.presets import preset_classes
        from inference.services.fluorescence_gt.labels import correction_labels, editor_labels

        mask = nuclei_field(0) > 0
        project = Project(slug="bench", name="bench", label_classes=preset_classes("nucleus"))
        stored = encode_mask(mask)
        loaded = editor_labels(project, stored, mask.shape)
        figure(
            "fluorescence_editor_labels_ms",
            median_ms(lambda: editor_labels(project, stored, mask.shape), repeat=10, warmup=1),
            "ms",
        )
        figure(
            "fluorescence_correction_labels_ms",
            median_ms(
                lambda: correction_labels(project, loaded.png, mask.shape), repeat=10, warmup=1
            ),
            "ms",
        )
        figure("fluorescence_editor_nuclei", int(loaded.instances.max()), "nuclei")
        assert correction_labels(project, loaded.png, mask.shape).png == stored


if __name__ == "__main__":
    main()
