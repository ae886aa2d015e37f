from django.db import migrations


def sync(apps, schema_editor):
    from newsroom.roles import sync_roles

    sync_roles(apps, strict=True)


class Migration(migrations.Migration):
    """Editors manage the page-furniture patterns an import drops."""

    dependencies = [
        ("newsroom", "0014_webhooks"),
        ("explainers", "0015_default_furniture_patterns"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
