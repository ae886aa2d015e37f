"""The editorial workflow: one function per verb, used by the admin, commands and scripts alike.

Each verb checks the actor's permission (``by=None`` is the system: seeds and cron), changes state
in one transaction, stores a revision where content changed, writes the audit trail, and has the
cached pages that show what changed refreshed when the transaction commits
(``pagecache.changing``; ``explainers/caching.py`` says which pages those are).

A published story is never edited in place. Editing it creates a *working copy* (an Explainer row
with ``draft_of`` set, never visible to readers); publishing copies the working copy's content
onto the story and deletes the copy, so readers see nothing until then.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from claims.models import Statistic, StatisticValue
from newsroom.core import audit, events, pagecache
from newsroom.core.models import AuditEntry
from newsroom.core.versioning import bump_version, expect_version
from newsroom.core.workflow import require as _require

from .blocks import compile_body
from .models import Author, Correction, Explainer, Media, Revision, Section, Topic

SCALAR_FIELDS = [
    "title", "slug", "kind", "standfirst", "figures", "seo_title", "seo_description",
    "original_publisher", "original_url", "original_published_on", "licence",
]  # fmt: skip


# --- Content snapshots -------------------------------------------------------------------------


def snapshot(explainer: Explainer) -> dict:
    """Everything a revision needs to show a diff and to restore the content."""
    return {
        **{name: _json(getattr(explainer, name)) for name in SCALAR_FIELDS},
        "authors": [author.slug for author in explainer.authors.order_by("name")],
        "hero": explainer.hero.slug if explainer.hero_id else None,
        "topics": sorted(explainer.topics.values_list("slug", flat=True)),
        "sections": [
            {"heading": section.heading, "body": section.body}
            for section in explainer.sections.order_by("position")
        ],
    }


def _json(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def record_revision(explainer: Explainer, *, action: str, by, note: str = "") -> Revision:
    story = explainer.story
    number = (story.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
    return Revision.objects.create(
        explainer=story,
        number=number,
        action=action,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        content=snapshot(explainer),
        note=note,
    )


def copy_content(source: Explainer, target: Explainer) -> None:
    """Make ``target`` hold exactly ``source``'s content: fields, topics, sections and blocks."""
    for name in [*SCALAR_FIELDS, "hero_id"]:
        setattr(target, name, getattr(source, name))
    target.save()
    target.topics.set(source.topics.all())
    target.authors.set(source.authors.all())
    sections = source.sections.order_by("position").prefetch_related("blocks")
    write_sections(target, [SectionText.copy_of(section) for section in sections])


# --- Writing sections and their usage rows -------------------------------------------------------

BLOCK_FIELDS = ["kind", "quote_id", "statistic_id", "claim_id", "media_id", "pinned_value_id"]


@dataclass
class SectionText:
    """A section as it should be stored: its text, compiled HTML and placed blocks."""

    heading: str
    body: str
    html: str
    placed: list = field(default_factory=list)  # (position, SectionBlock field values)
    pk: int | None = None  # the row it is, when the caller knows (the admin's forms)

    @classmethod
    def compile(cls, heading: str, body: str, *, pk=None, compiled=None) -> "SectionText":
        """Checks every token: raises ValidationError naming each bad one."""
        compiled = compiled or compile_body(body)
        return cls(heading=heading, body=body, html=compiled.html, placed=compiled.blocks, pk=pk)

    @classmethod
    def copy_of(cls, section: Section) -> "SectionText":
        """The section as it is, blocks included, without compiling it again."""
        placed = [
            (block.position, {name: getattr(block, name) for name in BLOCK_FIELDS})
            for block in section.blocks.all()
        ]
        return cls(section.heading, section.body, section.body_html, placed)


