"""A TIFF's image series beyond the first: planes saved one series each (read as one stack), or
other images (OME positions, cells) that an import of the first one leaves out and says so."""

from __future__ import annotations

import tifffile


def single_page_series_count(tif: tifffile.TiffFile) -> int:
    """Number of planes when a stack was saved as one series per plane, else 0."""
    series = tif.series
    if len(series) < 2:
        return 0
    first = series[0]
    same = all(
        len(s.pages) == 1 and s.shape == first.shape and s.dtype == first.dtype for s in series
    )
    return len(series) if same and len(tif.pages) == len(series) else 0


def other_series_note(tif: tifffile.TiffFile, name: str) -> str:
    """What an import of the first series leaves out of a file of several images; "" if none."""
    others = tif.series[1:]
    if not others or single_page_series_count(tif) > 1:
        return ""
    shapes = ", ".join("×".join(str(n) for n in s.shape) for s in others[:5])
    more = f" and {len(others) - 5} more" if len(others) > 5 else ""
    first = "×".join(str(n) for n in tif.series[0].shape)
    return (
        f"{name} holds {len(others) + 1} images (series); only the first ({first}) was read, "
        f"not the other {len(others)} ({shapes}{more}). Export each image as its own file to "
        "import it."
    )
