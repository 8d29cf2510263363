"""Vocabulary, settings and formatting: imports nothing else of the project."""
