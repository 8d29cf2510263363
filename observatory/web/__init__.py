"""Flask routes, no Dash: the API, embeds, tiles, health, security headers and memory."""
