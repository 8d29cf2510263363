"""views of the observatory app."""
