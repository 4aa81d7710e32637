"""Reading a package's description as it was written, then as format 0.5.

``bioimageio.spec`` converts an older description on reading; its 0.4 -> 0.5 conversion turns
every character a 0.5 name may not hold into a space ("fold 2/2" -> "fold 2 2"), so the name is
taken from the description in its own format, and a CellWeb export's ``config.cellweb.name``
(the version's name, which a bioimage.io name cannot hold) is preferred when the package's name
is that name made fit for bioimage.io. Format 0.4 requires test inputs and outputs; format 0.5
makes each tensor's ``test_tensor`` optional (a FAIR alert only), so a 0.5 package without them
is read and the import says what it could not check (``bioimageio_tensors.check_test_tensors``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from .export_bioimageio import package_name
from .weights import WeightsError

__all__ = ["describe_package", "imported_name"]

# Where a format 0.4 description names its test tensors; each must list one .npy per tensor.
_TEST_FIELDS_04 = ("test_inputs", "test_outputs")


def _first_line(text: str) -> str:
    return text.splitlines()[0][:400] if text else ""


def _missing_test_fields(invalid) -> list[str]:
    """The 0.4 test tensor fields an invalid description lacks or leaves empty."""
    missing = []
    for detail in invalid.validation_summary.details:
        for error in detail.errors:
            loc = tuple(error.loc)
            if len(loc) == 1 and loc[0] in _TEST_FIELDS_04 and loc[0] not in missing:
                missing.append(str(loc[0]))
    return missing


def _refuse_invalid(invalid, format_version: str) -> None:
    if format_version.startswith("0.4.") and (missing := _missing_test_fields(invalid)):
        raise WeightsError(
            f"The package (bioimage.io format {format_version}) names no {' and no '.join(missing)}; "
            "format 0.4 requires them: one .npy array per input and the output the model gives "
            "for it, so that the package can be checked against its own output."
        )
    reason = _first_line(invalid.get_reason() or "") or "it does not validate"
    raise WeightsError(f"Not a valid bioimage.io model package: {reason}")


def describe_package(rdf: Path):
    """(the description as format 0.5, the description as written); ``WeightsError`` when it
    cannot be read, does not validate or is no model. No URL is fetched: file hashes are checked
    by the import for the files it uses."""
    from bioimageio.spec import InvalidDescr, load_description, update_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            written = load_description(rdf, format_version="discover", perform_io_checks=False)
        except Exception as exc:  # the YAML parser and the reader raise many types
            reason = _first_line(str(exc)) or type(exc).__name__
            raise WeightsError(
                f"Not a valid bioimage.io model package: {rdf.name} cannot be read ({reason})."
            ) from None
        if isinstance(written, InvalidDescr):
            _refuse_invalid(written, str(getattr(written, "format_version", "")))
        if written.type != "model":
            raise WeightsError(f"The package describes a {written.type}, not a model.")
        descr = written
        if not str(written.format_version).startswith("0.5."):
            descr = update_format(written, perform_io_checks=False)
    if isinstance(descr, InvalidDescr):
        _refuse_invalid(descr, "0.5")
    return descr, written


def imported_name(written, cellweb: dict[str, Any]) -> str:
    """The name the package gives itself: ``config.cellweb.name`` when the package's name is
    that name made fit for bioimage.io (a CellWeb export), else the name as written."""
    name = " ".join(str(written.name).split())
    recorded = cellweb.get("name")
    if isinstance(recorded, str) and recorded.strip() and package_name(recorded) == name:
        return recorded.strip()[:150]
    return name[:150]
