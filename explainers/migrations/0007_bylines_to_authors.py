"""Bylines become authors chosen from a list. Each distinct byline becomes one author: an
organisation when it is a publisher we cite (Sky News), a person otherwise. Nothing is lost:
the byline's text is the author's name."""

from django.db import migrations
from django.utils.text import slugify


def forwards(apps, schema_editor):
    Explainer = apps.get_model("explainers", "Explainer")
    Author = apps.get_model("explainers", "Author")
    Source = apps.get_model("claims", "Source")
    publishers = {name.lower() for name in Source.objects.values_list("publisher", flat=True)}
    authors = {}
    for explainer in Explainer.objects.exclude(byline=""):
        name = explainer.byline.strip()
        if name not in authors:
            base = slugify(name)[:190] or "author"
            slug, n = base, 1
            while Author.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            kind = "organisation" if name.lower() in publishers else "person"
            authors[name] = Author.objects.create(name=name, slug=slug, kind=kind)
        explainer.authors.add(authors[name])


def backwards(apps, schema_editor):
    Explainer = apps.get_model("explainers", "Explainer")
    for explainer in Explainer.objects.all():
        names = [author.name for author in explainer.authors.all()]
        if names:
            explainer.byline = " and ".join(names)[:200]
            explainer.save(update_fields=["byline"])


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0006_add_authors_syndication_and_fact_notes"),
        ("claims", "0007_remove_statistic_qualifier_and_value_period"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
