"""What an import reads a text into: the limits on what is accepted, and the Plan (structure,
proposals and why each was made), which nothing writes to the database."""

import codecs
import datetime
import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError

from claims.models import (
    DatePrecision,
    Medium,
    Source,
    Statistic,
)

from ..models import Media

# --- What is accepted -------------------------------------------------------------------------

# An article is rarely more than 10,000 words (60 KB); a whole saved web page is far more.
MAX_BYTES = 256 * 1024
SEED_FILE = Path(__file__).resolve().parent.parent / "seeds" / "seed.txt"
STORIES_FILE = Path(__file__).resolve().parent.parent / "seeds" / "stories.toml"
NOT_IN_TEXT = "not in the text"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def decode(data: bytes) -> str:
    """An uploaded file's text, or ValidationError naming its encoding: only UTF-8 is read,
    because guessing another encoding turns “curly quotes” and £ into the wrong characters."""
    if len(data) > MAX_BYTES:
        raise ValidationError(too_big(len(data)))
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            raise ValidationError(
                f"The file is in {name}, not UTF-8. Save it as UTF-8 (“Unicode (UTF-8)” in the "
                "editor's Save As options) and upload it again."
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8: byte {error.start + 1:,} (0x{data[error.start]:02X}) is not "
            f"a UTF-8 character. It looks like {_guess_encoding(data)}. Save it as UTF-8 and "
            "upload it again, or paste the text instead."
        ) from None


def _guess_encoding(data: bytes) -> str:
    if data[1::2].count(0) > len(data) // 4:
        return "UTF-16 without its byte order mark"
    if any(0x80 <= byte <= 0x9F for byte in data):
        # Curly quotes, dashes and € sit here in Windows-1252 and nowhere in Latin-1 text.
        return "Windows-1252 (Western European, from Word or an older Windows program)"
    return "ISO-8859-1 (Latin-1)"


def too_big(n: int) -> str:
    return (
        f"The text is {_size(n)}; an import takes at most {_size(MAX_BYTES)} (about 40,000 "
        "words). Paste the article alone, without the rest of its page, or split it."
    )


def kept_lines(values) -> set[int]:
    """The line numbers whose recognised structure the editor undid (“18,19”, “7”)."""
    return {int(n) for value in values for n in str(value).split(",") if n.strip().isdigit()}


def fingerprint(text: str, keep, publisher: str, url: str) -> str:
    """What a review was made of: a confirmation of another text or other undoings is
    reviewed again rather than applied to proposals the editor has not seen."""
    data = "\0".join([text, ",".join(map(str, sorted(keep))), publisher.strip(), url.strip()])
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def clean_text(text: str) -> str:
    """The text as the importer reads it, or ValidationError saying what is wrong with it:
    too long, a null character (refused, as every admin form refuses it), or nothing in it.
    Line ends are made Unix ones, tabs and other control characters spaces."""
    text = text or ""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ValidationError(too_big(size))
    if "\x00" in text:
        raise ValidationError(
            "The text holds a null character, which comes from a binary file or a broken "
            "paste: copy the article's text again."
        )
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        " " if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u00ad" else ch
        for ch in text
    ).replace("\u00ad", "")
    if not text.strip():
        raise ValidationError("There is no text to import: paste an article, or choose a file.")
    return text


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class Match:
    """An existing record a proposal could use instead of a new one."""

    pk: int
    label: str
    reason: str
    strong: bool = True  # used unless the editor says otherwise


@dataclass
class PersonProposal:
    key: str
    name: str
    name_as_used: str
    reason: str
    role: str = ""
    affiliation: str = ""
    matches: list[Match] = field(default_factory=list)
    kind = "person"


@dataclass
class SourceProposal:
    key: str
    publisher: str
    title: str
    kind: str
    reason: str
    url: str = ""
    author: str = ""
    of_article: bool = False
    matches: list[Match] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Source.Kind(self.kind).label


@dataclass
class QuoteProposal:
    key: str
    text: str
    block: str  # "quote": a card on a line of its own; "said": words inside a sentence
    is_partial: bool
    original: str  # as the text has it, quotation marks and all
    line: int
    reason: str
    speaker: str | None = None  # a PersonProposal's key
    speaker_words: str = ""  # who the text says said it, in its words
    role: str = ""
    role_reason: str = ""
    said_on: datetime.date | None = None
    said_on_precision: str = DatePrecision.DAY
    date_words: str = ""
    medium: str = ""
    context: str = ""
    source: str | None = None  # a SourceProposal's key
    trailing: str = ""  # a comma inside the marks that belongs to the sentence: “…,” she said
    matches: list[Match] = field(default_factory=list)
    kind = "quote"

    @property
    def token_kind(self) -> str:
        return self.block

    @property
    def not_in_text(self) -> list[str]:
        missing = []
        if self.speaker is None:
            missing.append("speaker")
        if not self.role:
            missing.append("role")
        if self.said_on is None:
            missing.append("date")
        if self.source is None:
            missing.append("source")
        return missing

    @property
    def medium_label(self) -> str:
        return Medium(self.medium).label if self.medium else ""


