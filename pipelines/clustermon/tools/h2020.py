"""The real Horizon 2020 participations (tests/reference) as regional packages, for the tests
and `make bench` (a real programme's refresh against plain DuckDB over the same files).

The conversion issue 3 prescribes, written in DuckDB SQL so 144,726 rows convert in seconds:
- one region per participant country that has a NUTS 2021 code (the data spells Greece and
  the United Kingdom EL and UK, as the EU does), one package each, quarter 2025Q4;
- one cluster per country (`H2020-<country>`) standing for its participants, who are its
  members from their first project's start;
- one project per `rcn` in the package of every country taking part, led by that country's
  cluster; all of the project's participations in each such package, those of the country's
  own participants through its cluster, the others as outside partners;
- organisations by `pic`: PRC -> enterprise (size_class unknown), HES -> university,
  REC -> research_institution, PUB -> public_authority, OTH -> other.
Values are carried over as they are; the source writes a missing value `NA`, which becomes an
empty cell, so the rules judge the data, not the converter.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from clustermon.home import NUTS_REFERENCE, REPO_ROOT

SOURCE = REPO_ROOT / "tests" / "reference" / "h2020_participations.csv.gz"
QUARTER = "2025Q4"
REFERENCE_DATE = "2025-12-31"
KINDS = {
    "PRC": "enterprise",
    "HES": "university",
    "REC": "research_institution",
    "PUB": "public_authority",
    "OTH": "other",
}

# Per package (country $c): each table's rows. `taking_part` = the projects of the country.
TABLE_QUERIES = {
    "clusters": """
        SELECT 'H2020-' || $c AS cluster_id, 'Horizon 2020 participants of ' || $c AS name,
               $c AS nuts_code, 'M' AS sector, '2014-01-01' AS founded_on,
               '0' AS management_fte
    """,
    "organisations": """
        SELECT DISTINCT pic AS organisation_id, 'PIC ' || pic AS name, kind,
               CASE WHEN kind = 'enterprise' THEN 'unknown' END AS size_class,
               country AS country_code
        FROM participations WHERE rcn IN (SELECT rcn FROM participations WHERE country = $c)
    """,
    "memberships": """
        SELECT 'H2020-' || $c AS cluster_id, pic AS organisation_id,
               min(start_date) AS joined_on
        FROM participations WHERE country = $c AND start_date IS NOT NULL GROUP BY pic
        UNION ALL  -- participants whose every project lacks a start date: the rules judge them
        SELECT 'H2020-' || $c, pic, NULL FROM participations WHERE country = $c
        GROUP BY pic HAVING count(start_date) = 0
    """,
    "projects": """
        SELECT rcn AS project_id, 'H2020-' || $c AS lead_cluster_id,
               'Horizon 2020 project ' || rcn AS title, 'collaborative_rdi' AS project_type,
               CASE WHEN any_value(end_date) < DATE '2025-12-31' THEN 'completed'
                    ELSE 'running' END AS status,
               any_value(start_date) AS start_date, any_value(end_date) AS end_date,
               any_value(total_cost) AS total_cost_eur,
               any_value(max_contribution) AS public_funding_eur
        FROM participations WHERE rcn IN (SELECT rcn FROM participations WHERE country = $c)
        GROUP BY rcn
    """,
    "participations": """
        SELECT rcn AS project_id, pic AS organisation_id,
               CASE WHEN role = 'coordinator' THEN 'coordinator' ELSE 'partner' END AS role,
               CASE WHEN country = $c THEN 'H2020-' || $c END AS cluster_id,
               contribution AS grant_eur
        FROM participations WHERE rcn IN (SELECT rcn FROM participations WHERE country = $c)
    """,
}


def write_h2020_packages(inbox: Path, programme: Path, limit: int | None = None) -> list[str]:
    """Write one package per NUTS country (the first `limit` countries in code order, or all)
    and the programme's regions.csv; returns the regions."""
    with duckdb.connect() as con:
        con.execute(
            """
            CREATE TABLE participations AS
            SELECT rcn, role, pic, country,
                   nullif(type, 'NA') AS type,
                   try_cast(nullif(start_date, 'NA') AS DATE) AS start_date,
                   try_cast(nullif(end_date, 'NA') AS DATE) AS end_date,
                   nullif(contribution, 'NA') AS contribution,
                   nullif(max_contribution, 'NA') AS max_contribution,
                   nullif(total_cost, 'NA') AS total_cost
            FROM read_csv(?, all_varchar = true)
            """,
            [str(SOURCE)],
        )
        con.execute(
            "CREATE TABLE kinds AS SELECT * FROM (VALUES "
            + ", ".join(f"('{code}', '{kind}')" for code, kind in KINDS.items())
            + ") AS k(type, kind)"
        )
        con.execute(
            "CREATE OR REPLACE TABLE participations AS "
            "SELECT * FROM participations LEFT JOIN kinds USING (type)"
        )
        countries = [
            code
            for (code,) in con.execute(
                """
                SELECT DISTINCT country FROM participations
                WHERE country IN (SELECT NUTS_ID FROM read_csv(?, delim = ';', header = true))
                ORDER BY country
                """,
                [str(NUTS_REFERENCE)],
            ).fetchall()
        ][:limit]
        for country in countries:
            folder = inbox / country / QUARTER
            folder.mkdir(parents=True)
            for table, sql in TABLE_QUERIES.items():
                # country is a code from the NUTS list: a safe literal
                rows = sql.replace("$c", f"'{country}'")
                con.execute(f"COPY ({rows}) TO '{folder / table}.csv' (HEADER)")
    programme.mkdir(parents=True, exist_ok=True)
    lines = ["region_code,name,programme_start"]
    lines += [f"{country},Horizon 2020 {country},2014-01-01" for country in countries]
    (programme / "regions.csv").write_text("\n".join(lines) + "\n")
    return countries
