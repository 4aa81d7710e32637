"""What an import stored (``ImportResult``): the specimen, its volumes and time points, how many
sections (label-free ones, as the project and specimen pages count them, and apart the stain's),
the source file, notes and warnings; as JSON on the job and as lines for a command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotations.models import SourceFile, Specimen


def sections_text(label_free: int, stain: int) -> str:
    """The sections an import stored, as the project page counts them (label-free) and apart
    the stain's: “12 label-free section(s) and 12 stain section(s)”."""
    text = f"{label_free} label-free section(s)"
    return text + (f" and {stain} stain section(s)" if stain else "")


@dataclass
class ImportResult:
    specimen: Specimen
    volumes: list[tuple[str, str, int, tuple[int, int, int]]]
    time_points: list[int]
    # Label-free sections (those annotated, and counted on the project and specimen pages) and,
    # apart, the stain's (fluorescence) sections.
    sections_count: int
    source_file: SourceFile
    stain_sections_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # What the import chose by itself, said as information (the channels picked by their names).
    notes: list[str] = field(default_factory=list)
    # The other files imported with it into the same specimen (a field's stain).
    more_source_files: list[SourceFile] = field(default_factory=list)

    @classmethod
    def merge(cls, results: Sequence[ImportResult]) -> ImportResult:
        """Several files' results as one: the first file's specimen and source, all volumes."""
        first = results[0]
        volumes = [volume for result in results for volume in result.volumes]
        return cls(
            specimen=first.specimen,
            volumes=volumes,
            time_points=sorted({t for _, _, t, _ in volumes}),
            sections_count=sum(result.sections_count for result in results),
            stain_sections_count=sum(result.stain_sections_count for result in results),
            source_file=first.source_file,
            warnings=[warning for result in results for warning in result.warnings],
            notes=[note for result in results for note in result.notes],
            more_source_files=[
                source
                for result in results
                for source in [result.source_file, *result.more_source_files]
            ][1:],
        )

    def summary(self) -> dict:
        """A JSON-safe description (stored on the job, shown on the page)."""
        return {
            # Flat values first: the import page lists them as they are.
            "specimen_name": self.specimen.name,
            "volumes_created": len(self.volumes),
            "time_points_count": len(self.time_points),
            "sections_count": self.sections_count,
            "stain_sections_count": self.stain_sections_count,
            "specimen": {
                "id": self.specimen.pk,
                "name": self.specimen.name,
                "lab": self.specimen.lab,
                "frame_interval_min": self.specimen.frame_interval_min,
            },
            "volumes": [
                {"modality": modality, "channel": channel, "time_index": t, "shape": list(shape)}
                for modality, channel, t, shape in self.volumes
            ],
            "time_points": self.time_points,
            "source_file": {
                "id": self.source_file.pk,
                "name": self.source_file.original_name,
                "format": self.source_file.format,
                "sha256": self.source_file.sha256,
            },
            "warnings": self.warnings,
            "notes": self.notes,
            "source_files": [
                {"id": source.pk, "name": source.original_name}
                for source in [self.source_file, *self.more_source_files]
            ],
        }

    def sections_text(self) -> str:
        """“12 label-free section(s)”, with the stain's sections when there are any."""
        return sections_text(self.sections_count, self.stain_sections_count)

    def describe(self) -> list[str]:
        """Lines a person reads after an import."""
        lines = [
            f"Specimen “{self.specimen.name}”"
            + (f" (lab {self.specimen.lab})" if self.specimen.lab else "")
        ]
        for modality, channel, t, shape in self.volumes:
            label = f"{modality} {channel}".strip()
            lines.append(f"  {label:<22} time point {t:<3} {'×'.join(map(str, shape))} (z×y×x)")
        lines.append(
            f"{len(self.volumes)} volume(s), {len(self.time_points)} time point(s), "
            f"{self.sections_text()}."
        )
        if self.specimen.frame_interval_min is not None:
            lines.append(f"Time points {self.specimen.frame_interval_min:g} min apart.")
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"Warning: {w}" for w in self.warnings]
        return lines
