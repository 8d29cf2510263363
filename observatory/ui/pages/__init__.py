"""pages of the observatory app."""
