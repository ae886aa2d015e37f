"""The page furniture an import drops from the start: the lines news sites put between
paragraphs. Editors change the list in the admin ("Page furniture patterns")."""

from django.db import migrations

# (kind, pattern, note). A regular expression must match the whole line, and stops at a full
# stop, so a sentence that happens to begin the same way is kept.
DEFAULT_PATTERNS = [
    ("starts_with", "Please use Chrome browser", "The video player's notice under a video"),
    ("regex", "More from [^.!?:]{1,40}", "A link to the section's other stories (More from Politics)"),
    ("starts_with", "Read more:", "Links to other stories"),
    ("exact", "Read more", "Links to other stories"),
    ("regex", "Share (?:this|on|via|the)[^.!?]{0,60}", "Share prompts (Share this article)"),
    ("exact", "Share", "Share button"),
    ("regex", "Follow [^.!?]{1,60} on [^.!?]{1,40}", "Follow prompts (Follow Sky News on WhatsApp)"),
    ("starts_with", "Click to subscribe", "Podcast and newsletter prompts"),
    ("regex", "Subscribe to [^.!?]{1,80}", "Podcast and newsletter prompts"),
    ("regex", "Sign up (?:to|for) [^.!?]{1,80}", "Newsletter prompts"),
    ("regex", "Download the [^.!?]{1,40} app[^.!?]{0,40}", "App prompts"),
    ("exact", "Advertisement", "Where an advert was"),
    ("exact", "Copy link", "Share button"),
    ("starts_with", "Related Topics", "Topic links under a story"),
]


def add_defaults(apps, schema_editor):
    FurniturePattern = apps.get_model("explainers", "FurniturePattern")
    for kind, pattern, note in DEFAULT_PATTERNS:
        FurniturePattern.objects.get_or_create(kind=kind, pattern=pattern, defaults={"note": note})


def remove_defaults(apps, schema_editor):
    FurniturePattern = apps.get_model("explainers", "FurniturePattern")
    for kind, pattern, _ in DEFAULT_PATTERNS:
        FurniturePattern.objects.filter(kind=kind, pattern=pattern).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0014_furniture_patterns"),
    ]

    operations = [
        migrations.RunPython(add_defaults, remove_defaults),
    ]