@dataclass
class SectionsWritten:
    rows: list[Section]
    created: int = 0
    updated: int = 0  # text, order or placed blocks
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def write_sections(explainer: Explainer, sections: list[SectionText]) -> SectionsWritten:
    """Make ``explainer``'s sections exactly ``sections``, in that order, and each one's usage
    rows match the blocks it places. The one place section rows are written (the admin,
    publishing, restoring, the story loader).

    Rows are kept by ``pk`` where the caller gives one and otherwise by position, and updated
    only where they differ, so writing the same text twice writes nothing; rows not kept are
    deleted. Positions are unique per story, so when the order changes the kept rows are first
    moved out of the way and then numbered 1..n: this works on every database without
    deferrable constraints.
    """
    existing = list(explainer.sections.order_by("position"))
    by_pk = {row.pk: row for row in existing}
    by_position = {row.position: row for row in existing}
    by_caller = any(text.pk for text in sections)
    pairs = []
    for position, text in enumerate(sections, start=1):
        row = by_pk.get(text.pk) if by_caller else by_position.get(position)
        pairs.append((position, row, text))
    kept = {row.pk for _, row, _ in pairs if row is not None}
    result = SectionsWritten(rows=[], deleted=len(existing) - len(kept))
    if result.deleted:
        explainer.sections.exclude(pk__in=kept).delete()
    if any(row is not None and row.position != position for position, row, _ in pairs):
        Section.objects.filter(pk__in=kept).update(position=F("position") + 1_000_000)
        for _, row, _ in pairs:
            if row is not None:
                row.position += 1_000_000
    for position, row, text in pairs:
        values = {
            "position": position,
            "heading": text.heading,
            "body": text.body,
            "body_html": text.html,
        }
        if row is None:
            row = Section(explainer=explainer, **values)
            row.clean_fields(exclude=["explainer"])  # a heading too long, say, in words
            row.save()
            result.created += 1
            row.write_blocks(text.placed)
        else:
            changed = [name for name, value in values.items() if getattr(row, name) != value]
            for name in changed:
                setattr(row, name, values[name])
            if changed:
                row.clean_fields(exclude=["explainer"])
                row.save(update_fields=changed)
            if row.write_blocks(text.placed) or changed:
                result.updated += 1
        result.rows.append(row)
    return result


# --- Editing -----------------------------------------------------------------------------------

# A story readers see, or will see at its scheduled time without a further step, is never edited
# in place: its edits go to its *working copy*, an Explainer row with ``draft_of`` set that
# readers never see. A story has at most one, made the first time someone saves changes to it,
# and kept for as long as the story exists: publishing applies it to the story, discarding
# resets it to the story, and both move its version on, so a form opened before either is
# refused (keeping its text) rather than sent to a row that no longer exists.


def is_edited_through_a_copy(story: Explainer) -> bool:
    """Published now or scheduled: an Editor approved this version, so edits wait for one."""
    return not story.is_working_copy and story.status == Explainer.Status.PUBLISHED


def existing_copy(story: Explainer) -> Explainer | None:
    return story if story.is_working_copy else Explainer.objects.filter(draft_of=story).first()


def working_copy(story: Explainer, *, by) -> Explainer:
    """The row an editor's save changes: the story itself while it is a draft, in review or
    archived; otherwise its working copy, made now if it has none (under a lock on the story,
    so that two first saves at once make one copy)."""
    if story.is_working_copy or not is_edited_through_a_copy(story):
        return story
    if (copy := existing_copy(story)) is not None:
        return copy
    with transaction.atomic():
        Explainer.objects.select_for_update().filter(pk=story.pk).values_list("pk").first()
        if (copy := existing_copy(story)) is not None:
            return copy
        try:
            with transaction.atomic():  # a copy made meanwhile by another server wins
                copy = Explainer(
                    draft_of=story,
                    status=Explainer.Status.DRAFT,
                    published_at=story.published_at,
                    version=story.version,  # a form opened on the story is opened on it too
                )
                copy_content(story, copy)
        except IntegrityError:
            return Explainer.objects.get(draft_of=story)
    return copy


def _sync_copy(story: Explainer, *, into_story: bool) -> None:
    """Make the story and its working copy (if any) hold the same content, and move the copy's
    version on: forms opened on it before are refused, keeping what was typed."""
    copy = Explainer.objects.select_for_update().filter(draft_of=story).first()
    if copy is None:
        return
    if into_story:
        copy_content(copy, story)
    else:
        copy_content(story, copy)
    Explainer.objects.filter(pk=copy.pk).update(has_changes=False, version=F("version") + 1)


