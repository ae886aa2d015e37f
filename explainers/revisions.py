"""Comparing two revisions of a story as editors read it.

Each field and section is shown as readers see its text: Markdown reduced to its words,
paragraphs kept, list items as "•" lines, and every fact token replaced by a label such as
"[Statistic: Small-boat crossings]". The two revisions stand side by side, the older on the
left, with the words removed marked ``<del>`` in the older column and the words added marked
``<ins>`` in the newer one; a word is never cut. Fields carry the labels of the story's form.

Sections are matched by identity, not by place: the same heading, else the most similar text.
A section the editor moved is reported as a move, not as one removed and another added.

Everything an editor typed is escaped here (``format_html``); the labels of facts and the names
of authors, topics and media are fetched with one query per model, however many sections and
tokens the revisions have.
"""

import datetime
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from claims.models import Quote, Statistic

from .blocks import MARK_CLOSE, MARK_OPEN, TARGETS, TOKEN, markdown
from .models import Author, Explainer, Media, Revision, Topic

# The story's fields in the order its form shows them (``ExplainerAdmin.fieldsets``).
FIELDS = [
    "title", "slug", "kind", "standfirst", "authors", "topics", "hero", "figures",
    "original_publisher", "original_url", "original_published_on", "licence",
    "seo_title", "seo_description",
]  # fmt: skip
TOKEN_KINDS = {
    "quote": "Quote",
    "said": "Quoted",
    "statistic": "Statistic",
    "value": "Figure",
    "claim": "Claim",
    "media": "Media",
}
SIMILAR = 0.5  # how alike two sections' words must be to count as one section rewritten
PLACEHOLDER = re.compile(f"{MARK_OPEN}(\\d+){MARK_CLOSE}")
# A word: a run of anything but whitespace, a token's placeholder counting as one character.
WORD = re.compile(f"(?:{MARK_OPEN}\\d+{MARK_CLOSE}|[^\\s{MARK_OPEN}{MARK_CLOSE}])+")


def label(name: str) -> str:
    """A field's label as the story's form shows it: "SEO title", "Headline"."""
    return capfirst(Explainer._meta.get_field(name).verbose_name)


# --- Reader-visible text -----------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    kind: str  # text, heading, item, quote, code, block (a fact card), name (an author…)
    words: tuple[str, ...]


class Names:
    """What the revisions' slugs stand for, fetched in bulk: one query per model."""

    def __init__(self, *contents: dict):
        wanted: dict[type, set[str]] = defaultdict(set)
        for content in contents:
            wanted[Author].update(content.get("authors") or [])
            wanted[Topic].update(content.get("topics") or [])
            if content.get("hero"):
                wanted[Media].add(content["hero"])
            for section in content.get("sections") or []:
                for match in TOKEN.finditer(section.get("body") or ""):
                    model = TARGETS.get(match.group(1).lower())
                    if model is not None and match.group(2):
                        wanted[model].add(match.group(2))
        self.found: dict[type, dict[str, object]] = {}
        for model, slugs in wanted.items():
            if not slugs:
                continue
            queryset = model.objects.filter(slug__in=slugs)
            if model is Quote:
                queryset = queryset.select_related("speaker")
            self.found[model] = {obj.slug: obj for obj in queryset}

    def get(self, model, slug: str):
        return self.found.get(model, {}).get(slug)

    def name(self, model, slug: str) -> str:
        obj = self.get(model, slug)
        return str(obj) if obj is not None else slug

    def token(self, match: re.Match) -> str:
        """A token as a label: "[Statistic: Small-boat crossings, as of 11 Aug 2025]"; the slug
        stands in for a fact that no longer exists. A token of no known kind stays as typed."""
        kind, slug, pinned = match.group(1).lower(), match.group(2), match.group(3)
        model = TARGETS.get(kind)
        if model is None or not slug:
            return match.group(0)
        obj = self.get(model, slug)
        if obj is None:
            text = f"{TOKEN_KINDS[kind]}: {slug}"
        elif model is Media:
            text = str(obj)  # "Image: Leaders at the summit."
        elif model is Quote:
            words = obj.text if len(obj.text) <= 80 else obj.text[:77] + "…"
            said = f"{obj.speaker}, “{words}”" if obj.speaker_id else f"“{words}”"
            text = f"{TOKEN_KINDS[kind]}: {said}"
        elif model is Statistic:
            text = f"{TOKEN_KINDS[kind]}: {obj.label}"
        else:
            text = f"{TOKEN_KINDS[kind]}: {obj}"
        if pinned is not None:
            try:
                text += f", as of {formats.date_format(datetime.date.fromisoformat(pinned))}"
            except ValueError:
                text += f" @{pinned}"
        return f"[{text}]"


