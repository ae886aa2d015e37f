"""Fill each fact block's new ``public_from`` from the usage rows: the earliest publication time
of the published or scheduled stories (not working copies) placing it. From here on the
database keeps it (``explainers/public_from.py``, installed after ``migrate``)."""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery

PUBLISHED = "published"


def fill(apps, schema_editor):
    SectionBlock = apps.get_model("explainers", "SectionBlock")
    for kind in ("quote", "statistic", "claim"):
        model = apps.get_model("claims", kind)
        first = (
            SectionBlock.objects.filter(
                **{kind: OuterRef("pk")},
                section__explainer__status=PUBLISHED,
                section__explainer__draft_of__isnull=True,
            )
            .order_by()
            .values(kind)
            .annotate(first=Min("section__explainer__published_at"))
            .values("first")
        )
        model.objects.update(public_from=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_fact_blocks_public_from"),
        ("explainers", "0011_renderings"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
