"""What happened, told to whoever listens once it is committed: the partner webhooks
(``newsroom/webhooks.py``) listen; the apps' workflow verbs tell.

A verb calls ``emit(kind, obj)`` inside its transaction. Nothing is told if the transaction rolls
back; on commit every listener hears ``(kind, model label, pk, extra)``, never the object itself
(it may be gone), so a listener reads what is true then. A listener that fails is logged and the
rest still hear: the change itself is committed and stays so.

The core knows no model and no listener: the project registers its listeners when it starts.
"""

import functools
import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

STORY_PUBLISHED = "story.published"
STORY_UPDATED = "story.updated"
STORY_UNPUBLISHED = "story.unpublished"
STORY_CORRECTED = "story.corrected"
FACT_UPDATED = "fact.updated"
VALUE_ADDED = "statistic.value_added"

KINDS = {
    STORY_PUBLISHED: "A story went live (published now, or its scheduled time came)",
    STORY_UPDATED: "A live story changed (its text, or a fact, person or source it shows)",
    STORY_UNPUBLISHED: "A story was unpublished, archived or deleted (its id and URL only)",
    STORY_CORRECTED: "A correction or clarification was added to a live story",
    FACT_UPDATED: "A public fact block (quote, statistic, claim) changed or got a public note",
    VALUE_ADDED: "A public statistic got a new value",
}

Listener = Callable[[str, str, object, dict], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(kind: str, obj, **extra) -> None:
    """Inside the verb's transaction, after the change: on commit, tell every listener."""
    if kind not in KINDS:
        raise ValueError(f"Unknown event {kind!r}")
    label, pk = obj._meta.label_lower, obj.pk
    transaction.on_commit(functools.partial(_tell, kind, label, pk, extra))


def _tell(kind: str, label: str, pk, extra: dict) -> None:
    for listener in list(_listeners):
        try:
            listener(kind, label, pk, extra)
        except Exception:
            logger.exception("Listener %r failed on %s %s:%s", listener, kind, label, pk)
