"""The archived copies the facts come from, checked against the SHA-256 recorded on receipt."""

from __future__ import annotations

from pathlib import Path

from clustermon.ingest import sha256_of


def archived_copy_state(path: str | None, sha256: str | None) -> str:
    """`checksum verified`, or what is wrong with the archived copy."""
    if not path:
        return "no archived copy recorded"
    copy = Path(path)
    if not copy.is_file():
        return "the archived copy is missing"
    try:
        found = sha256_of(copy)
    except OSError as error:
        return f"the archived copy cannot be read: {error}"
    return "checksum verified" if found == sha256 else f"the archived copy differs: SHA-256 {found}"
