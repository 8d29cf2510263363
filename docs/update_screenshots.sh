#!/usr/bin/env bash
# Regenerate the README's screenshots from the browser tests (real Chromium, real pages).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest tests/browser/test_screenshots.py tests/browser/test_portrait_page.py tests/browser/test_zone_page.py \
  tests/app/test_portrait_routes.py -q
mkdir -p docs/screenshots
cp tests/artifacts/screenshots/*.png docs/screenshots/
ls -la docs/screenshots
