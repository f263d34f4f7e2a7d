"""Inbox checksums are remembered between scans while a file is unchanged (the sensor scans
every 30 s), and never for a file that changed too shortly before it was read."""

import hashlib
import time
from pathlib import Path

import pytest

import clustermon.ingest.package as package
from clustermon.ingest.package import RACY_SECONDS, remembered_sha256


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files read to be hashed, in order."""
    read: list[Path] = []
    reader = package.sha256_of

    def counted(path: Path) -> str:
        read.append(path)
        return reader(path)

    monkeypatch.setattr(package, "sha256_of", counted)
    return read


def test_a_settled_file_is_read_once_and_read_again_when_it_changes(
    tmp_path: Path, reads: list[Path]
):
    file = tmp_path / "clusters.csv"
    file.write_bytes(b"cluster_id,name\nC1,Alpha\n")
    # Just written: read each time, its next write could leave its times as they are.
    assert remembered_sha256(file) == hashlib.sha256(b"cluster_id,name\nC1,Alpha\n").hexdigest()
    remembered_sha256(file)
    assert reads == [file, file]

    time.sleep(RACY_SECONDS + 0.2)
    reads.clear()
    for _ in range(3):
        assert remembered_sha256(file) == hashlib.sha256(file.read_bytes()).hexdigest()
    assert reads == [file]

    file.write_bytes(b"cluster_id,name\nC1,Omega\n")  # the same size
    assert remembered_sha256(file) == hashlib.sha256(b"cluster_id,name\nC1,Omega\n").hexdigest()
    assert reads == [file, file]


def test_a_file_replaced_by_another_is_read_again(tmp_path: Path, reads: list[Path]):
    file, replacement = tmp_path / "clusters.csv", tmp_path / "new.csv"
    file.write_bytes(b"a\n1\n")
    replacement.write_bytes(b"a\n2\n")
    time.sleep(RACY_SECONDS + 0.2)
    remembered_sha256(file)
    replacement.rename(file)  # the replacement's own times, older than the first read
    assert remembered_sha256(file) == hashlib.sha256(b"a\n2\n").hexdigest()
    assert reads == [file, file]
