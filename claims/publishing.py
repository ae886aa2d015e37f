"""The fact-checking workflow: one function per verb, used by the admin, commands and scripts.

Each verb checks the actor's permission (``by=None`` is the system: seeds), changes state in one
transaction, writes the audit trail and refreshes the cached pages that show what changed (on
commit, through ``newsroom.core.pagecache``; the stories app says which stories those are).

What a new figure means for stories (an update note on each that shows it live) is the stories
app's rule: it listens to ``value_added``.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from newsroom.core import audit, events, pagecache
from newsroom.core.models import AuditEntry
from newsroom.core.versioning import bump_version
from newsroom.core.workflow import permission, require

from .models import Claim, ClaimRating, FactBlock, Quote, Statistic, StatisticValue

# Sent inside the transaction that recorded a value, with ``statistic``, ``value`` (the new
# StatisticValue), ``previous`` (the value that was current before, or None) and ``by``.
# Receivers return a sentence for the person who added it, or None.
value_added = Signal()


@transaction.atomic
def save_fact(fact: FactBlock, *, by, created: bool | None = None) -> FactBlock:
    """Create or edit a quote, statistic or claim, moving its version on. The audit entry
    keeps each changed field's value before and after; a claim's verdict history grows."""
    created = fact.pk is None if created is None else created
    name = fact._meta.verbose_name
    require(by, permission(fact, "add" if created else "change"), f"You cannot change {name}s.")
    if isinstance(fact, Claim):
        _require_rating_permission(fact, by=by, created=created)
    before = {} if created else audit.stored_values(fact)
    if isinstance(fact, Quote):
        fact.fill_in_role()
    if not created:
        pagecache.changing(fact)  # its pages, and the stories showing it, on commit
    fact.updated_by = by if getattr(by, "is_authenticated", False) else None
    fact.save()
    if not created:
        bump_version(fact)
        events.emit(events.FACT_UPDATED, fact)  # partners hear, if readers can see it
    changed = audit.changes(before, audit.field_values(fact)) if before else {}
    if isinstance(fact, Claim) and (
        created or {"rating", "explanation", "verdict_by"} & set(changed)
    ):
        ClaimRating.objects.create(
            claim=fact,
            rating=fact.rating,
            explanation=fact.explanation,
            verdict_by=fact.verdict_by,
            rated_by=fact.updated_by,
        )
    audit.record(
        actor=by,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.EDITED,
        obj=fact,
        changes=changed,
    )
    return fact


def _require_rating_permission(claim: Claim, *, by, created: bool) -> None:
    """Only fact-checkers give a verdict or change one."""
    if created:
        changed = True
    else:
        stored = Claim.objects.filter(pk=claim.pk).values_list("rating_id", flat=True).first()
        changed = stored != claim.rating_id
    if changed:
        require(by, "claims.rate_claim", "Only fact-checkers can rate claims.")


@transaction.atomic
def check_fact(fact: FactBlock, *, by) -> FactBlock:
    """A fact-checker has verified it today: its page says "Checked by <name> on <day>"."""
    require(by, permission(fact, "verify"), "Only fact-checkers can mark facts as checked.")
    if not by.get_full_name().strip():
        # The public page says "Checked by <name>": a check needs a name readers can see.
        raise PermissionDenied(
            "Readers see who checked a fact: add your full name to your account before "
            "marking facts as checked."
        )
    pagecache.changing(fact)  # "last checked" is on its public page
    today = timezone.localdate()
    type(fact).objects.filter(pk=fact.pk).update(
        checked_on=today, checked_by=by, updated_by=by, updated_at=timezone.now()
    )
    bump_version(fact)
    events.emit(events.FACT_UPDATED, fact)
    fact.refresh_from_db(fields=["checked_on", "checked_by", "updated_by", "updated_at"])
    audit.record(actor=by, action=AuditEntry.Action.CHECKED, obj=fact)
    return fact


# What a new value can say about itself (``StatisticValue``'s own provenance).
VALUE_FIELDS = [
    "value", "qualifier", "as_of", "period_start", "period_end", "source", "note",
    "revises", "revision_kind", "correction_note",
]  # fmt: skip


@transaction.atomic
def add_value(statistic: Statistic, *, value, by, **fields) -> tuple[StatisticValue, list[str]]:
    """Add a figure to a statistic's history (old values are never overwritten; a wrong one is
    corrected, and an official revision recorded, by a value that ``revises`` it).

    Returns the value and what the listeners of ``value_added`` did about it, in words.
    """
    require(by, "claims.add_statisticvalue", "You cannot add figures to statistics.")
    statistic = Statistic.objects.select_for_update().get(pk=statistic.pk)
    previous = statistic.current
    pagecache.changing(statistic)  # its card, fact page and stories, on commit
    new = statistic.record_value(value=value, **fields)
    bump_version(statistic)
    events.emit(events.VALUE_ADDED, statistic, value=new.pk)
    what = (
        "corrected"
        if new.revision_kind == StatisticValue.Revision.CORRECTION
        else ("revised" if new.revises_id else "added")
    )
    audit.record(
        actor=by,
        action=AuditEntry.Action.VALUE_ADDED,
        obj=statistic,
        message=f"{statistic.format(new.value)}, {new.date_display} ({what})",
    )
    replies = value_added.send(
        sender=Statistic, statistic=statistic, value=new, previous=previous, by=by
    )
    return new, [reply for _, reply in replies if reply]
