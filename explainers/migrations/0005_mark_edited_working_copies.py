"""Working copies saved since they were made hold unpublished changes: say so in has_changes.

Until now a copy was made when a live story was opened and deleted when it was published or
discarded, so a copy that had been saved (version above 1) was the only sign of changes."""

from django.db import migrations


def mark(apps, schema_editor):
    Explainer = apps.get_model("explainers", "Explainer")
    Explainer.objects.filter(draft_of__isnull=False, version__gt=1).update(has_changes=True)


class Migration(migrations.Migration):
    dependencies = [("explainers", "0004_add_versions_and_working_copy_changes")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
