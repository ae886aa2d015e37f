from django.db import migrations


def sync(apps, schema_editor):
    from newsroom.roles import sync_roles

    # Not strict: roles.py now also names models later migrations create (0011 syncs strictly).
    sync_roles(apps, strict=False)


class Migration(migrations.Migration):
    """Editors issue and revoke partner keys; the roles are synced with newsroom/roles.py."""

    dependencies = [("newsroom", "0004_search_indexes")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
