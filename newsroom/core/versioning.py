"""Optimistic locking: one mechanism for every form that two people can save at once.

A versioned model has an integer ``version`` that every save through a workflow verb moves on
(``bump_version``). Its form carries the version it was opened at (``base_version``, hidden).
When the form is saved, inside the save's transaction, the row is locked (``SELECT … FOR
UPDATE`` on PostgreSQL) and its version compared: a colleague's save in between is refused with
who saved and when, and everything typed stays in the form. The lock is held until the save
commits, so a second save from a form opened at the same version waits, then sees the new
version and is refused: no two saves from the same version both succeed.
"""

from django import forms
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .audit import display_name


def locked(obj):
    """``obj``'s row as stored now, locked until the transaction ends (when there is one)."""
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    if transaction.get_connection().in_atomic_block:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()


def bump_version(obj) -> None:
    """Move the stored version on by one, and ``obj.version`` with it."""
    type(obj)._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.refresh_from_db(fields=["version"])


class VersionedForm(forms.ModelForm):
    """A model form refused when its row was saved by someone else after it was opened."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = locked(self.instance)
            base = cleaned.get("base_version")
            if current is not None and base is not None and base != current.version:
                raise forms.ValidationError(self.conflict_message(current), code="conflict")
        return cleaned

    def conflict_message(self, current) -> str:
        """Who saved ``current`` (the stored row) and when; models with a richer history (a
        story's revisions) override this."""
        who = getattr(current, "updated_by", None)
        when = getattr(current, "updated_at", None)
        return conflict_text(
            who=display_name(who) if who is not None else "someone",
            did="saved",
            what=f"this {self.instance._meta.verbose_name}",
            when=when,
        )


def conflict_text(*, who: str, did: str, what: str, when) -> str:
    at = f" at {timezone.localtime(when):%H:%M on %-d %B %Y}" if when else ""
    return (
        f"{who} {did} {what}{at}, after you opened it, so your changes were not saved. "
        "Everything you typed is still below: copy what you need, then reopen it to see their "
        "version and add your changes to it."
    )
