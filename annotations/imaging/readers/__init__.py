"""Lazy, validated readers for label-free and fluorescence microscopy images.

``open_image`` inspects a file without reading its pixel data, so uploads of
multi-gigabyte tomograms can be validated quickly; each ``VolumeHandle.load``
then reads exactly one (z, y, x) volume.

One module per idea: ``open`` (the entry point), ``detect`` (format by content),
``hdf5`` (TCF and generic HDF5), ``tiff``, ``npy``, ``png``, ``layout`` (axes to
volumes), ``select`` (time point and channel), ``request`` (the checked
arguments and common limits), ``volume`` (the handles and their loading),
``named_channels`` (the channel names a file records) and ``channel_roles``
(which of them is label-free and which the stain).
"""

from .open import open_image, sha256_file
from .request import LABEL_FREE_MODALITIES, MIN_SECTION_SIZE, MODALITIES
from .volume import ImageSource, VolumeHandle

__all__ = [
    "LABEL_FREE_MODALITIES",
    "MIN_SECTION_SIZE",
    "MODALITIES",
    "ImageSource",
    "VolumeHandle",
    "open_image",
    "sha256_file",
]
