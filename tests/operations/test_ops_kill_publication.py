"""A refresh killed (SIGKILL of its process group) at four moments from the impact estimates on
(between the gate's indicator checks, during publication, and after it: site, docs) leaves what
is published the complete old publication or the complete new one, and the next `clustermon
refresh` on the same home publishes the new data by itself. The earlier moments, and SIGTERM,
are in test_ops_kill.py."""

from pathlib import Path

import pytest

from clustermon.home import Paths
from killing import MOMENTS, killed_then_healed


@pytest.mark.parametrize("moment", MOMENTS[4:])
def test_a_refresh_killed_from_its_estimates_on_heals_on_the_next(
    old_publication: Paths, tmp_path: Path, moment: str
):
    killed_then_healed(old_publication, tmp_path, moment)
