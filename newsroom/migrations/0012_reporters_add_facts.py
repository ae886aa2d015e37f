from django.db import migrations


def sync(apps, schema_editor):
    from newsroom.roles import sync_roles

    sync_roles(apps, strict=True)


class Migration(migrations.Migration):
    """Writers and Editors add the quotes, figures, people and sources they report, from the
    block picker; only Fact-checkers change, check or rate them."""

    dependencies = [("newsroom", "0011_roles_for_provenance_models")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
