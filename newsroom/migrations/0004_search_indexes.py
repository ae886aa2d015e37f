"""GIN indexes for reader search, on PostgreSQL only (SQLite searches without them).

The indexed expressions are the ones newsroom/search.py queries with, frozen here: the planner
uses an expression index only when the query's expression is the same. Built concurrently so a
large archive stays readable while the index is made.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"

INDEXES = {
    ("explainers", "Explainer"): GinIndex(
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("standfirst", weight="B", config=CONFIG),
        name="explainer_search_idx",
    ),
    ("explainers", "Section"): GinIndex(
        SearchVector("heading", weight="B", config=CONFIG)
        + SearchVector("body", weight="C", config=CONFIG),
        name="section_search_idx",
    ),
    ("claims", "Quote"): GinIndex(SearchVector("text", config=CONFIG), name="quote_search_idx"),
    ("claims", "Statistic"): GinIndex(
        SearchVector("label", weight="A", config=CONFIG)
        + SearchVector("methodology", weight="C", config=CONFIG),
        name="statistic_search_idx",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for (app_label, model_name), index in INDEXES.items():
        model = apps.get_model(app_label, model_name)
        sql = str(index.create_sql(model, schema_editor, concurrently=True))
        schema_editor.execute(sql.replace("CREATE INDEX CONCURRENTLY", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1))


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES.values():
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("newsroom", "0003_add_partner_key"),
        ("explainers", "0002_add_workflow"),
        ("claims", "0003_add_review_and_versioning"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
