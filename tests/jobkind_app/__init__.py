"""A test-only app with the smallest job kind: what a new kind needs and nothing more."""
