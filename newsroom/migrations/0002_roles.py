from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from newsroom.roles import ROLES

    # Custom permissions are normally created after migrate; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codenames in grants.items():
            found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            missing = set(codenames) - set(found.values_list("codename", flat=True))
            if missing:
                raise RuntimeError(f"Role {name}: no such permission {sorted(missing)} in {app_label}")
            wanted.extend(found)
        group.permissions.set(wanted)


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
