"""The read-only data interface: the app's only SQL and file reads (and the map's tiles)."""
