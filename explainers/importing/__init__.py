"""Importing an article's text as a draft story, with its quotes and figures proposed as facts.

Two halves, shared by the admin's "Import text" page and ``manage.py import_article``:

``read_article(text)`` reads plain text in the shape of ``seeds/seed.txt`` (one paragraph a line)
into a ``Plan``: headline, standfirst, sections under the questions and short lines that head
them, lists, media, the page furniture it dropped, and proposals: quotes and quoted words with
their speakers, figures with their qualifiers and sources, people, sources and media, each with
the reason it was recognised and the existing records it matches. It writes nothing; the only
queries are a fixed number of batched look-ups (furniture patterns, then one per kind of
record), however long the text is.

``create_draft(plan, choices=…, by=…)`` is the workflow verb: in one transaction it creates what
the editor accepted through the facts' own verbs (``claims.publishing``, ``core.workflow``),
unchecked and undated unless the text gives a date, and the story as the admin saves one
(``publishing.write_sections`` and ``record_edit``), as a draft. Anything refused refuses it all.

Facts are proposed, never invented: a date, source or role the text does not give is left empty
and listed as "not in the text", and quoted words nobody is named as saying stay text.

The modules: ``plan`` (what is accepted, and the Plan), ``words`` (the vocabulary of news copy
the rules use), ``reading``, ``matching``, ``drafting`` (the verb), ``review`` (what the review
screen shows) and ``roundtrip`` (the seed's articles against the demo stories). Import from
here.
"""

from .drafting import ImportResult, create_draft, section_body  # noqa: F401
from .matching import find_matches  # noqa: F401
from .plan import (  # noqa: F401
    MAX_BYTES,
    NOT_IN_TEXT,
    SEED_FILE,
    STORIES_FILE,
    Dropped,
    FigureProposal,
    LeftAsText,
    ListBlock,
    Match,
    MediaBlock,
    MediaProposal,
    Paragraph,
    PersonProposal,
    Piece,
    Plan,
    QuoteProposal,
    Recognised,
    SectionPlan,
    SourceProposal,
    clean_text,
    decode,
    fingerprint,
    kept_lines,
    shorten,
    too_big,
)
from .reading import read_article  # noqa: F401
from .review import review_rows  # noqa: F401
from .roundtrip import StoryComparison, Tally, invented, seed_round_trip  # noqa: F401