@dataclass
class FigureProposal:
    key: str
    written: str  # the figure as the text writes it: £1.6bn, 50,271, 58%
    value: Decimal
    label: str
    line: int
    sentence: str
    reason: str
    qualifier: str = ""
    unit: str = ""
    prefix: str = ""
    display: str = Statistic.Display.FULL
    source: str | None = None
    source_reason: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    period_words: str = ""
    matches: list[Match] = field(default_factory=list)
    kind = "figure"
    token_kind = "value"

    @property
    def not_in_text(self) -> list[str]:
        missing = [] if self.period_start else ["date"]
        if self.source is None:
            missing.append("source")
        return missing

    @property
    def shown(self) -> str:
        return f"{self.qualifier} {self.written}" if self.qualifier else self.written


@dataclass
class MediaProposal:
    key: str
    media_kind: str  # Media.Kind
    lines: tuple[int, ...]
    reason: str
    caption: str = ""
    credit: str = ""
    title: str = ""
    duration: datetime.timedelta | None = None
    matches: list[Match] = field(default_factory=list)
    kind = "media"
    token_kind = "media"

    @property
    def not_in_text(self) -> list[str]:
        missing = ["alt text", "file"] if self.media_kind == Media.Kind.IMAGE else ["video link"]
        if self.media_kind == Media.Kind.IMAGE and not self.caption:
            missing.insert(0, "caption")
        if not self.credit:
            missing.append("credit")
        return missing

    @property
    def duration_display(self) -> str:
        return Media(duration=self.duration).duration_display


@dataclass
class Dropped:
    """A line of page furniture left out, and the pattern that matched it."""

    line: int
    text: str
    rule: str
    note: str = ""


@dataclass
class Recognised:
    """A decision about the text's structure, which the editor can undo (``keep_as_text``)."""

    kind: str  # headline, standfirst, heading, list, image, video, joined
    lines: tuple[int, ...]
    text: str
    reason: str

    @property
    def undo(self) -> str:
        return ",".join(str(n) for n in self.lines)


@dataclass
class LeftAsText:
    """Quoted words or a number the importer saw and did not propose, with why."""

    line: int
    text: str
    reason: str


@dataclass
class Piece:
    """Part of a paragraph: text as written, or a proposal's words (``key``)."""

    text: str
    key: str | None = None


@dataclass
class Paragraph:
    pieces: list[Piece]
    lines: tuple[int, ...]
    block_type = "paragraph"


@dataclass
class ListBlock:
    ordered: bool
    items: list[tuple[str, list[Piece]]]  # (marker as written, its pieces)
    lines: tuple[int, ...]
    block_type = "list"


@dataclass
class MediaBlock:
    key: str
    block_type = "media"


@dataclass
class SectionPlan:
    heading: str
    blocks: list
    heading_line: int | None = None
    heading_reason: str = ""


@dataclass
class Plan:
    headline: str
    standfirst: str
    sections: list[SectionPlan]
    headline_reason: str = ""
    standfirst_reason: str = ""
    publisher: str = ""
    publisher_reason: str = ""
    url: str = ""
    article_source: str | None = None
    recognised: list[Recognised] = field(default_factory=list)
    furniture: list[Dropped] = field(default_factory=list)
    left_as_text: list[LeftAsText] = field(default_factory=list)
    people: list[PersonProposal] = field(default_factory=list)
    sources: list[SourceProposal] = field(default_factory=list)
    quotes: list[QuoteProposal] = field(default_factory=list)
    figures: list[FigureProposal] = field(default_factory=list)
    media: list[MediaProposal] = field(default_factory=list)
    first_sentence: str = ""
    seconds: float = 0.0  # how long reading it took

    @property
    def milliseconds(self) -> int:
        return round(self.seconds * 1000)

    @property
    def proposals(self) -> list:
        """What the editor decides on, in the order the review lists them."""
        return [*self.quotes, *self.figures, *self.media, *self.people, *self.sources]

    def get(self, key: str):
        return next((p for p in self.proposals if p.key == key), None)

    @property
    def headline_or_stand_in(self) -> str:
        return self.headline or shorten(self.first_sentence, 120)

    @property
    def standfirst_or_stand_in(self) -> str:
        return self.standfirst or self.first_sentence

    def default_choices(self) -> dict[str, str]:
        """What each proposal becomes unless the editor says otherwise (what the command does):
        a match that is certain is used, otherwise a new record is made; quoted words with no
        speaker and figures with no source stay text, since neither can be a fact block."""
        choices = {}
        for proposal in self.proposals:
            strong = [m for m in proposal.matches if m.strong]
            if strong:
                choices[proposal.key] = f"existing:{strong[0].pk}"
            elif self.can_create(proposal):
                choices[proposal.key] = "new"
            else:
                choices[proposal.key] = "text"
        return choices

    def can_create(self, proposal) -> bool:
        if isinstance(proposal, QuoteProposal):
            return proposal.speaker is not None
        if isinstance(proposal, FigureProposal):
            return proposal.source is not None
        return True

    def options(self, proposal) -> list[tuple[str, str]]:
        """The choices the review offers for ``proposal``: (value, label)."""
        options = [(f"existing:{m.pk}", f"Use existing: {m.label}") for m in proposal.matches]
        if self.can_create(proposal):
            options.append(("new", "Create new"))
        if isinstance(proposal, QuoteProposal | FigureProposal):
            options.append(("text", "Leave as text"))
        elif isinstance(proposal, MediaProposal):
            options.append(("text", "Leave it out"))
        return options

    def counts(self) -> dict[str, int]:
        return {
            "sections": len(self.sections),
            "quotes": len(self.quotes),
            "figures": len(self.figures),
            "media": len(self.media),
            "people": len(self.people),
            "sources": len(self.sources),
            "furniture": len(self.furniture),
        }


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + "…"
