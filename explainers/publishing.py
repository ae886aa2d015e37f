"""The editorial workflow: one function per verb, used by the admin, commands and scripts alike.

Each verb checks the actor's permission (``by=None`` is the system: seeds and cron), changes state
in one transaction, stores a revision where content changed, and writes the audit trail.

A published story is never edited in place. Editing it creates a *working copy* (an Explainer row
with ``draft_of`` set, never visible to readers); publishing copies the working copy's content
onto the story and deletes the copy, so readers see nothing until then.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from claims.models import Statistic, StatisticValue
from newsroom import audit, pagecache
from newsroom.models import AuditEntry

from .blocks import compile_body
from .models import Correction, Explainer, Media, Revision, Section, SectionBlock, Topic

SCALAR_FIELDS = ["title", "slug", "kind", "standfirst", "byline", "seo_title", "seo_description"]


def _require(user, perm: str, message: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(message)


# --- Content snapshots -------------------------------------------------------------------------


def snapshot(explainer: Explainer) -> dict:
    """Everything a revision needs to show a diff and to restore the content."""
    return {
        **{name: getattr(explainer, name) for name in SCALAR_FIELDS},
        "hero": explainer.hero.slug if explainer.hero_id else None,
        "topics": sorted(explainer.topics.values_list("slug", flat=True)),
        "sections": [
            {"heading": section.heading, "body": section.body}
            for section in explainer.sections.order_by("position")
        ],
    }


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
    for name in SCALAR_FIELDS + ["hero_id"]:
        setattr(target, name, getattr(source, name))
    target.save()
    target.topics.set(source.topics.all())
    target.sections.all().delete()
    for section in source.sections.order_by("position").prefetch_related("blocks"):
        copy = Section.objects.create(
            explainer=target,
            position=section.position,
            heading=section.heading,
            body=section.body,
            body_html=section.body_html,
        )
        SectionBlock.objects.bulk_create(
            SectionBlock(
                section=copy,
                position=block.position,
                kind=block.kind,
                quote_id=block.quote_id,
                statistic_id=block.statistic_id,
                claim_id=block.claim_id,
                media_id=block.media_id,
                pinned_value_id=block.pinned_value_id,
            )
            for block in section.blocks.all()
        )


# --- Editing -----------------------------------------------------------------------------------


def working_copy(story: Explainer, *, by) -> Explainer:
    """The row an editor changes: the story itself while readers cannot see it, else a copy."""
    if story.is_working_copy:
        return story
    try:
        return story.working_copy  # select_related by the admin: no query when there is none
    except Explainer.DoesNotExist:
        pass
    if not story.is_live:
        return story  # readers cannot see it, so it is edited in place
    with transaction.atomic():
        copy = Explainer(
            draft_of=story, status=Explainer.Status.DRAFT, published_at=story.published_at
        )
        copy_content(story, copy)
    return copy


@transaction.atomic
def record_edit(explainer: Explainer, *, by, created: bool = False) -> Revision:
    """Call after every save of an explainer and its sections (admin, importer)."""
    Explainer.objects.filter(pk=explainer.pk).update(version=F("version") + 1)
    explainer.refresh_from_db(fields=["version"])
    action = Revision.Action.CREATED if created else Revision.Action.EDITED
    revision = record_revision(explainer, action=action, by=by)
    audit.record(
        actor=by,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.EDITED,
        obj=explainer.story,
        message="Unpublished changes saved" if explainer.is_working_copy else "",
    )
    return revision


def discard_working_copy(copy: Explainer, *, by) -> Explainer:
    if not copy.is_working_copy:
        raise ValidationError("Only unpublished changes to a published story can be discarded.")
    story = copy.draft_of
    copy.delete()
    audit.record(
        actor=by,
        action=AuditEntry.Action.EDITED,
        obj=story,
        message="Discarded unpublished changes",
    )
    return story


# --- Status changes ----------------------------------------------------------------------------


@transaction.atomic
def submit_for_review(explainer: Explainer, *, by) -> Explainer:
    _require(by, "explainers.submit_explainer", "You cannot submit explainers for review.")
    if explainer.status not in (Explainer.Status.DRAFT, Explainer.Status.IN_REVIEW):
        raise ValidationError("Only a draft can be submitted for review.")
    explainer.status = Explainer.Status.IN_REVIEW
    explainer.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action=AuditEntry.Action.SUBMITTED, obj=explainer.story)
    return explainer


@transaction.atomic
def publish(explainer: Explainer, *, by, at: datetime.datetime | None = None) -> Explainer:
    """Publish now, or at ``at`` (scheduled: readers see it from then on, no job needed)."""
    _require(by, "explainers.publish_explainer", "You cannot publish explainers.")
    pagecache.story_changing(explainer.story)  # readers' cached pages go stale on commit
    now = timezone.now()
    if explainer.is_working_copy:
        story = Explainer.objects.select_for_update().get(pk=explainer.draft_of_id)
        if at and at > now and story.is_live:
            raise ValidationError(
                "Changes to a live story go live when you publish them; unpublish the story "
                "first if it should reappear later."
            )
        copy_content(explainer, story)
        explainer.delete()
        if at:
            story.published_at = at
        elif story.published_at is None or story.published_at > now:
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
    story.status = Explainer.Status.PUBLISHED
    story.version = F("version") + 1
    story.save()
    story.refresh_from_db()
    record_revision(story, action=Revision.Action.PUBLISHED, by=by)
    scheduled = story.published_at > now
    audit.record(
        actor=by,
        action=AuditEntry.Action.SCHEDULED if scheduled else AuditEntry.Action.PUBLISHED,
        obj=story,
        message=f"Goes live {timezone.localtime(story.published_at):%-d %b %Y %H:%M}"
        if scheduled
        else "",
    )
    return story


@transaction.atomic
def unpublish(explainer: Explainer, *, by) -> Explainer:
    _require(by, "explainers.publish_explainer", "You cannot unpublish explainers.")
    story = explainer.story
    pagecache.story_changing(story)  # readers' cached pages go stale on commit
    story.status = Explainer.Status.DRAFT
    story.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action=AuditEntry.Action.UNPUBLISHED, obj=story)
    return story


@transaction.atomic
def archive(explainer: Explainer, *, by) -> Explainer:
    _require(by, "explainers.publish_explainer", "You cannot archive explainers.")
    story = explainer.story
    pagecache.story_changing(story)  # readers' cached pages go stale on commit
    story.status = Explainer.Status.ARCHIVED
    story.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action=AuditEntry.Action.ARCHIVED, obj=story)
    return story


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
    compiled = []
    errors = []
    for index, section in enumerate(content["sections"], start=1):
        try:
            compiled.append(compile_body(section["body"]))
        except ValidationError as error:
            errors.append(f"Section {index}: " + " ".join(error.messages))
    if errors:
        raise ValidationError(
            [f"Revision {revision.number} cannot be restored as it was:"] + errors
        )
    for name in SCALAR_FIELDS:
        setattr(target, name, content[name])
    target.hero = Media.objects.filter(slug=content["hero"]).first() if content["hero"] else None
    if not target.is_working_copy and target.status != Explainer.Status.PUBLISHED:
        target.status = Explainer.Status.DRAFT
    target.full_clean(exclude=["status", "published_at"])
    target.save()
    target.topics.set(Topic.objects.filter(slug__in=content["topics"]))
    target.sections.all().delete()
    for position, (section, body) in enumerate(zip(content["sections"], compiled, strict=True), 1):
        row = Section.objects.create(
            explainer=target,
            position=position,
            heading=section["heading"],
            body=section["body"],
            body_html=body.html,
        )
        row.write_blocks(body.blocks)
    Explainer.objects.filter(pk=target.pk).update(version=F("version") + 1)
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


@transaction.atomic
def add_correction(
    explainer: Explainer, *, kind: str, text: str, by, automatic: bool = False
) -> Correction:
    if not automatic:
        _require(by, "explainers.correct_explainer", "You cannot add public notes to explainers.")
    story = explainer.story
    pagecache.story_changing(story)  # readers' cached pages go stale on commit
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
    audit.record(actor=by, action=AuditEntry.Action.CORRECTED, obj=story, message=note.text[:200])
    return note


@transaction.atomic
def statistic_value_added(
    value: StatisticValue, *, previous: StatisticValue | None, by
) -> list[Correction]:
    """A new value was recorded: note it on every published story that shows the figure live."""
    statistic = Statistic.objects.select_related("source").get(pk=value.statistic_id)
    pagecache.fact_changed(statistic)  # its card, fact page and stories go stale on commit
    audit.record(
        actor=by,
        action=AuditEntry.Action.VALUE_ADDED,
        obj=statistic,
        message=f"{statistic.format(value.value)} as of {value.as_of:%-d %B %Y}",
    )
    if previous is None or value.as_of <= previous.as_of or value.value == previous.value:
        return []  # a back-filled or unchanged figure changes nothing readers see
    text = (
        f"Figure updated: {statistic.format(previous.value)} → {statistic.format(value.value)}, "
        f"source {statistic.source.publisher}, as of {value.as_of:%-d %B %Y}."
    )
    stories = (
        Explainer.objects.published()
        .filter(sections__blocks__statistic=statistic, sections__blocks__pinned_value__isnull=True)
        .distinct()
    )
    return [
        add_correction(story, kind=Correction.Kind.UPDATE, text=text, by=by, automatic=True)
        for story in stories
    ]
