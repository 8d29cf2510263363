"""The observatory: query and statistics layer, figures and pages (reads the database read-only)."""