def plain(value: str, kind: str = "text") -> list[Paragraph]:
    """A plain field's text, one paragraph per block of lines."""
    return [
        Paragraph(kind, tuple(chunk.split()))
        for chunk in re.split(r"\n\s*\n", str(value or ""))
        if chunk.strip()
    ]


def readable(body: str, names: Names) -> list[Paragraph]:
    """A section body as readers see its words: Markdown syntax gone, links as their text,
    list items as "•" lines, fact tokens as labels, paragraphs kept."""
    text = (body or "").replace("\r\n", "\n")
    for private in (MARK_OPEN, MARK_CLOSE):
        text = text.replace(private, "")
    labels: list[str] = []

    def placeholder(match: re.Match) -> str:
        labels.append(names.token(match))
        return f"{MARK_OPEN}{len(labels) - 1}{MARK_CLOSE}"

    lines = []
    for line in text.split("\n"):
        if TOKEN.fullmatch(line.strip()):  # a card stands on its own, as on the page
            lines.append(f"\n\n{placeholder(TOKEN.fullmatch(line.strip()))}\n\n")
        else:
            lines.append(TOKEN.sub(placeholder, line))

    paragraphs: list[Paragraph] = []

    def add(kind: str, text: str, prefix: str = "") -> None:
        words = [
            PLACEHOLDER.sub(lambda m: labels[int(m.group(1))], word) for word in WORD.findall(text)
        ]
        if not words:
            return
        if kind == "text" and PLACEHOLDER.fullmatch(text.strip()):
            kind = "block"
        paragraphs.append(Paragraph(kind, tuple([prefix, *words] if prefix else words)))

    lists: list[int | None] = []  # each open list: the next number, or None for bullets
    prefix, in_heading, quoted = "", False, 0
    for item in markdown.parse("\n".join(lines)):
        if item.type == "bullet_list_open":
            lists.append(None)
        elif item.type == "ordered_list_open":
            lists.append(int(item.attrGet("start") or 1))
        elif item.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif item.type == "list_item_open":
            prefix = "•" if lists[-1] is None else f"{lists[-1]}."
            if lists[-1] is not None:
                lists[-1] += 1
        elif item.type in ("heading_open", "heading_close"):
            in_heading = item.type == "heading_open"
        elif item.type in ("blockquote_open", "blockquote_close"):
            quoted += 1 if item.type == "blockquote_open" else -1
        elif item.type in ("fence", "code_block"):
            for line in item.content.splitlines():
                add("code", line)
        elif item.type == "inline":
            kind = "heading" if in_heading else "item" if lists else "quote" if quoted else "text"
            add(kind, _inline_text(item.children or []), prefix)
            prefix = ""
    return paragraphs


