"""Demo and test data: synthetic cells written as real files, and the demo project's seeding.

The generators (``cells``, ``brightfield``, ``tcf``, ``masks``) are plain NumPy/h5py and import no Django,
so benchmarks and tests use them directly; ``seed`` (``seed_demo``) creates the demo project
through the importer and needs the database.
"""

from .brightfield import make_brightfield
from .cells import SyntheticCell, make_cell, make_time_series
from .masks import annotator_masks
from .profiles import LAB_PROFILES, MEDIUM_RI, LabProfile
from .tcf import write_tcf

__all__ = [
    "LAB_PROFILES",
    "MEDIUM_RI",
    "LabProfile",
    "SyntheticCell",
    "annotator_masks",
    "make_brightfield",
    "make_cell",
    "make_time_series",
    "write_tcf",
]
