"""What the review screen shows: each proposal with its choices, for a template that only
reads."""

from claims.models import (
    DatePrecision,
)

from .plan import (
    Plan,
    QuoteProposal,
)

# --- What the review screen shows ----------------------------------------------------------------


def _date_display(proposal: QuoteProposal) -> str:
    day = proposal.said_on
    if day is None:
        return ""
    if proposal.said_on_precision == DatePrecision.YEAR:
        return f"{day:%Y}"
    if proposal.said_on_precision == DatePrecision.MONTH:
        return f"{day:%B %Y}"
    return f"{day:%-d %B %Y}"


def review_rows(plan: Plan, chosen: dict[str, str], typed: dict[str, dict]) -> dict:
    """Each proposal with the choices the review offers (the chosen one checked) and what it
    would record, for the template, which only reads."""

    def options(proposal):
        return [
            (value, label, chosen.get(proposal.key) == value)
            for value, label in plan.options(proposal)
        ]

    def source(key):
        return plan.get(key) if key else None

    rows = {"quotes": [], "figures": [], "media": [], "people": [], "sources": []}
    for quote in plan.quotes:
        person = plan.get(quote.speaker) if quote.speaker else None
        rows["quotes"].append(
            {
                "p": quote,
                "options": options(quote),
                "speaker": person,
                "source": source(quote.source),
                "date": _date_display(quote),
                "typed": typed.get("speaker", {}).get(quote.key, ""),
            }
        )
    for figure in plan.figures:
        rows["figures"].append(
            {
                "p": figure,
                "options": options(figure),
                "source": source(figure.source),
                "period": f"{figure.period_start:%Y}" if figure.period_start else "",
                "label": typed.get("label", {}).get(figure.key) or figure.label,
            }
        )
    for item in plan.media:
        rows["media"].append({"p": item, "options": options(item)})
    for person in plan.people:
        rows["people"].append({"p": person, "options": options(person)})
    for item in plan.sources:
        rows["sources"].append({"p": item, "options": options(item)})
    return rows