def _inline_text(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
    return "".join(parts)


# --- Word-level differences --------------------------------------------------------------------


def _stream(paragraphs: list[Paragraph]) -> list:
    """Words in reading order, each paragraph opened by a marker naming its kind."""
    items: list = []
    for paragraph in paragraphs:
        items.append(("¶", paragraph.kind))
        items.extend(paragraph.words)
    return items


def _render(items: list, changed: list[bool], tag: str, empty: str) -> SafeString:
    paragraphs: list[tuple[str, list[tuple[str, bool]]]] = []
    for item, is_changed in zip(items, changed, strict=True):
        if isinstance(item, tuple):
            paragraphs.append((item[1], []))
        else:
            paragraphs[-1][1].append((item, is_changed))
    if not paragraphs:
        return format_html('<p class="rc-empty">{}</p>', empty)
    return format_html_join(
        "",
        '<p class="rc-text rc-text--{}">{}</p>',
        ((kind, _marked(words, tag)) for kind, words in paragraphs),
    )


def _marked(words: list[tuple[str, bool]], tag: str) -> SafeString:
    """Runs of changed words inside one ``<del>`` or ``<ins>``, the rest as they are."""
    runs: list[tuple[bool, list[str]]] = []
    for word, is_changed in words:
        if runs and runs[-1][0] == is_changed:
            runs[-1][1].append(word)
        else:
            runs.append((is_changed, [word]))
    pieces = [
        format_html("<{0}>{1}</{0}>", tag, " ".join(run)) if is_changed else " ".join(run)
        for is_changed, run in runs
    ]
    return format_html_join(" ", "{}", ((piece,) for piece in pieces))


def _opcodes(old_items: list, new_items: list) -> list[list]:
    """``SequenceMatcher``'s opcodes, with a word or two that happen to be alike inside a
    rewritten passage ("the", "of") counted as rewritten too: an equality no longer than the
    changes on either side of it is folded into them, so a rewrite reads as one run."""
    matcher = difflib.SequenceMatcher(None, old_items, new_items, autojunk=False)
    ops = [list(op) for op in matcher.get_opcodes()]

    def changes(k: int, step: int) -> int:
        total, k = 0, k + step
        while 0 <= k < len(ops) and ops[k][0] != "equal":
            total += max(ops[k][2] - ops[k][1], ops[k][4] - ops[k][3])
            k += step
        return total

    folded = True
    while folded:
        folded = False
        for k in range(1, len(ops) - 1):
            size = ops[k][2] - ops[k][1]
            if ops[k][0] == "equal" and size <= min(changes(k, -1), changes(k, 1)):
                ops[k][0], folded = "replace", True
    return ops


def compare(
    old: list[Paragraph],
    new: list[Paragraph],
    *,
    old_empty: str = "Empty",
    new_empty: str = "Empty",
) -> tuple[SafeString, SafeString]:
    """The older text with removed words in ``<del>``, the newer with added words in ``<ins>``."""
    old_items, new_items = _stream(old), _stream(new)
    old_changed, new_changed = [False] * len(old_items), [False] * len(new_items)
    for op, i1, i2, j1, j2 in _opcodes(old_items, new_items):
        if op in ("replace", "delete"):
            old_changed[i1:i2] = [True] * (i2 - i1)
        if op in ("replace", "insert"):
            new_changed[j1:j2] = [True] * (j2 - j1)
    return (
        _render(old_items, old_changed, "del", old_empty),
        _render(new_items, new_changed, "ins", new_empty),
    )


# --- The comparison ----------------------------------------------------------------------------


@dataclass
class Row:
    label: str  # "SEO title", "Section 4"
    changed: bool
    old: SafeString = field(default_factory=SafeString)
    new: SafeString = field(default_factory=SafeString)
    heading: str = ""  # a section's heading, named in the list of unchanged sections
    status: str = "same"  # same, changed, moved, added, removed
    notes: list[str] = field(default_factory=list)  # "Moved from section 2 to section 4"
    is_section: bool = False


@dataclass
class Comparison:
    older: Revision
    newer: Revision
    rows: list[Row]

    @property
    def changed_rows(self) -> list[Row]:
        return [row for row in self.rows if row.changed]

    @property
    def unchanged_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.changed]

    @property
    def unchanged_summary(self) -> str:
        """ "11 fields and 2 sections unchanged" """
        same = self.unchanged_rows
        sections = sum(row.is_section for row in same)
        fields = len(same) - sections
        parts = [f"{fields} field{'s' if fields != 1 else ''}"] if fields else []
        if sections:
            parts.append(f"{sections} section{'s' if sections != 1 else ''}")
        return f"{' and '.join(parts)} unchanged" if parts else ""

    @property
    def older_heading(self) -> str:
        return describe(self.older)

    @property
    def newer_heading(self) -> str:
        return describe(self.newer)


def describe(revision: Revision) -> str:
    """ "Revision 3 · Edited · 12 Nov 2026 14:02 · Edna Editor" """
    who = revision.created_by
    by = (who.get_full_name() or who.get_username()) if who else "the system"
    when = formats.date_format(timezone.localtime(revision.created_at), "j M Y H:i")
    return f"Revision {revision.number} · {revision.get_action_display()} · {when} · {by}"


def revision_diff(a: Revision, b: Revision) -> Comparison:
    """The two revisions side by side, the older on the left, fields first, then sections in
    the newer revision's order with removed ones where they stood."""
    older, newer = sorted((a, b), key=lambda revision: revision.number)
    before, after = older.content, newer.content
    names = Names(before, after)
    rows = [_field_row(name, before, after, names) for name in FIELDS]
    rows += _section_rows(
        before.get("sections") or [], after.get("sections") or [], names, older, newer
    )
    return Comparison(older=older, newer=newer, rows=rows)


def _field_value(name: str, content: dict, names: Names) -> list[Paragraph]:
    value = content.get(name)
    if name in ("authors", "topics"):
        model = Author if name == "authors" else Topic
        return [Paragraph("name", (names.name(model, slug),)) for slug in value or []]
    if name == "hero":
        return [Paragraph("name", (names.name(Media, value),))] if value else []
    if name == "original_published_on" and value:
        try:
            return plain(formats.date_format(datetime.date.fromisoformat(value), "j F Y"))
        except ValueError:
            return plain(value)
    choices = Explainer._meta.get_field(name).flatchoices
    if choices and value is not None:
        return plain(dict(choices).get(value, value))
    return plain(value)


