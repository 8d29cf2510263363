"""The profile's detail sections are folded (audit E12): open them as a reader does before reading them."""

from __future__ import annotations

SECTIONS_OPEN = "() => [...document.querySelectorAll('.profile .profile-block > details')].map(d => d.open)"


def open_sections(page, *ids: str, timeout: float = 60_000) -> None:
    """Open the sections ``ids`` (``trends``, ``block-fragilite``…) by a click on their title, or
    every section with "Tout déplier / Expand all" when none is named."""
    if not ids:
        button = page.locator("#profile-expand-all")
        button.wait_for(timeout=timeout)
        if button.get_attribute("aria-expanded") != "true":
            button.click()
        page.wait_for_function(f"() => ({SECTIONS_OPEN})().every(Boolean)", timeout=timeout)
        return
    for section in ids:
        details = page.locator(f"#{section} > details")
        details.wait_for(state="attached", timeout=timeout)
        if not details.evaluate("d => d.open"):
            page.click(f"#{section} > details > summary")
        page.wait_for_function(f"() => document.querySelector('#{section} > details').open", timeout=timeout)
