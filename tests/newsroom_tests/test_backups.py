"""The restore drill: pg_dump, pg_restore into a scratch database, compare (PostgreSQL only)."""

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tests.factories import add_section

pytestmark = [
    pytest.mark.django_db(transaction=True),  # pg_dump sees only committed rows
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump"),
]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump/pg_restore: PostgreSQL only")


def test_drill_restores_every_published_story_and_fact_block(capsys, statistic, quote):
    story = factories.ExplainerFactory(published=True, slug="small-boats")
    add_section(story, body=f"[[statistic:{statistic.slug}]]\n\n[[quote:{quote.slug}]]")
    factories.ExplainerFactory(slug="still-a-draft")
    call_command("backup_drill")
    out = capsys.readouterr().out
    assert "Restore drill passed" in out
    assert "identical 1 published explainers" in out
    assert "1 statistics" in out and "1 quotes" in out


def test_drill_reports_a_difference(monkeypatch):
    factories.ExplainerFactory(published=True, slug="small-boats")
    from newsroom import backups

    real = backups._snapshots

    calls = []

    def tampered(cursor):
        rows = real(cursor)
        calls.append(cursor)
        if len(calls) == 2:  # the restored copy
            rows["published explainers"] = []
        return rows

    monkeypatch.setattr(backups, "_snapshots", tampered)
    with pytest.raises(CommandError, match="published explainers: 1 of 1 rows"):
        call_command("backup_drill")