def _field_row(name: str, before: dict, after: dict, names: Names) -> Row:
    old, new = _field_value(name, before, names), _field_value(name, after, names)
    row = Row(label=label(name), changed=old != new)
    if not row.changed and before.get(name) != after.get(name):
        row.changed, row.notes = True, ["Only spacing changed; the words are the same."]
    if row.changed:
        row.status = "changed"
        row.old, row.new = compare(old, new)
    return row


def _section_text(section: dict, names: Names) -> list[Paragraph]:
    heading = plain(section.get("heading") or "", "section-heading")
    return heading + readable(section.get("body") or "", names)


def _similarity(a: dict, b: dict) -> float:
    old = f"{a.get('heading', '')} {a.get('body', '')}".split()
    new = f"{b.get('heading', '')} {b.get('body', '')}".split()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


def match_sections(old: list[dict], new: list[dict]) -> dict[int, int]:
    """{new index: old index} for the sections that are the same section in both: the same
    heading first, then the most similar text (at least ``SIMILAR`` alike); a headingless
    section left over where a headingless section stood is that section rewritten."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for j, section in enumerate(new):
        heading = (section.get("heading") or "").strip()
        if not heading:
            continue
        for i, candidate in enumerate(old):
            if i not in taken and (candidate.get("heading") or "").strip() == heading:
                pairs[j] = i
                taken.add(i)
                break
    scored = sorted(
        (-score, abs(i - j), j, i)
        for j in range(len(new))
        if j not in pairs
        for i in range(len(old))
        if i not in taken and (score := _similarity(old[i], new[j])) >= SIMILAR
    )
    for _, _, j, i in scored:
        if j not in pairs and i not in taken:
            pairs[j] = i
            taken.add(i)
    for j, section in enumerate(new):
        if (
            j not in pairs
            and j < len(old)
            and j not in taken
            and not (section.get("heading") or "").strip()
            and not (old[j].get("heading") or "").strip()
        ):
            pairs[j] = j
            taken.add(j)
    return pairs


def _in_order(sequence: list[int], untouched: set[int] = frozenset()) -> set[int]:
    """The longest increasing run of ``sequence`` (as values): the sections that kept their
    order; the rest moved. Of runs as long, the one keeping most ``untouched`` sections in
    place wins: when two sections swap, the one whose words changed is the one moved."""

    def score(chain: list[int]) -> tuple[int, int]:
        return len(chain), sum(value in untouched for value in chain)

    best: list[list[int]] = []
    for value in sequence:
        longest = max((chain for chain in best if chain[-1] < value), key=score, default=[])
        best.append([*longest, value])
    return set(max(best, key=score, default=[]))


def _section_rows(
    old: list[dict], new: list[dict], names: Names, older: Revision, newer: Revision
) -> list[Row]:
    pairs = match_sections(old, new)
    kept = _in_order(
        [pairs[j] for j in sorted(pairs)], {i for j, i in pairs.items() if old[i] == new[j]}
    )
    placed: list[tuple[tuple, Row]] = []
    absent_old, absent_new = (
        f"Not in revision {older.number}",
        f"Not in revision {newer.number}",
    )
    for j, section in enumerate(new):
        row = Row(
            label=f"Section {j + 1}",
            changed=False,
            heading=(section.get("heading") or "").strip(),
            is_section=True,
        )
        new_text = _section_text(section, names)
        if j in pairs:
            i = pairs[j]
            old_text = _section_text(old[i], names)
            if i not in kept:
                row.status = "moved"
                row.notes.append(f"Moved from section {i + 1} to section {j + 1}")
            elif old_text != new_text:
                row.status = "changed"
            elif old[i] != section:
                row.status = "changed"
                row.notes.append("Only formatting changed; the words are the same.")
            row.changed = row.status != "same"
            if row.changed:
                row.old, row.new = compare(old_text, new_text)
        else:
            row.status, row.changed = "added", True
            row.notes.append("Added")
            row.old, row.new = compare([], new_text, old_empty=absent_old)
        placed.append(((j, 0, 0), row))
    where = {i: j for j, i in pairs.items()}
    for i, section in enumerate(old):
        if i in where:
            continue
        # After the nearest earlier section still in its place, as it stood in the older text.
        before = [k for k in range(i) if k in where and k in kept] or [
            k for k in range(i) if k in where
        ]
        after = where[before[-1]] if before else -1
        row = Row(
            label=f"Removed section (was section {i + 1})",
            changed=True,
            heading=(section.get("heading") or "").strip(),
            status="removed",
            notes=["Removed"],
            is_section=True,
        )
        row.old, row.new = compare(_section_text(section, names), [], new_empty=absent_new)
        placed.append(((after, 1, i), row))
    return [row for _, row in sorted(placed, key=lambda pair: pair[0])]