@transaction.atomic
def record_edit(
    explainer: Explainer, *, by, created: bool = False, before: dict | None = None
) -> Revision:
    """Call after every save of an explainer and its sections (admin, importer). ``before``
    is the ``snapshot`` taken before the save; without it, the last revision stands in."""
    bump_version(explainer)
    if explainer.is_working_copy and not explainer.has_changes:
        Explainer.objects.filter(pk=explainer.pk).update(has_changes=True)
        explainer.has_changes = True
    action = Revision.Action.CREATED if created else Revision.Action.EDITED
    previous = explainer.story.revisions.order_by("-number").first()
    revision = record_revision(explainer, action=action, by=by)
    audit.record(
        actor=by,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.EDITED,
        obj=explainer.story,
        message="Unpublished changes saved" if explainer.is_working_copy else "",
        changes=content_changes(before or previous.content, revision.content)
        if before or previous
        else {},
    )
    return revision


def content_changes(before: dict, after: dict) -> dict:
    """What an edit changed between two revisions' content, for the audit trail: each field
    ``[old, new]``, and each section whose heading or text changed (``section 2``)."""
    changed = {
        name: [before.get(name), after.get(name)]
        for name in [*SCALAR_FIELDS, "authors", "topics", "hero"]
        if before.get(name) != after.get(name) and (name in before or after.get(name))
    }
    old_sections, new_sections = before.get("sections", []), after.get("sections", [])
    for index in range(max(len(old_sections), len(new_sections))):
        old = old_sections[index] if index < len(old_sections) else None
        new = new_sections[index] if index < len(new_sections) else None
        if old != new:
            changed[f"section {index + 1}"] = [_section_text(old), _section_text(new)]
    return changed


def _section_text(section: dict | None) -> str | None:
    if section is None:
        return None
    text = f"{section['heading']}\n\n{section['body']}" if section["heading"] else section["body"]
    return text[:2000]


@transaction.atomic
def discard_working_copy(copy: Explainer, *, by, seen_version=None) -> Explainer:
    """Throw away unpublished changes to a published story: its working copy is reset to what
    readers see (and stays, so the editor's page keeps working)."""
    _require(by, "explainers.change_explainer", "You cannot discard changes to explainers.")
    if not copy.is_working_copy:
        raise ValidationError("Only unpublished changes to a published story can be discarded.")
    expect_version(copy, seen_version)
    story = copy.draft_of
    _sync_copy(story, into_story=False)
    audit.record(actor=by, action=AuditEntry.Action.DISCARDED, obj=story)
    return story


# --- Status changes ----------------------------------------------------------------------------

# Far enough ahead for any embargo, near enough that a mistyped year is caught.
MAX_SCHEDULE_AHEAD = datetime.timedelta(days=3653)


@transaction.atomic
def submit_for_review(explainer: Explainer, *, by, seen_version=None) -> Explainer:
    _require(by, "explainers.submit_explainer", "You cannot submit explainers for review.")
    expect_version(explainer, seen_version)
    if explainer.status not in (Explainer.Status.DRAFT, Explainer.Status.IN_REVIEW):
        raise ValidationError("Only a draft can be submitted for review.")
    explainer.status = Explainer.Status.IN_REVIEW
    explainer.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action=AuditEntry.Action.SUBMITTED, obj=explainer.story)
    return explainer


@transaction.atomic
def publish(
    explainer: Explainer, *, by, at: datetime.datetime | None = None, seen_version=None
) -> Explainer:
    """Publish now, or at ``at`` (scheduled: readers see it from then on, no job needed).

    For a working copy: its changes replace the story's. A live story's changes go live at
    once; a scheduled story keeps its time unless ``at`` moves it.
    """
    _require(by, "explainers.publish_explainer", "You cannot publish explainers.")
    now = timezone.now()
    if at is not None and at > now + MAX_SCHEDULE_AHEAD:
        raise ValidationError(
            f"Schedule it within ten years: {timezone.localtime(at):%-d %B %Y} is too far ahead."
        )
    expect_version(explainer, seen_version)
    pagecache.changing(explainer.story)  # readers' cached pages go stale on commit
    was_live = explainer.story.is_live
    if explainer.is_working_copy:
        story = Explainer.objects.select_for_update().get(pk=explainer.draft_of_id)
        if at and at > now and story.is_live:
            raise ValidationError(
                "Changes to a live story go live when you publish them; unpublish the story "
                "first if it should reappear later."
            )
        _sync_copy(story, into_story=True)
        story.refresh_from_db()
        if at:
            story.published_at = at
        elif story.published_at is None or story.status != Explainer.Status.PUBLISHED:
            story.published_at = now
        story.revised_at = now if story.published_at <= now else None
    else:
        story = explainer
        if at and at > now and story.is_live:
            raise ValidationError(
                "This story is already live; unpublish it first if it should wait until later."
            )
        if at:
            story.published_at = at
        elif story.published_at is None or story.published_at > now:
            story.published_at = now  # first publication, or "publish now" on a scheduled story
        elif story.status != Explainer.Status.PUBLISHED:
            story.revised_at = now  # published before, taken down, and now back
        _sync_copy(story, into_story=False)  # a copy left from an earlier publication
    story.status = Explainer.Status.PUBLISHED
    story.version = F("version") + 1
    story.save()
    story.refresh_from_db()
    record_revision(story, action=Revision.Action.PUBLISHED, by=by)
    scheduled = story.published_at > now
    if not scheduled:  # a scheduled story is news to partners when it goes live
        events.emit(events.STORY_UPDATED if was_live else events.STORY_PUBLISHED, story)
    audit.record(
        actor=by,
        action=AuditEntry.Action.SCHEDULED if scheduled else AuditEntry.Action.PUBLISHED,
        obj=story,
        message=f"Goes live {timezone.localtime(story.published_at):%-d %b %Y %H:%M}"
        if scheduled
        else "",
    )
    return story


