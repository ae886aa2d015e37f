from django.db import migrations

SCALE = [
    ("true", "True", "supported", "The claim is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", "supported", "The claim is accurate but needs context or a small correction."),
    ("misleading", "Misleading", "mixed", "The claim contains some truth but leaves a false impression."),
    ("false", "False", "unsupported", "The evidence contradicts the claim."),
    ("unproven", "Unproven", "unproven", "There is not yet enough evidence to say whether the claim is true."),
]


def add_scale(apps, schema_editor):
    Rating = apps.get_model("claims", "Rating")
    for position, (slug, name, verdict, description) in enumerate(SCALE):
        Rating.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "verdict": verdict, "position": position, "description": description},
        )


def remove_unused_scale(apps, schema_editor):
    Rating = apps.get_model("claims", "Rating")
    Rating.objects.filter(slug__in=[row[0] for row in SCALE], claims__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(add_scale, remove_unused_scale)]
