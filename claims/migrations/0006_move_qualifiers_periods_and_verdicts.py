"""Provenance moves to where it belongs, keeping every existing value:

- a statistic's qualifier ("about", "more than") becomes each of its values' own qualifier;
- a value's free-text period ("since 4 July 2024") goes into its note, as nobody can turn every
  such text into dates without guessing (editors set the new start and end dates);
- each claim's current verdict becomes the first entry of its verdict history;
- each person's role becomes a role with no dates (a quote shows it only when picked by hand).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Statistic = apps.get_model("claims", "Statistic")
    StatisticValue = apps.get_model("claims", "StatisticValue")
    Claim = apps.get_model("claims", "Claim")
    ClaimRating = apps.get_model("claims", "ClaimRating")
    Person = apps.get_model("claims", "Person")
    PersonRole = apps.get_model("claims", "PersonRole")

    for statistic in Statistic.objects.exclude(qualifier=""):
        StatisticValue.objects.filter(statistic=statistic, qualifier="").update(
            qualifier=statistic.qualifier
        )
    for value in StatisticValue.objects.exclude(period=""):
        period = f"Period: {value.period}"
        value.note = f"{value.note} · {period}"[:300] if value.note else period[:300]
        value.save(update_fields=["note"])
    ClaimRating.objects.bulk_create(
        ClaimRating(
            claim=claim,
            rating_id=claim.rating_id,
            explanation=claim.explanation,
            verdict_by=claim.verdict_by,
            rated_at=claim.updated_at,
        )
        for claim in Claim.objects.all()
    )
    PersonRole.objects.bulk_create(
        PersonRole(person=person, title=person.role, organisation=person.affiliation)
        for person in Person.objects.exclude(role="")
    )


def backwards(apps, schema_editor):
    Statistic = apps.get_model("claims", "Statistic")
    StatisticValue = apps.get_model("claims", "StatisticValue")
    for statistic in Statistic.objects.all():
        first = StatisticValue.objects.filter(statistic=statistic).exclude(qualifier="").first()
        if first is not None:
            statistic.qualifier = first.qualifier
            statistic.save(update_fields=["qualifier"])


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_add_provenance")]

    operations = [migrations.RunPython(forwards, backwards)]
