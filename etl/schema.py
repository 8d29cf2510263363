"""The database schema: one statement per table, written by the ETL and read by the app.

Survey tables carry (wave, survey) so that a wave can be replaced as a whole, and the
respondents carry the codes of their territories at every level, resolved once at load time.
"""

from __future__ import annotations

import duckdb

DDL: tuple[str, ...] = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE territories (
        level VARCHAR, code VARCHAR, name VARCHAR, region_code VARCHAR, departement_code VARCHAR,
        epci_code VARCHAR, canton_code VARCHAR, population BIGINT, area_km2 DOUBLE, lon DOUBLE, lat DOUBLE,
        map_lon DOUBLE, map_lat DOUBLE, PRIMARY KEY (level, code))""",
    "CREATE TABLE commune_aliases (code VARCHAR PRIMARY KEY, commune_code VARCHAR)",
    "CREATE TABLE postal_codes (postal_code VARCHAR, commune_code VARCHAR)",
    """CREATE TABLE vocabulary (
        vocabulary VARCHAR, code VARCHAR, label_fr VARCHAR, label_en VARCHAR, parent VARCHAR,
        attested BOOLEAN, position INTEGER, PRIMARY KEY (vocabulary, code))""",
    """CREATE TABLE published_figures (
        code VARCHAR PRIMARY KEY, survey VARCHAR, wave INTEGER, indicator VARCHAR, measure VARCHAR,
        statistic VARCHAR, base VARCHAR, size_class VARCHAR, region_code VARCHAR, value DOUBLE,
        unit VARCHAR, label_fr VARCHAR, label_en VARCHAR, source_url VARCHAR)""",
    """CREATE TABLE initiatives (
        initiative_id VARCHAR PRIMARY KEY, name VARCHAR, description_fr VARCHAR, description_en VARCHAR,
        level VARCHAR, territory_codes VARCHAR, kind VARCHAR, role VARCHAR, actors VARCHAR,
        figures VARCHAR, source_document VARCHAR, source_title VARCHAR, source_publisher VARCHAR,
        source_date VARCHAR)""",
    """CREATE TABLE initiative_places (
        initiative_id VARCHAR, level VARCHAR, code VARCHAR, region_code VARCHAR,
        departement_code VARCHAR, epci_code VARCHAR)""",
    """CREATE TABLE datasets (
        wave INTEGER, survey VARCHAR, name VARCHAR, source VARCHAR, licence VARCHAR,
        synthetic BOOLEAN, checksum VARCHAR, respondents BIGINT, loaded_at TIMESTAMP,
        PRIMARY KEY (wave, survey))""",
    """CREATE TABLE respondents (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, commune_code VARCHAR,
        epci_code VARCHAR, canton_code VARCHAR, departement_code VARCHAR, region_code VARCHAR, weight DOUBLE,
        stratum VARCHAR, size_class VARCHAR, PRIMARY KEY (wave, survey, respondent_id))""",
    """CREATE TABLE fragility (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, domain VARCHAR, score TINYINT)""",
    """CREATE TABLE partnerships (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, partner TINYINT, mecenat TINYINT,
        pratiques_responsables TINYINT, cooperation_economique TINYINT,
        innovation_societale TINYINT)""",
    """CREATE TABLE mayors (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, q4 VARCHAR, q8 VARCHAR)""",
    """CREATE TABLE mayor_roles (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, role VARCHAR)""",
    """CREATE TABLE opinions (
        wave INTEGER, survey VARCHAR, respondent_id VARCHAR, alliances_innovation TINYINT)""",
)

SURVEY_TABLES: tuple[str, ...] = ("respondents", "fragility", "partnerships", "mayors", "mayor_roles", "opinions")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table in an empty database."""
    for statement in DDL:
        con.execute(statement)
