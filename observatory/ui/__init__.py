"""Dash: component ids, the layout, the pages and their callbacks."""
