"""The archive: every file of a package kept as received, under its SHA-256, before it is read.

The copy is the file the rules then read, so the bytes checked are the bytes archived, and a
file that changes while its package is found and read is caught by its hash, not loaded.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from clustermon.ingest.package import PackageFolder, sha256_of


def archive_file(path: Path, folder: Path, checksum: str) -> Path | None:
    """Keep the file as received under its checksum, so a re-sent package never overwrites it.

    The copy is hashed as it is written, synced and only then renamed into place: a crash or a
    full disk never leaves a partial copy under the final name. None when the bytes copied are
    not the bytes checksummed when the package was found: the file changed meanwhile.
    """
    stored = folder / checksum / path.name
    if stored.exists() and sha256_of(stored) == checksum:
        return stored
    stored.parent.mkdir(parents=True, exist_ok=True)
    partial = stored.with_name(f".{path.name}.partial")
    digest = hashlib.sha256()
    with path.open("rb") as source, partial.open("wb") as target:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
            target.write(block)
        target.flush()
        os.fsync(target.fileno())
    if digest.hexdigest() != checksum:
        partial.unlink()
        return None
    os.replace(partial, stored)
    return stored


def archive_package(
    package: PackageFolder, archive: Path, checksums: dict[str, str]
) -> dict[str, Path] | None:
    """Every regular file of the package archived (file name -> archived copy), or None when
    one changed since the package was found: it is read again at the next refresh."""
    folder = archive / package.region_code / package.quarter
    copies = {}
    for name, checksum in checksums.items():
        try:
            stored = archive_file(package.path / name, folder, checksum)
        except FileNotFoundError:  # removed since it was hashed
            return None
        if stored is None:
            return None
        copies[name] = stored
    # A file added since the package was found would be read unarchived: wait for it too.
    return copies if {p.name for p in package.regular_files()} == set(copies) else None