def _take_down(explainer: Explainer, *, status: str, action: str, by, seen_version) -> Explainer:
    """Unpublish or archive: readers stop seeing the story, and unpublished changes in its
    working copy become the story's text, edited in place from now on."""
    expect_version(explainer, seen_version)
    story = explainer.story
    pagecache.changing(story)  # readers' cached pages go stale on commit
    _tell_taken_down(story)
    copy = existing_copy(story) if not explainer.is_working_copy else explainer
    _sync_copy(story, into_story=copy is not None and copy.has_changes)
    story.refresh_from_db()
    story.status = status
    story.version = F("version") + 1
    story.save(update_fields=["status", "version", "updated_at"])
    story.refresh_from_db()
    audit.record(actor=by, action=action, obj=story)
    return story


@transaction.atomic
def unpublish(explainer: Explainer, *, by, seen_version=None) -> Explainer:
    _require(by, "explainers.publish_explainer", "You cannot unpublish explainers.")
    return _take_down(
        explainer,
        status=Explainer.Status.DRAFT,
        action=AuditEntry.Action.UNPUBLISHED,
        by=by,
        seen_version=seen_version,
    )


@transaction.atomic
def archive(explainer: Explainer, *, by, seen_version=None) -> Explainer:
    _require(by, "explainers.publish_explainer", "You cannot archive explainers.")
    return _take_down(
        explainer,
        status=Explainer.Status.ARCHIVED,
        action=AuditEntry.Action.ARCHIVED,
        by=by,
        seen_version=seen_version,
    )


@transaction.atomic
def delete(explainer: Explainer, *, by) -> None:
    """Delete a story (with its working copy, sections, revisions and notes): readers' cached
    pages go exactly as when it is unpublished."""
    _require(by, "explainers.delete_explainer", "You cannot delete explainers.")
    story = explainer.story
    pagecache.changing(story)  # found now, before the rows that link it go
    _tell_taken_down(story)
    audit.record(actor=by, action=AuditEntry.Action.DELETED, obj=story)
    story.delete()


def _tell_taken_down(story: Explainer) -> None:
    """Partners who knew the story hear it went: its slug and address, nothing of its text."""
    if story.is_live:
        events.emit(events.STORY_UNPUBLISHED, story, slug=story.slug, path=story.get_absolute_url())


def _tell_notes_changed(subject, *, kind: str = events.STORY_CORRECTED) -> None:
    """A public note changed: on a live story, its partners hear; on a fact, the fact's."""
    if isinstance(subject, Explainer):
        if subject.is_live:
            events.emit(kind, subject)
    elif subject is not None:
        events.emit(events.FACT_UPDATED, subject)


