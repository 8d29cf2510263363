"""layout of the observatory app."""
