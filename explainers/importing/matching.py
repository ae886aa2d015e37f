"""Matching proposals with existing records: one query per kind of record, however long the
text."""

import re

from django.db.models import Q

from claims.models import (
    VALUES_WITH_SOURCES,
    Person,
    Quote,
    Source,
    Statistic,
)

from ..models import Media
from .plan import (
    FigureProposal,
    Match,
    Plan,
)
from .words import NP_STOP

# --- Matching existing records -------------------------------------------------------------------

CONTENT_STOP = NP_STOP | {"since", "said", "says", "data", "shows", "show", "there", "than"}


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z’'-]+", text.lower().replace("small-boat", "small boat"))
    return {w.rstrip("s") for w in words if len(w) > 2 and w not in CONTENT_STOP}


def normal(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).casefold()


def find_matches(plan: Plan) -> None:
    """Look up the existing people, sources, quotes, statistics and media each proposal could
    use. One query per kind of record (two for people and for statistics, with their roles and
    values), whatever the length of the text."""
    if plan.people:
        names = {p.name for p in plan.people} | {
            p.name_as_used for p in plan.people if p.name_as_used
        }
        wanted = Q()
        for name in names:
            wanted |= Q(name__iexact=name) | Q(roles__name_as_used__iexact=name)
        people = list(Person.objects.filter(wanted).distinct().prefetch_related("roles"))
        for proposal in plan.people:
            mine = {normal(proposal.name), normal(proposal.name_as_used)} - {""}
            for person in people:
                used = {normal(role.name_as_used) for role in person.roles.all()} - {""}
                if normal(person.name) in mine:
                    proposal.matches.append(Match(person.pk, str(person), "same name"))
                elif used & mine:
                    proposal.matches.append(
                        Match(person.pk, str(person), "named so in one of their roles")
                    )
    if plan.sources:
        wanted = Q()
        for proposal in plan.sources:
            wanted |= Q(publisher__iexact=proposal.publisher)
            if proposal.url:
                wanted |= Q(url=proposal.url)
        sources = list(Source.objects.filter(wanted))
        for proposal in plan.sources:
            same_url = [s for s in sources if proposal.url and s.url == proposal.url]
            same_title = [
                s
                for s in sources
                if normal(s.publisher) == normal(proposal.publisher)
                and normal(s.title) == normal(proposal.title)
            ]
            same_kind = [
                s
                for s in sources
                if normal(s.publisher) == normal(proposal.publisher)
                and s.kind == proposal.kind
                and s not in same_title
                and s not in same_url
            ]
            for source in same_url:
                proposal.matches.append(Match(source.pk, str(source), "same link"))
            for source in same_title:
                if source not in same_url:
                    proposal.matches.append(
                        Match(source.pk, str(source), "same publisher and title")
                    )
            # the one source of its kind from this publisher (its statistics, its posts) is
            # most likely it; an article never is another article
            certain = len(same_kind) == 1 and not proposal.of_article
            for source in same_kind[:3]:
                proposal.matches.append(
                    Match(source.pk, str(source), "same publisher and kind", strong=certain)
                )
    if plan.quotes:
        texts = set()
        for proposal in plan.quotes:
            texts |= {
                proposal.text,
                proposal.text.replace("’", "'"),
                proposal.text.replace("'", "’"),
            }
        quotes = list(Quote.objects.filter(text__in=texts).select_related("speaker"))
        for proposal in plan.quotes:
            person = plan.get(proposal.speaker) if proposal.speaker else None
            names = {normal(person.name), normal(person.name_as_used)} - {""} if person else set()
            person_pks = {m.pk for m in person.matches} if person else set()
            for quote in quotes:
                if normal(quote.text) != normal(proposal.text):
                    continue
                if quote.speaker_id in person_pks or normal(quote.speaker.name) in names:
                    proposal.matches.append(Match(quote.pk, str(quote), "same speaker and words"))
    if plan.figures:
        values = {f.value for f in plan.figures}
        labels = Q()
        for proposal in plan.figures:
            labels |= Q(label__iexact=proposal.label)
        statistics = list(
            Statistic.objects.filter(Q(values__value__in=values) | labels)
            .distinct()
            .select_related("source")
            .prefetch_related(VALUES_WITH_SOURCES)
        )
        for proposal in plan.figures:
            sentence = _content_words(proposal.sentence)
            for statistic in statistics:
                _match_statistic(proposal, statistic, sentence)
    if plan.media:
        wanted = Q()
        for proposal in plan.media:
            if proposal.media_kind == Media.Kind.VIDEO:
                wanted |= Q(kind=Media.Kind.VIDEO, title=proposal.title)
            else:
                wanted |= Q(kind=Media.Kind.IMAGE, caption=proposal.caption, credit=proposal.credit)
        media = list(Media.objects.filter(wanted))
        for proposal in plan.media:
            for item in media:
                if item.kind != proposal.media_kind:
                    continue
                if proposal.media_kind == Media.Kind.VIDEO and item.title == proposal.title:
                    proposal.matches.append(Match(item.pk, str(item), "same title"))
                elif (item.caption, item.credit) == (proposal.caption, proposal.credit):
                    proposal.matches.append(Match(item.pk, str(item), "same caption and credit"))


def _match_statistic(proposal: FigureProposal, statistic: Statistic, sentence: set[str]) -> None:
    history = statistic.history
    current = statistic.current
    same_value = [v for v in history if v.value == proposal.value]
    shared = sorted(_content_words(statistic.label) & sentence)
    same_label = normal(statistic.label) == normal(proposal.label)
    if not same_value or not (same_label or len(shared) >= 2):
        return
    why = (
        "same label and value"
        if same_label
        else f"same value; its label shares “{', '.join(shared)}”"
    )
    is_current = current is not None and current.value == proposal.value
    same_qualifier = current is not None and current.qualifier == proposal.qualifier
    if not is_current:
        why += f"; but its current figure is {current.display if current else 'none'}"
    elif not same_qualifier:
        why += f"; its qualifier is “{current.qualifier or 'none'}”"
    label = f"{statistic.label} ({current.display if current else 'no value'})"
    proposal.matches.append(Match(statistic.pk, label, why, strong=is_current and same_qualifier))
