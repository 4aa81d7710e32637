"""Retrain rounds: ``launch`` fine-tunes the active model on the ground truth of now; ``chain``
(listeners of the job machine) evaluates it on the held-out set and closes the round, activating
its model when the project asks for it and it is better; ``settings``: the project's choices;
``switch``: a manager switches the series' ground-truth source."""

from inference.services.rounds.chain import round_evaluation_ended, round_training_ended
from inference.services.rounds.launch import HELD_OUT_FRACTION, retrain_round_launch
from inference.services.rounds.settings import MAX_ROUND_EPOCHS, round_settings_set
from inference.services.rounds.switch import round_source_switch

__all__ = [
    "HELD_OUT_FRACTION",
    "MAX_ROUND_EPOCHS",
    "retrain_round_launch",
    "round_evaluation_ended",
    "round_settings_set",
    "round_source_switch",
    "round_training_ended",
]