def record_due_transitions(now: datetime.datetime | None = None) -> list[Explainer]:
    """For cron: note in the audit trail each scheduled story whose time has come.

    Readers already see them (the published queryset checks the clock); this only records it.
    """
    now = now or timezone.now()
    due = []
    for story in Explainer.objects.published().filter(published_at__lte=now):
        last = (
            AuditEntry.objects.filter(
                content_type__app_label="explainers",
                content_type__model="explainer",
                object_id=str(story.pk),
                action__in=[
                    AuditEntry.Action.SCHEDULED,
                    AuditEntry.Action.WENT_LIVE,
                    AuditEntry.Action.PUBLISHED,
                    AuditEntry.Action.UNPUBLISHED,
                ],
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if last and last.action == AuditEntry.Action.SCHEDULED:
            audit.record(
                actor=None,
                action=AuditEntry.Action.WENT_LIVE,
                obj=story,
                message=f"Live since {timezone.localtime(story.published_at):%-d %b %Y %H:%M}",
            )
            events.emit(events.STORY_PUBLISHED, story)
            due.append(story)
    return due


# --- Revisions ---------------------------------------------------------------------------------


@transaction.atomic
def restore(revision: Revision, *, by) -> Explainer:
    """Put an old revision's content back as unpublished changes. Nothing is destroyed."""
    _require(by, "explainers.change_explainer", "You cannot edit explainers.")
    story = revision.explainer
    target = working_copy(story, by=by)
    content = revision.content
    sections = []
    errors = []
    for index, section in enumerate(content["sections"], start=1):
        try:
            sections.append(SectionText.compile(section["heading"], section["body"]))
        except ValidationError as error:
            errors.append(f"Section {index}: " + " ".join(error.messages))
    if errors:
        raise ValidationError(
            [f"Revision {revision.number} cannot be restored as it was:", *errors]
        )
    for name in SCALAR_FIELDS:
        if name in content:  # revisions made before a field existed restore without it
            setattr(target, name, content[name])
    target.hero = Media.objects.filter(slug=content["hero"]).first() if content["hero"] else None
    if not target.is_working_copy and target.status != Explainer.Status.PUBLISHED:
        target.status = Explainer.Status.DRAFT
    target.full_clean(exclude=["status", "published_at"])
    target.save()
    target.topics.set(Topic.objects.filter(slug__in=content["topics"]))
    if "authors" in content:
        target.authors.set(Author.objects.filter(slug__in=content["authors"]))
    elif content.get("byline"):  # a revision from before bylines were authors
        target.authors.set(Author.objects.filter(name=content["byline"]))
    write_sections(target, sections)
    bump_version(target)
    if target.is_working_copy:
        Explainer.objects.filter(pk=target.pk).update(has_changes=True)
    record_revision(
        target,
        action=Revision.Action.RESTORED,
        by=by,
        note=f"Restored from revision {revision.number}",
    )
    audit.record(
        actor=by,
        action=AuditEntry.Action.RESTORED,
        obj=story,
        message=f"From revision {revision.number}",
    )
    return target


# --- Public notes and facts that stay true ------------------------------------------------------


def _refuse_null_characters(text: str) -> None:
    if "\x00" in text:
        raise ValidationError("The note holds a null character (often from a paste); remove it.")


@transaction.atomic
def add_correction(
    explainer: Explainer, *, kind: str, text: str, by, automatic: bool = False
) -> Correction:
    if not automatic:
        _require(by, "explainers.correct_explainer", "You cannot add public notes to explainers.")
    _refuse_null_characters(text)
    story = explainer.story
    pagecache.changing(story)  # readers' cached pages go stale on commit
    note = Correction(
        explainer=story,
        kind=kind,
        text=text.strip(),
        automatic=automatic,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    note.full_clean()
    note.save()
    Explainer.objects.filter(pk=story.pk).update(updated_at=timezone.now())  # partners re-sync it
    if not automatic:  # an automatic update note comes with its figure's own events
        _tell_notes_changed(story)
    audit.record(actor=by, action=AuditEntry.Action.CORRECTED, obj=story, message=note.text[:200])
    return note


@transaction.atomic
def add_fact_note(fact, *, kind: str, text: str, by) -> Correction:
    """A public note on a quote, statistic or claim: it appears on the fact's page and on every
    story that shows the fact."""
    _require(by, "explainers.correct_explainer", "You cannot add public notes.")
    _refuse_null_characters(text)
    pagecache.changing(fact)  # its page and every story showing it, on commit
    note = Correction(
        **{fact.token_kind: fact},
        kind=kind,
        text=text.strip(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    note.full_clean()
    note.save()
    _tell_notes_changed(fact)
    audit.record(actor=by, action=AuditEntry.Action.CORRECTED, obj=fact, message=note.text[:200])
    return note


@transaction.atomic
def edit_correction(note: Correction, *, by, **changes) -> Correction:
    """Change a public note's kind, text or date: readers see the new note at once."""
    _require(by, "explainers.correct_explainer", "You cannot edit public notes.")
    stored = Correction.objects.select_related("explainer").get(pk=note.pk)
    if stored.automatic:
        raise ValidationError("Notes the system wrote for a changed figure cannot be edited.")
    before = audit.field_values(stored)
    for name, value in changes.items():
        if isinstance(value, str):
            _refuse_null_characters(value)
        setattr(note, name, value.strip() if isinstance(value, str) else value)
    pagecache.changing(stored.subject, note.subject)  # on commit, both if it moved
    note.full_clean()
    note.save()
    bump_version(note)
    Explainer.objects.filter(pk__in={stored.explainer_id, note.explainer_id}).update(
        updated_at=timezone.now()  # partners re-sync it
    )
    for subject in {stored.subject, note.subject}:
        _tell_notes_changed(subject)
    audit.record(
        actor=by,
        action=AuditEntry.Action.CORRECTED,
        obj=note.subject,
        message=f"Edited a public note: {note.text[:180]}",
        changes=audit.changes(before, audit.field_values(note)),
    )
    return note


@transaction.atomic
def delete_correction(note: Correction, *, by) -> None:
    _require(by, "explainers.delete_correction", "You cannot delete public notes.")
    pagecache.changing(note.subject)  # readers' cached pages go stale on commit
    Explainer.objects.filter(pk=note.explainer_id).update(updated_at=timezone.now())
    _tell_notes_changed(note.subject, kind=events.STORY_UPDATED)
    audit.record(
        actor=by,
        action=AuditEntry.Action.CORRECTED,
        obj=note.subject,
        message=f"Deleted a public note: {note.text[:180]}",
    )
    note.delete()


def _figure(statistic: Statistic, value: StatisticValue) -> str:
    """ "around 13,000": a value as the story showed it, qualifier included."""
    return f"{value.qualifier + ' ' if value.qualifier else ''}{statistic.format(value.value)}"


def note_new_value(
    *, statistic: Statistic, value: StatisticValue, previous: StatisticValue | None, by, **kwargs
) -> str | None:
    """A value was recorded (``claims.publishing.value_added``, inside its transaction).

    A correction of our mistake: a public correction note on the statistic, which every story
    showing it carries. Otherwise, when the current figure changed, an automatic update note on
    every published story showing the statistic live (pinned figures keep their value and say a
    newer one exists). Returns what was done, in words, for the person who added the figure.
    """
    if value.revision_kind == StatisticValue.Revision.CORRECTION:
        pagecache.changing(statistic)
        wrong, right = value.revises, value
        Correction.objects.create(
            statistic=statistic,
            kind=Correction.Kind.CORRECTION,
            text=f"We showed {_figure(statistic, wrong)}; the correct figure is "
            f"{_figure(statistic, right)}. {value.correction_note.strip()}",
            automatic=True,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        return "Value corrected; every story showing the figure now carries the correction."
    current = statistic.current
    if previous is None or current is None or current.pk != value.pk:
        return None  # a back-filled figure changes nothing readers see
    if value.value == previous.value and value.qualifier == previous.qualifier:
        return None
    what = "revised by the source" if value.revises_id else "updated"
    text = (
        f"{statistic.label}: figure {what}, {_figure(statistic, previous)} → "
        f"{_figure(statistic, value)}, source {value.shown_source.publisher}, "
        f"{value.date_display}.{' ' + value.note if value.note else ''}"
    )
    live = Q(figures="live") | Q(figures="", kind=Explainer.Kind.EXPLAINER)
    stories = (
        Explainer.objects.published()
        .filter(live)
        .filter(sections__blocks__statistic=statistic, sections__blocks__pinned_value__isnull=True)
        .distinct()
    )
    notes = [
        add_correction(story, kind=Correction.Kind.UPDATE, text=text, by=by, automatic=True)
        for story in stories
    ]
    if not notes:
        return None
    shows = "story shows" if len(notes) == 1 else "stories show"
    return f"New figure recorded; {len(notes)} published {shows} it now, each with an update note."
