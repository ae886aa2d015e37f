"""Backups with pg_dump and pg_restore, and the drill that proves a backup restores.

The drill dumps the live database, restores the dump into a scratch database on the same server,
and compares every published explainer (with its sections and placed blocks) and every fact block
(people, sources, quotes, statistics with their values, claims with their sources) field by field.
"""

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections

from claims.models import Claim, Person, Quote, Source, Statistic, StatisticValue
from explainers.models import Explainer, Section, SectionBlock


class BackupError(Exception):
    pass


def libpq_env(alias: str = "default") -> dict:
    """PG* variables for pg_dump/pg_restore/psql from a Django database's settings."""
    db = connections[alias].settings_dict
    if connections[alias].vendor != "postgresql":
        raise BackupError("Backups need PostgreSQL (DATABASE_URL=postgres://…).")
    env = {
        "PGDATABASE": db["NAME"],
        "PGUSER": db["USER"] or "",
        "PGHOST": db["HOST"] or "",
        "PGPORT": str(db["PORT"] or ""),
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return {k: v for k, v in env.items() if v}


def _run(cmd: list[str], env: dict) -> None:
    import os

    result = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {result.stderr.strip()}")


def dump(path: Path, alias: str = "default") -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)], libpq_env(alias))


def restore(path: Path, database: str, alias: str = "default") -> None:
    """Restore ``path`` into ``database`` (dropped and created again: it must be a scratch one)."""
    env = libpq_env(alias)
    if database == env["PGDATABASE"]:
        raise BackupError("The drill never restores over the live database.")
    _run(["dropdb", "--if-exists", "--force", database], env)
    _run(["createdb", database], env)
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", database, str(path)], env)


# What must come back identical: published stories and every fact block.
def _queries() -> dict:
    published = Explainer.objects.published()
    ids = published.values("pk")
    return {
        "published explainers": published.order_by("pk").values_list(),
        "their topics": Explainer.topics.through.objects.filter(explainer_id__in=ids)
        .order_by("pk")
        .values_list(),
        "their sections": Section.objects.filter(explainer_id__in=ids).order_by("pk").values_list(),
        "their placed blocks": SectionBlock.objects.filter(section__explainer_id__in=ids)
        .order_by("pk")
        .values_list(),
        "people": Person.objects.order_by("pk").values_list(),
        "sources": Source.objects.order_by("pk").values_list(),
        "quotes": Quote.objects.order_by("pk").values_list(),
        "statistics": Statistic.objects.order_by("pk").values_list(),
        "statistic values": StatisticValue.objects.order_by("pk").values_list(),
        "claims": Claim.objects.order_by("pk").values_list(),
        "claim sources": Claim.sources.through.objects.order_by("pk").values_list(),
    }


def _snapshots(cursor) -> dict[str, list]:
    """The same SQL on either database (Django's for the live one, psycopg's for the scratch)."""
    snapshots = {}
    for name, queryset in _queries().items():
        sql, params = queryset.query.sql_with_params()
        cursor.execute(sql, params)
        snapshots[name] = [tuple(row) for row in cursor.fetchall()]
    return snapshots


@dataclass
class DrillReport:
    counts: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    dump_bytes: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.differences


def drill(scratch: str | None = None, keep: bool = False) -> DrillReport:
    """Dump, restore into a scratch database, compare, drop the scratch database."""
    started = time.monotonic()
    live = connections["default"].settings_dict
    scratch = scratch or f"{live['NAME']}_restore_drill"
    report = DrillReport()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drill.dump"
        dump(path)
        report.dump_bytes = path.stat().st_size
        restore(path, scratch)
    try:
        with connections["default"].cursor() as cursor:
            original = _snapshots(cursor)
        import psycopg

        env = libpq_env()
        params = {
            "dbname": scratch,
            "user": env.get("PGUSER"),
            "host": env.get("PGHOST"),
            "port": env.get("PGPORT"),
            "password": env.get("PGPASSWORD"),
        }
        with psycopg.connect(**{k: v for k, v in params.items() if v}) as scratch_db:
            with scratch_db.cursor() as cursor:
                restored = _snapshots(cursor)
    finally:
        if not keep:
            _run(["dropdb", "--if-exists", "--force", scratch], libpq_env())
    for name, rows in original.items():
        report.counts[name] = len(rows)
        if rows != restored[name]:
            missing = len(set(rows) - set(restored[name]))
            report.differences.append(
                f"{name}: {missing} of {len(rows)} rows differ or are missing"
            )
    report.seconds = time.monotonic() - started
    return report
