"""Comparing two revisions of a story, field by field and section by section."""

import difflib

from django.utils.safestring import mark_safe

from .models import Explainer, Revision
from .publishing import SCALAR_FIELDS


def revision_diff(a: Revision, b: Revision) -> list[dict]:
    """Side-by-side differences, field by field and section by section."""
    differ = difflib.HtmlDiff(wrapcolumn=60)
    rows = []

    def add(label, old, new):
        old_lines, new_lines = str(old or "").splitlines(), str(new or "").splitlines()
        rows.append(
            {
                "label": label,
                "changed": old_lines != new_lines,
                "table": mark_safe(  # HtmlDiff escapes the text it is given
                    differ.make_table(
                        old_lines, new_lines, f"Revision {a.number}", f"Revision {b.number}"
                    )
                ),
            }
        )

    for name in SCALAR_FIELDS + ["hero", "topics"]:
        old, new = a.content.get(name), b.content.get(name)
        if isinstance(old, list) or isinstance(new, list):
            old, new = ", ".join(old or []), ", ".join(new or [])
        add(
            Explainer._meta.get_field(name).verbose_name.capitalize()
            if name != "topics"
            else "Topics",
            old,
            new,
        )
    old_sections, new_sections = a.content.get("sections", []), b.content.get("sections", [])
    for index in range(max(len(old_sections), len(new_sections))):
        old = old_sections[index] if index < len(old_sections) else {"heading": "", "body": ""}
        new = new_sections[index] if index < len(new_sections) else {"heading": "", "body": ""}
        add(
            f"Section {index + 1}",
            f"## {old['heading']}\n\n{old['body']}" if old["heading"] else old["body"],
            f"## {new['heading']}\n\n{new['body']}" if new["heading"] else new["body"],
        )
    return rows
