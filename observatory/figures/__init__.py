"""figures of the observatory app."""
