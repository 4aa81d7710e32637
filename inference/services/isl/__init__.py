"""In-silico labelling jobs (paper 004): train a registry network to predict the stain of every
label-free/fluorescence pair of a project, folds grouped by specimen.

An ISL job is a training job whose task is ``isl``: its folds run as jobs of the kind "fold" on
the ``gpu`` queue, with the same retries, checkpoints, live events and page as segmentation.
``sections``: which sections pair. ``pairs``: a project's pairs and their split. ``launch``: the one path for the API, the form and
``manage.py isl``. ``fold``: the tensors, the validation PCC and the held-out scores of a fold.
"""

from inference.services.isl.fold import isl_fold_tensors, isl_held_out_metrics, isl_validate
from inference.services.isl.launch import IslOptions, isl_config, isl_job_launch
from inference.services.isl.pairs import isl_plan, project_pairs
from inference.services.isl.sections import StainPair, pairs_for_sections

__all__ = [
    "IslOptions",
    "StainPair",
    "isl_config",
    "isl_fold_tensors",
    "isl_held_out_metrics",
    "isl_job_launch",
    "isl_plan",
    "isl_validate",
    "pairs_for_sections",
    "project_pairs",
]
