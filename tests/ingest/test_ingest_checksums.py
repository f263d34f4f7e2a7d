"""Inbox checksums are remembered between scans while a file stands still (the sensor scans
every 30 s), never for a file that may still be changing, and not for ever."""

import hashlib
from pathlib import Path

import pytest

import clustermon.ingest.package as package
from clustermon.ingest.package import RACY_SECONDS, TRUSTED_SECONDS, remembered_sha256


class Clock:
    """This process's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(package, "_clock", clock)
    monkeypatch.setattr(package, "_remembered", {})
    return clock


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


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_a_file_is_read_until_it_has_stood_still_then_remembered(
    tmp_path: Path, clock: Clock, reads: list[Path]
):
    file = tmp_path / "clusters.csv"
    file.write_bytes(b"cluster_id,name\nC1,Alpha\n")
    assert remembered_sha256(file) == sha256(b"cluster_id,name\nC1,Alpha\n")
    clock.now += RACY_SECONDS - 0.5  # still changing, for all this process knows
    remembered_sha256(file)
    clock.now += 0.5  # unchanged for RACY_SECONDS: this read is trusted
    remembered_sha256(file)
    assert reads == [file, file, file]
    clock.now += 30  # the sensor's next ticks
    for _ in range(3):
        assert remembered_sha256(file) == sha256(b"cluster_id,name\nC1,Alpha\n")
    assert reads == [file, file, file]

    file.write_bytes(b"cluster_id,name\nC1,Omega\n")  # the same size
    assert remembered_sha256(file) == sha256(b"cluster_id,name\nC1,Omega\n")
    assert len(reads) == 4


def test_a_remembered_digest_is_read_again_after_an_hour(
    tmp_path: Path, clock: Clock, reads: list[Path]
):
    file = tmp_path / "clusters.csv"
    file.write_bytes(b"a\n1\n")
    remembered_sha256(file)
    clock.now += RACY_SECONDS
    remembered_sha256(file)
    clock.now += TRUSTED_SECONDS - 1
    remembered_sha256(file)
    assert len(reads) == 2
    clock.now += 1
    remembered_sha256(file)
    assert len(reads) == 3


def test_a_file_replaced_by_another_is_read_again(tmp_path: Path, clock: Clock, reads: list[Path]):
    file, replacement = tmp_path / "clusters.csv", tmp_path / "new.csv"
    file.write_bytes(b"a\n1\n")
    replacement.write_bytes(b"a\n2\n")
    remembered_sha256(file)
    clock.now += RACY_SECONDS
    remembered_sha256(file)
    replacement.rename(file)
    assert remembered_sha256(file) == sha256(b"a\n2\n")
    assert reads == [file, file, file]
