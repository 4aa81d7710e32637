"""The 409 codes of the inference app: a valid request that the current state refuses. They are
raised and documented as those of ``annotations.conflicts`` are."""

from __future__ import annotations

CONFLICTS = {
    "no_ground_truth": "The chosen specimens have no ground truth of the chosen source yet.",
    "no_matching_specimens": "No specimen of the project matches the set or the filters.",
    "too_few_specimens": "Fewer specimens have ground truth than the folds need.",
    "parent_arch_mismatch": "The model version to fine-tune from is another network.",
    "no_target_class": "No section's ground truth holds the class to train (`current` counts).",
    "not_cross_validated": "The model version does not come from a cross-validation job.",
    "unsupported_input_size": "The model version's input size cannot be tiled by its network.",
    "no_active_model": "The project has no active model and none was chosen.",
    "channel_mismatch": "The model version takes other input channels than the project's images.",
    "modality_mismatch": "The model was trained on another modality than the chosen images.",
    "no_volumes": "The chosen specimens have no label-free volume (at the chosen time points).",
    "partial_series": "Some time points of a specimen whose other time points hold current "
    "results of the same model: re-predict the whole series, so its track ids come from one run.",
    "no_stain": "No chosen label-free volume has a paired fluorescence stack.",
    "stale_stain_shift": "The stain's shift changed since the version the request names.",
    "not_a_segmentation_model": "The model version predicts a stain, not a nucleus mask.",
    "not_an_isl_model": "The model version segments; a virtual stain needs an in-silico-labelling one.",
    "not_label_free": "The section is not a label-free image.",
    "round_running": "A retraining round of the project is still running.",
    "no_round_series": "The project has no round yet: round 1's launch chooses its source.",
    "round_source_fixed": "The project's rounds train on another ground-truth source, fixed by "
    "its first round.",
    "too_few_fold_models": "No training job (or not the chosen one) has two or more fold models.",
    "too_few_sections": "A learning-curve n exceeds the sections available for training.",
    "start_version_saw_all": "The learning curve's start version was trained on every specimen "
    "with the ground truth: none is left to score it on.",
}
