from django.db import migrations


def create_roles(apps, schema_editor):
    from newsroom.roles import sync_roles

    # Partner keys arrive in a later migration, which syncs the roles again strictly.
    sync_roles(apps, strict=False)


def remove_roles(apps, schema_editor):
    from newsroom.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_audit_trail"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("explainers", "0002_add_workflow"),
        ("claims", "0003_add_review_and_versioning"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
