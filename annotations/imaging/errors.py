"""Errors raised for problems with user-supplied images and masks.

The message of each error is meant to be shown to the biologist as is, so it
names the file or mask problem in plain words and, where possible, says what
to do about it.
"""

from __future__ import annotations


class ImagingError(ValueError):
    """A problem with an image or mask that the user can fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ImageReadError(ImagingError):
    """An image file cannot be used: corrupt, truncated, unsupported or invalid content."""


class MaskError(ImagingError):
    """A mask cannot be used: unreadable, wrong size, not binary or outside the image."""
