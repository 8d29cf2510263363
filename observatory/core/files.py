"""Writing files the app and the ETL share, atomically (no Flask, no Dash: ``etl/`` imports it)."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path


def write_gzip(path: Path, gz: Path) -> Path:
    """Write ``gz`` atomically (temporary file + rename), mode 0644, with no timestamp inside."""
    fd, tmp = tempfile.mkstemp(dir=gz.parent, prefix=f".{gz.name}.", suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            path.open("rb") as src,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out,
        ):
            shutil.copyfileobj(src, out)
        os.chmod(tmp, 0o644)  # mkstemp makes it private to this user
        os.replace(tmp, gz)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return gz
