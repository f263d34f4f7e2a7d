"""The demo generator: deterministic, laid out as the contract says, and valid.

The checks read the written CSV files back with pandas and judge them against the
contract (clustermon.contract, the NUTS seed), never against the generator's internals.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from clustermon import contract
from clustermon.home import NUTS_REFERENCE
from clustermon.tools.demo import DEMO_QUARTERS, DEMO_REGIONS, EU_PROFILE, eu_regions, write_demo

NUTS_SEED = NUTS_REFERENCE
REGIONS = {r.code: r for r in DEMO_REGIONS}
# A small run: every quarter of regions with a level-1, level-3, single-NUTS-2 and UK code.
SMALL_REGIONS = tuple(REGIONS[c] for c in ("AT12", "FRK", "SE224", "LV00", "UKN0", "HU32"))
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DECIMAL = re.compile(r"^-?\d+(\.\d{1,2})?$")
INTEGER = re.compile(r"^\d+$")
NACE = re.compile(r"^[A-U]\d{2}(\.\d{1,2})?$")
Package = tuple[str, str, dict[str, pd.DataFrame]]  # region, quarter, tables


@pytest.fixture(scope="module")
def nuts() -> dict[str, str]:
    frame = pd.read_csv(NUTS_SEED, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    return dict(zip(frame["NUTS_ID"], frame["NAME_LATN"], strict=True))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    write_demo(root / "inbox", root / "programme", regions=SMALL_REGIONS, scale=0.15)
    return root


@pytest.fixture(scope="module")
def small_packages(small: Path) -> list[Package]:
    return list(packages(small))


@pytest.fixture(scope="module")
def newest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every region's newest package, at scale 0.2."""
    root = tmp_path_factory.mktemp("newest")
    write_demo(root / "inbox", root / "programme", quarters=DEMO_QUARTERS[-1:], scale=0.2)
    return root


@pytest.fixture(scope="module")
def newest_packages(newest: Path) -> list[Package]:
    return list(packages(newest))


def read_package(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        t.name: pd.read_csv(folder / f"{t.name}.csv", dtype=str, keep_default_na=False)
        for t in contract.TABLES
    }


def packages(root: Path) -> Iterator[Package]:
    for region in sorted((root / "inbox").iterdir()):
        for quarter in sorted(region.iterdir()):
            yield region.name, quarter.name, read_package(quarter)


def stacked(packages: list[Package], table: str) -> pd.DataFrame:
    return pd.concat(
        [p[table].assign(region=r, quarter=q) for r, q, p in packages], ignore_index=True
    )


def number(values: pd.Series) -> pd.Series:
    """Decimals as floats: rounding keeps order, so comparisons of two values hold."""
    return values.astype(float)


