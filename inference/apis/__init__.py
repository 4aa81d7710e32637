"""APIs of the inference app, one module per area (training, evaluation)."""
