from django.db import migrations


def sync(apps, schema_editor):
    from newsroom.roles import sync_roles

    sync_roles(apps, strict=True)


class Migration(migrations.Migration):
    """Roles reach the models provenance added: every role reads authors and verdict
    histories, Editors add and change authors, Fact-checkers keep people's dated roles."""

    dependencies = [
        ("newsroom", "0010_add_autosave_and_presence"),
        ("claims", "0007_remove_statistic_qualifier_and_value_period"),
        ("explainers", "0009_add_news_kind"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