# --- determinism and layout ---------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    regions, quarters = DEMO_REGIONS[:3], DEMO_QUARTERS[2:4]
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        write_demo(
            tmp_path / name / "inbox",
            tmp_path / name / "programme",
            seed=seed,
            regions=regions,
            quarters=quarters,
            scale=0.05,
        )
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.csv"))
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.csv"))
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )
    assert any(
        (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes() for f in files
    )


def test_layout_and_headers(small: Path) -> None:
    for region in SMALL_REGIONS:
        for quarter in DEMO_QUARTERS:
            folder = small / "inbox" / region.code / quarter
            assert sorted(p.name for p in folder.iterdir()) == sorted(
                f"{t.name}.csv" for t in contract.TABLES
            )
            for table in contract.TABLES:
                with (folder / f"{table.name}.csv").open(encoding="utf-8", newline="") as file:
                    assert file.readline() == ",".join(table.column_names) + "\n"


def test_programme_folder(newest: Path, nuts: dict[str, str]) -> None:
    regions = pd.read_csv(newest / "programme" / "regions.csv", dtype=str, keep_default_na=False)
    assert list(regions.columns) == ["region_code", "name", "programme_start"]
    assert len(regions) == 17 and set(regions["region_code"]) == set(REGIONS)
    assert all(nuts[c] == n for c, n in zip(regions["region_code"], regions["name"], strict=True))
    assert (regions["programme_start"] <= "2024-01-01").all()
    assert regions["programme_start"].nunique() > 1
    programmes = {r.programme for r in DEMO_REGIONS}
    assert programmes == {"CLUSTERIX 2.0", "CLUSTERS3"}

    targets = pd.read_csv(newest / "programme" / "targets.csv", dtype=str, keep_default_na=False)
    assert list(targets.columns) == [
        "region_code",
        "indicator_code",
        "year",
        "target_value",
        "kind",
    ]
    assert set(targets["region_code"]) == set(REGIONS)
    assert set(zip(targets["year"], targets["kind"], strict=True)) == {
        ("2024", "milestone"),
        ("2029", "target"),
    }
    assert not targets.duplicated(["region_code", "indicator_code", "year"]).any()
    assert (targets["target_value"].astype(float) > 0).all()


def test_sizes_at_full_scale(tmp_path: Path) -> None:
    regions = DEMO_REGIONS[:3]
    write_demo(tmp_path / "inbox", tmp_path / "programme", regions=regions, quarters=["2025Q4"])
    for region in regions:
        package = read_package(tmp_path / "inbox" / region.code / "2025Q4")
        assert 5 <= len(package["clusters"]) <= 40
        members = package["memberships"].groupby("cluster_id")["organisation_id"].nunique()
        assert set(members.index) == set(package["clusters"]["cluster_id"])
        assert members.between(20, 300).all()
        comparison = package["organisations"]["comparison_group"] == "true"
        enterprises = package["organisations"]["kind"] == "enterprise"
        member_enterprises = set(package["memberships"]["organisation_id"]) & set(
            package["organisations"].loc[enterprises, "organisation_id"]
        )
        assert 0.8 <= comparison.sum() / len(member_enterprises) <= 1.2


# --- the contract's rules, on every package of the small run at once ---------------------


@pytest.fixture(scope="module")
def tables(small_packages: list[Package]) -> dict[str, pd.DataFrame]:
    """Each table of every package stacked, with the package's region, quarter and
    reference date on every row."""
    frames = {t.name: stacked(small_packages, t.name) for t in contract.TABLES}
    for frame in frames.values():
        frame["reference"] = frame["quarter"].map(lambda q: contract.quarter_end(q).isoformat())
    return frames


def keyed(frame: pd.DataFrame, column: str) -> pd.Series:
    """A value qualified by its package: identifiers are unique within a package only."""
    return frame["region"] + "/" + frame["quarter"] + "/" + frame[column]


def test_every_table_filled_in_every_package(tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        assert frame.groupby(["region", "quarter"]).ngroups == 6 * 8, f"{name} empty somewhere"


def test_types_and_allowed_values(tables: dict[str, pd.DataFrame], nuts: dict[str, str]) -> None:
    for table in contract.TABLES:
        frame = tables[table.name]
        for column in table.columns:
            values = frame[column.name]
            if column.required:
                assert (values != "").all(), f"{table.name}.{column.name} has nulls"
            given = values[values != ""]
            pattern = {"date": DATE, "decimal": DECIMAL, "int": INTEGER}.get(column.type)
            if pattern is not None:
                assert given.str.match(pattern).all(), f"{table.name}.{column.name}"
            if column.type == "bool":
                assert given.isin(["true", "false"]).all(), f"{table.name}.{column.name}"
    allowed = {
        ("clusters", "sector"): contract.NACE_SECTIONS,
        ("clusters", "label"): (*contract.LABELS, ""),
        ("organisations", "kind"): contract.ORGANISATION_KINDS,
        ("projects", "project_type"): contract.PROJECT_TYPES,
        ("projects", "status"): contract.PROJECT_STATUSES,
        ("participations", "role"): contract.PARTICIPATION_ROLES,
        ("services", "service_type"): contract.SERVICE_TYPES,
        ("services", "support_form"): contract.SUPPORT_FORMS,
        ("events", "event_type"): contract.EVENT_TYPES,
        ("outcomes", "outcome_type"): contract.OUTCOME_TYPES,
    }
    for (table, column), values in allowed.items():
        assert tables[table][column].isin(values).all(), f"{table}.{column}"

    organisations = tables["organisations"]
    enterprise = organisations["kind"] == "enterprise"
    assert organisations.loc[enterprise, "size_class"].isin(contract.SIZE_CLASSES).all()
    nace = organisations["nace_code"]
    assert nace[nace != ""].str.match(NACE).all()
    assert organisations["country_code"].str.match(r"^[A-Z]{2}$").all()
    located = organisations[organisations["nuts_code"] != ""]
    assert located["nuts_code"].isin(set(nuts)).all()
    assert (located["nuts_code"].str[:2] == located["country_code"]).all()
    founded = organisations["founded_year"]
    years = founded[founded != ""].astype(int)
    assert years.between(1800, organisations["quarter"].str[:4].astype(int)[years.index]).all()

    clusters = tables["clusters"]
    assert clusters["nuts_code"].isin(set(nuts)).all()
    assert all(map(str.startswith, clusters["nuts_code"], clusters["region"]))
    labelled = clusters["label"].isin(["bronze", "silver", "gold"])
    assert (clusters.loc[labelled, "label_valid_until"] != "").all()
    assert (number(clusters["management_fte"]) >= 0).all()


# The contract's keys (docs/spec/submission-format.md), written out here.
KEYS = {
    "clusters": ["cluster_id"],
    "organisations": ["organisation_id"],
    "memberships": ["cluster_id", "organisation_id", "joined_on"],
    "projects": ["project_id"],
    "participations": ["project_id", "organisation_id"],
    "services": ["service_id"],
    "events": ["event_id"],
    "outcomes": ["outcome_id"],
    "firm_kpis": ["organisation_id", "year"],
}
# Stocks whose keys a later snapshot keeps (flows are compared row by row).
STOCKS = ("clusters", "organisations", "memberships", "projects", "participations", "firm_kpis")


def test_keys_unique_and_references_resolve(tables: dict[str, pd.DataFrame]) -> None:
    for table, key in KEYS.items():
        assert not tables[table].duplicated(["region", "quarter", *key]).any(), table

    organisations = tables["organisations"]
    comparison = organisations["comparison_group"] == "true"
    enterprise = organisations["kind"] == "enterprise"
    targets = {
        "cluster": set(keyed(tables["clusters"], "cluster_id")),
        "project": set(keyed(tables["projects"], "project_id")),
        "organisation": set(keyed(organisations[~comparison], "organisation_id")),
        "enterprise": set(keyed(organisations[enterprise], "organisation_id")),
    }
    references = [
        ("memberships", "cluster_id", "cluster"),
        ("projects", "lead_cluster_id", "cluster"),
        ("participations", "project_id", "project"),
        ("participations", "cluster_id", "cluster"),
        ("services", "cluster_id", "cluster"),
        ("events", "cluster_id", "cluster"),
        ("outcomes", "project_id", "project"),
        ("firm_kpis", "organisation_id", "enterprise"),
        # comparison-group organisations appear only in firm_kpis
        ("memberships", "organisation_id", "organisation"),
        ("participations", "organisation_id", "organisation"),
        ("services", "organisation_id", "organisation"),
        ("outcomes", "organisation_id", "organisation"),
    ]
    for table, column, target in references:
        frame = tables[table][tables[table][column] != ""]
        assert keyed(frame, column).isin(targets[target]).all(), f"{table}.{column}"


def test_dates_and_amounts(tables: dict[str, pd.DataFrame]) -> None:
    for table, column in (
        ("clusters", "founded_on"),
        ("memberships", "joined_on"),
        ("services", "delivered_on"),
        ("events", "held_on"),
        ("outcomes", "reported_on"),
    ):
        frame = tables[table]
        assert (frame[column] <= frame["reference"]).all(), f"{table}.{column} after reference"
    # End dates after the reference date are not known yet, so they are empty.
    for table, start, end in (
        ("clusters", "founded_on", "closed_on"),
        ("memberships", "joined_on", "left_on"),
    ):
        ended = tables[table][tables[table][end] != ""]
        assert (ended[end] >= ended[start]).all() and (ended[end] <= ended["reference"]).all()

    projects = tables["projects"]
    assert (projects["end_date"] >= projects["start_date"]).all()
    public, total = number(projects["public_funding_eur"]), number(projects["total_cost_eur"])
    assert ((public >= 0) & (public <= total)).all()
    started = projects[projects["status"].isin(["running", "completed"])]
    assert (started["start_date"] <= started["reference"]).all()
    planned = projects[projects["status"] == "planned"]
    assert (planned["start_date"] > planned["reference"]).all()
    completed = projects[projects["status"] == "completed"]
    assert (completed["end_date"] <= completed["reference"]).all()

    services = tables["services"]
    financial = services[services["support_form"] != "non_financial"]
    assert (number(financial["amount_eur"].replace("", "0")) > 0).all()
    assert (number(services["amount_eur"].replace("", "0")) >= 0).all()

    events = tables["events"]
    sme = events[events["participants_sme"] != ""]
    assert (sme["participants_sme"].astype(int) <= sme["participants"].astype(int)).all()
    quantity = tables["outcomes"]["quantity"]
    assert (quantity[quantity != ""].astype(int) >= 1).all()

    kpis = tables["firm_kpis"]
    assert (kpis["year"].astype(int) < kpis["quarter"].str[:4].astype(int)).all()  # arrive late
    assert (number(kpis["employees_fte"]) > 0).all()
    assert (number(kpis["turnover_eur"]) >= 0).all()
    exports = kpis[kpis["exports_eur"] != ""]
    assert (number(exports["exports_eur"]) >= 0).all()
    assert (number(exports["exports_eur"]) <= number(exports["turnover_eur"])).all()
    assert (number(kpis["rd_expenditure_eur"].replace("", "0")) >= 0).all()


def test_conflicts_absent(tables: dict[str, pd.DataFrame]) -> None:
    """No overlapping spells, at most one coordinator, grants within public funding."""
    spells = tables["memberships"].sort_values(
        ["region", "quarter", "cluster_id", "organisation_id", "joined_on"]
    )
    end = spells["left_on"].replace("", "9999-12-31")
    same = spells.duplicated(["region", "quarter", "cluster_id", "organisation_id"])
    assert (spells["joined_on"][same] >= end.shift()[same]).all()

    participations = tables["participations"]
    coordinators = participations[participations["role"] == "coordinator"]
    assert not coordinators.duplicated(["region", "quarter", "project_id"]).any()
    granted = participations[participations["grant_eur"] != ""]
    sums = granted["grant_eur"].map(Decimal).groupby(keyed(granted, "project_id")).sum()
    projects = tables["projects"]
    public = projects["public_funding_eur"].map(Decimal).set_axis(keyed(projects, "project_id"))
    assert (sums <= public[sums.index]).all()  # exact decimal sums


def test_snapshots_only_grow(small_packages: list[Package]) -> None:
    by_region = {r.code: [p for c, _, p in small_packages if c == r.code] for r in SMALL_REGIONS}
    for history in by_region.values():
        assert len(history) == len(DEMO_QUARTERS)
        for old, new in itertools.pairwise(history):
            for table in STOCKS:
                key = KEYS[table]
                old_keys = set(map(tuple, old[table][key].to_numpy()))
                assert old_keys <= set(map(tuple, new[table][key].to_numpy())), table
            for table in ("services", "events", "outcomes", "firm_kpis", "organisations"):
                merged = old[table].merge(new[table], how="left", indicator=True)
                assert (merged["_merge"] == "both").all(), f"{table} changed"
            ended = old["memberships"][old["memberships"]["left_on"] != ""]
            assert len(ended.merge(new["memberships"])) == len(ended)
        assert len(history[-1]["services"]) > len(history[0]["services"])


# --- coverage: the demo exercises every value and every indicator -------------------------


def test_every_allowed_value_occurs(newest_packages: list[Package]) -> None:
    organisations = stacked(newest_packages, "organisations")
    enterprises = organisations[organisations["kind"] == "enterprise"]
    occurring = {
        contract.ORGANISATION_KINDS: organisations["kind"],
        contract.SIZE_CLASSES: enterprises["size_class"],
        contract.PROJECT_TYPES: stacked(newest_packages, "projects")["project_type"],
        contract.PROJECT_STATUSES: stacked(newest_packages, "projects")["status"],
        contract.SERVICE_TYPES: stacked(newest_packages, "services")["service_type"],
        contract.SUPPORT_FORMS: stacked(newest_packages, "services")["support_form"],
        contract.EVENT_TYPES: stacked(newest_packages, "events")["event_type"],
        contract.OUTCOME_TYPES: stacked(newest_packages, "outcomes")["outcome_type"],
        contract.LABELS: stacked(newest_packages, "clusters")["label"],
        contract.PARTICIPATION_ROLES: stacked(newest_packages, "participations")["role"],
    }
    for allowed, values in occurring.items():
        assert set(allowed) <= set(values), set(allowed) - set(values)


def test_every_indicator_has_something_to_count(newest_packages: list[Package]) -> None:
    reference = "2025-12-31"
    found: dict[str, bool] = {}
    for region, _, p in newest_packages:
        start = REGIONS[region].programme_start.isoformat()
        clusters, organisations = p["clusters"], p["organisations"]
        memberships, projects = p["memberships"], p["projects"]
        parts = p["participations"].merge(
            organisations[["organisation_id", "kind", "country_code", "nace_code", "nuts_code"]]
        )
        parts["section"] = parts["nace_code"].str[:1]
        programme = parts["cluster_id"] != ""
        research = parts["kind"].isin(["university", "research_institution"])
        located = parts["nuts_code"]
        nested = located.str.startswith(region) | located.map(region.startswith)
        outside_region = ((located != "") & ~nested) | (
            (located == "") & (parts["country_code"] != region[:2])
        )
        countries = parts.groupby("project_id")["country_code"].nunique()
        outcomes = p["outcomes"].merge(organisations[["organisation_id", "size_class"]])
        first_service = p["services"].groupby("organisation_id")["delivered_on"].min()
        outcomes["first_service"] = outcomes["organisation_id"].map(first_service)
        start_of = projects.set_index("project_id")["start_date"]
        enterprises = organisations[organisations["kind"] == "enterprise"]
        strata = enterprises.assign(section=enterprises["nace_code"].str[:1]).groupby(
            ["comparison_group", "section", "size_class"]
        )
        by_project = parts.groupby("project_id")
        rdi = set(projects.loc[projects["project_type"] == "collaborative_rdi", "project_id"])
        kinds = by_project["kind"].agg(set)
        labelled = clusters["label"].isin(["bronze", "silver", "gold"])
        spells = memberships.groupby(["cluster_id", "organisation_id"]).size()
        checks = {
            "closed cluster": (clusters["closed_on"] != "").any(),
            "valid label": (labelled & (clusters["label_valid_until"] >= reference)).any(),
            "expired label": (labelled & (clusters["label_valid_until"] < reference)).any(),
            "member of two clusters": memberships.groupby("organisation_id")["cluster_id"]
            .nunique()
            .gt(1)
            .any(),
            "left spell": (memberships["left_on"] != "").any(),
            "re-join": (spells > 1).any(),
            "outside partner": (parts["cluster_id"] == "").any(),
            "foreign partner": (parts["country_code"] != region[:2]).any(),
            "research in collaborative_rdi": kinds[kinds.index.isin(rdi)]
            .map(lambda k: "enterprise" in k and bool(k & {"university", "research_institution"}))
            .any(),
            "triple helix": kinds.map(
                lambda k: (
                    "enterprise" in k
                    and "public_authority" in k
                    and bool(k & {"university", "research_institution"})
                )
            ).any(),
            "cross-cluster": by_project["cluster_id"].agg(lambda c: len(set(c) - {""}) > 1).any(),
            "cross-sector": parts[parts["kind"] == "enterprise"]
            .groupby("project_id")["section"]
            .agg(lambda s: len(set(s) - {""}) > 1)
            .any(),
            "started before programme start": (projects["start_date"] < start).any(),
            "zero public funding": (projects["public_funding_eur"].astype(float) == 0).any(),
            "grant to a participant": (parts["grant_eur"].replace("", "0").astype(float) > 0).any(),
            "international event": (p["events"]["international"] == "true").any(),
            "event without SME count": (p["events"]["participants_sme"] == "").any(),
            "outcome with project": (p["outcomes"]["project_id"] != "").any(),
            "outcome without project": (p["outcomes"]["project_id"] == "").any(),
            "negative value added": p["firm_kpis"]["value_added_eur"].str.startswith("-").any(),
            "missing exports": (p["firm_kpis"]["exports_eur"] == "").any(),
            "organisation without NUTS code": (organisations["nuts_code"] == "").any(),
            "RCO07 research organisation through a cluster in collaborative_rdi": (
                programme & research & parts["project_id"].isin(rdi)
            ).any(),
            "RCO10 enterprise through a cluster in collaborative_rdi with research": (
                programme
                & (parts["kind"] == "enterprise")
                & parts["project_id"].isin(rdi & set(parts.loc[research, "project_id"]))
            ).any(),
            "RCO87 programme participant in a cross-border project": (
                programme & parts["project_id"].map(countries).gt(1)
            ).any(),
            "RES04 participant outside the region": outside_region.any(),
            "RCR03 SME innovating after its first service": (
                outcomes["outcome_type"].isin(["product_innovation", "process_innovation"])
                & outcomes["size_class"].isin(["micro", "small", "medium"])
                & (outcomes["reported_on"] >= outcomes["first_service"].fillna("9999"))
            ).any(),
            "RCR08 publication through a project": (
                (outcomes["outcome_type"] == "publication")
                & (outcomes["project_id"] != "")
                & (outcomes["reported_on"] >= outcomes["project_id"].map(start_of).fillna("9999"))
            ).any(),
            "IMP comparison firms in members' strata": strata["organisation_id"]
            .size()
            .unstack("comparison_group")
            .dropna()
            .gt(2)
            .all(axis=1)
            .any(),
            "non-financial service with amount": (
                (p["services"]["support_form"] == "non_financial")
                & (p["services"]["amount_eur"] != "")
            ).any(),
        }
        for name, ok in checks.items():
            found[name] = found.get(name, False) or bool(ok)
    assert all(found.values()), [name for name, ok in found.items() if not ok]


def test_outcomes_around_first_support(newest_packages: list[Package]) -> None:
    """Most outcomes without a project come after the organisation's first service, some
    before (RCR03 and RCR04 must leave those out)."""
    services = stacked(newest_packages, "services")
    outcomes = stacked(newest_packages, "outcomes")
    first = services.groupby(["region", "organisation_id"])["delivered_on"].min().rename("first")
    direct = outcomes[outcomes["project_id"] == ""].join(first, on=["region", "organisation_id"])
    after = (direct["reported_on"] >= direct["first"]).mean()
    assert 0.6 < after < 1.0


def test_default_demo_bytes_unchanged(tmp_path: Path) -> None:
    """The default demo (scale 1, what `make run` and the hand-checked tests use) must not
    move when other profiles are added: the digest was computed from the code before the EU
    profile existed (commit 7526f1d)."""
    write_demo(
        tmp_path / "inbox", tmp_path / "programme", regions=DEMO_REGIONS[:3],
        quarters=DEMO_QUARTERS[-2:],
    )  # fmt: skip
    digest = hashlib.sha256()
    for path in sorted(tmp_path.rglob("*.csv")):
        digest.update(str(path.relative_to(tmp_path)).encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == "672b2b26bc4d7737a0d3ee35c2cadff867a389d761d21bea472028a5a78689c9"


def test_eu_profile_comparison_group_and_kpi_years(tmp_path: Path) -> None:
    """The EU profile's intensities act where they say: per region, round(1.29 x member
    enterprises) comparison enterprises, and firm_kpis from 2012 (the default starts in 2015)."""
    regions = eu_regions(2)
    write_demo(
        tmp_path / "inbox", tmp_path / "programme", regions=regions, quarters=("2025Q4",),
        scale=0.4, profile=EU_PROFILE,
    )  # fmt: skip
    assert EU_PROFILE.comparison_per_member == 1.29 and EU_PROFILE.kpis_from == 2012
    for region in regions:
        folder = tmp_path / "inbox" / region.code / "2025Q4"
        organisations = pd.read_csv(folder / "organisations.csv", dtype=str)
        members = set(pd.read_csv(folder / "memberships.csv", dtype=str)["organisation_id"])
        member_enterprises = organisations[
            organisations["organisation_id"].isin(members) & (organisations["kind"] == "enterprise")
        ]
        comparison = organisations[organisations["comparison_group"] == "true"]
        assert len(member_enterprises) > 20
        assert len(comparison) == round(1.29 * len(member_enterprises))
        years = pd.read_csv(folder / "firm_kpis.csv", dtype=str)["year"].astype(int)
        assert (years.min(), years.max()) == (2012, 2024)  # 2025 figures arrive in 2026
