"""Reading a text into a Plan: its lines (headline, headings, lists, media, furniture), then each
paragraph (who it names, its quotes and who said them, its figures and their sources)."""

import datetime
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from claims.models import (
    DatePrecision,
    Medium,
    Source,
    Statistic,
    parse_figure,
)

from ..models import FurniturePattern, Media
from .matching import find_matches
from .plan import (
    Dropped,
    FigureProposal,
    LeftAsText,
    ListBlock,
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
    shorten,
)
from .words import (
    APPOSITION,
    AS_ROLE,
    BULLET_ITEM,
    CAPITAL_STOPWORDS,
    COMMON_ORG_MENTION,
    COMMON_ORGS,
    COUNTING_WORDS,
    CREDIT,
    DAY_SAID,
    DAYS,
    DURATION_LINE,
    FIGURE,
    HONORIFICS,
    IMAGE_LINE,
    ING_NOUNS,
    KEY_SKIP,
    MARKED_HEADING,
    MONTH_SAID,
    MONTHS,
    NAME_SEQ,
    NP_FILLERS,
    NP_STOP,
    OF_ORG,
    OF_THE_ROLE,
    OPENING,
    ORDERED_ITEM,
    ORG_NAME,
    ORG_NOUNS,
    ORG_WORDS,
    PLATFORMS,
    POSSESSIVE,
    PRONOUN,
    PUBLIC_BODY,
    QUALIFIER_BEFORE,
    ROLE,
    ROLE_BEFORE_NAME,
    ROLE_MENTION,
    ROLE_NOUNS,
    ROLE_RIGHT_BEFORE,
    SELF_NAMED,
    SOURCE_NOUNS,
    TERM_BEFORE,
    TERMINAL,
    TIME_NOUNS,
    TITLES,
    VAGUE_WHEN,
    VERB,
    WHO_VERBS,
    YEAR_SAID,
    capfirst,
    strip_closing,
    word_list,
)

# --- Reading the lines --------------------------------------------------------------------------


@dataclass
class _Line:
    number: int
    text: str
    kind: str = "para"  # para, furniture, image, video, list, heading, headline, standfirst
    data: dict = field(default_factory=dict)


def _headline_like(text: str) -> str | None:
    words = len(word_list(text))
    bare = strip_closing(text)
    if words > 20 or len(text) > 200 or not bare or bare[-1] in ".:;,":
        return None
    if re.search(r"[.!?][”\"’]?\s+[A-Z“]", text) or text[0] in OPENING:
        return None
    return f"The first line: short ({words} words) and without a full stop"


def _heading_like(text: str) -> str | None:
    words = len(word_list(text))
    bare = strip_closing(text)
    if not bare or text[0] in OPENING or re.search(r"[.!?][”\"’]?\s+[A-Z“]", text):
        return None
    if bare.endswith("?") and words <= 20:
        return f"A question on a line of its own ({words} words)"
    if (
        words <= 10
        and len(text) <= 90
        and (bare[-1].isalnum() or bare[-1] == ")")
        and (text[0].isupper() or text[0].isdigit())
    ):
        return f"A short line without a full stop ({words} words)"
    return None


def _standfirst_like(text: str) -> str | None:
    words = len(word_list(text))
    sentences = len(re.findall(r"[.!?][”\"’]?(?:\s|$)", text))
    if words > 60 or sentences > 3 or strip_closing(text)[-1:] not in TERMINAL:
        return None
    if text[0] in OPENING:
        return None
    return f"The paragraph under the headline: {words} words, {sentences} sentence" + (
        "s" if sentences != 1 else ""
    )


def _furniture_rule(line: str, patterns) -> FurniturePattern | None:
    return next((pattern for pattern in patterns if pattern.matches(line)), None)


def _duration(match: re.Match) -> datetime.timedelta:
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _classify(lines: list[_Line], patterns, keep: set[int]) -> list[_Line]:
    """Decide what each line is; the decisions about structure can be undone line by line."""
    content = [line for line in lines if line.text]
    out: list[_Line] = []
    started = False  # a paragraph, heading or media seen: no headline after that
    index = 0
    while index < len(content):
        line = content[index]
        rest = content[index + 1 :]
        if line.number in keep:
            out.append(line)
            started = True
            index += 1
            continue
        rule = _furniture_rule(line.text, patterns)
        if rule is not None:
            line.kind, line.data = "furniture", {"rule": rule}
            out.append(line)
            index += 1
            continue
        image = IMAGE_LINE.fullmatch(line.text)
        duration = DURATION_LINE.fullmatch(line.text)
        ordered = ORDERED_ITEM.fullmatch(line.text)
        bullet = BULLET_ITEM.fullmatch(line.text)
        marked = MARKED_HEADING.fullmatch(line.text)
        if image:
            credit = CREDIT.fullmatch(image["rest"].strip())
            caption, credit_text = (
                (credit["caption"].strip(), credit["credit"].strip())
                if credit
                else (image["rest"].strip(), "")
            )
            line.kind, line.data = "image", {"caption": caption, "credit": credit_text}
            started = True
        elif (
            duration
            and rest
            and rest[0].number not in keep
            and len(rest[0].text) <= 200
            and not DURATION_LINE.fullmatch(rest[0].text)
            and _furniture_rule(rest[0].text, patterns) is None
        ):
            line.kind = "video"
            line.data = {
                "duration": _duration(duration),
                "title": rest[0].text,
                "title_line": rest[0],
            }
            out.append(line)
            index += 2
            started = True
            continue
        elif ordered or bullet:
            line.kind = "list"
            line.data = (
                {"ordered": True, "marker": f"{ordered[1]}.", "text": ordered[2]}
                if ordered
                else {"ordered": False, "marker": "-", "text": bullet[1]}
            )
            started = True
        elif marked:
            line.kind, line.data = (
                "heading",
                {"text": marked[1], "reason": "Marked as a heading (#)"},
            )
            started = True
        elif not started and rest and (reason := _headline_like(line.text)):
            line.kind, line.data = "headline", {"reason": reason}
        elif (
            out and out[-1].kind == "headline" and rest and (reason := _standfirst_like(line.text))
        ):
            line.kind, line.data = "standfirst", {"reason": reason}
            started = True
        elif rest and (reason := _heading_like(line.text)):
            line.kind, line.data = "heading", {"text": line.text, "reason": reason}
            started = True
        else:
            started = True
        out.append(line)
        index += 1
    return out


# --- Quotation marks, sentences and who is who --------------------------------------------------


@dataclass
class _Span:
    start: int  # the opening mark
    end: int  # after the closing mark (the end of the text when it is not closed)
    inner: str
    closed: bool


def _quote_spans(text: str) -> list[_Span]:
    """Double-quoted passages: “curly” or "straight". A quote left open at the end of a
    paragraph and taken up by “ at the start of the next (joined before this runs) is one."""
    spans, index = [], 0
    while index < len(text):
        ch = text[index]
        if ch == "“" or (ch == '"' and (index == 0 or not text[index - 1].isalnum())):
            closing = "”" if ch == "“" else '"'
            found = text.find(closing, index + 1)
            if found == -1:
                spans.append(_Span(index, len(text), text[index + 1 :], False))
                return spans
            spans.append(_Span(index, found + 1, text[index + 1 : found], True))
            index = spans[-1].end
            continue
        index += 1
    return spans


def _quote_text(inner: str) -> str:
    """The words, without the marks that reopen a quote continued over paragraphs."""
    parts = [part.strip().lstrip("“").strip() for part in inner.split("\n\n")]
    return "\n\n".join(part.rstrip("”").strip() for part in parts if part)


def _mask(text: str, spans: list[_Span]) -> str:
    """The text with quoted words blanked (letters to x), so nothing said is taken for a name,
    a figure or the end of a sentence; positions are unchanged."""
    chars = list(text)
    for span in spans:
        for index in range(span.start + 1, span.end - (1 if span.closed else 0)):
            if chars[index] not in "\n":
                chars[index] = "x"
    return "".join(chars)


SENTENCE_END = re.compile(r"[.!?]+[”\"’)]*(?:\s+|$)(?=[“\"‘(]?[A-Z0-9£$€]|$)|\n\n")
ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "Prof.", "Rev.", "Gen.", "Lt.")


def _sentences(masked: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in SENTENCE_END.finditer(masked):
        before = masked[start : match.start() + 1]
        if before.endswith(ABBREVIATIONS):
            continue
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(masked):
        bounds.append((start, len(masked)))
    return bounds or [(0, len(masked))]


def _sentence_at(bounds: list[tuple[int, int]], position: int) -> tuple[int, int]:
    return next(((s, e) for s, e in bounds if s <= position < e), bounds[-1])


@dataclass
class _Someone:
    name: str
    used: str
    honorific: str = ""
    gender: str = ""
    role: str = ""
    role_why: str = ""
    role_weak: bool = False  # from an honorific (“Cllr”): a role given beside the name wins
    affiliation: str = ""
    is_org: bool = False
    key: str | None = None  # its PersonProposal, once it says something

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if len(self.name.split()) > 1 else ""


@dataclass
class _Mention:
    start: int
    end: int
    kind: str  # name, pronoun, role, org
    who: _Someone | None
    words: str
    why: str = ""
    title: str = ""  # a role written before the name: "US President"
    role: str = ""  # given beside the name: “X, a former home secretary,”
    affiliation: str = ""
    role_why: str = ""
    apposition_end: int = 0  # where “X, the club’s manager,” ends


def _role_key(phrase: str) -> str:
    """“the council’s cabinet member for housing” → “cabinet member”; “former home secretary”
    → “home secretary”: the words another mention of the role would use."""
    words = [w for w in re.split(r"\s+", phrase.lower().strip()) if w]
    if "for" in words:
        words = words[: words.index("for")]
    if "of" in words:
        words = words[: words.index("of")]
    words = [w.rstrip(",") for w in words]
    head = next(
        (
            i
            for i in range(len(words) - 1, -1, -1)
            if words[i].rstrip("s") in ROLE_NOUNS or words[i] in ROLE_NOUNS
        ),
        len(words) - 1,
    )
    key = [words[head].rstrip("s") if words[head] not in ROLE_NOUNS else words[head]]
    if head > 0:
        before = words[head - 1]
        if before not in KEY_SKIP and not before.endswith(("’s", "'s")) and before.isalpha():
            key.insert(0, before)
    return " ".join(key)


# Offices written with capitals when named on their own (“the Prime Minister”).
OFFICES = {"prime minister", "president", "chancellor", "home secretary", "foreign secretary"}


def _role_text(phrase: str) -> str:
    """A role as the text gives it, for a person's record: articles, possessors and the verb
    that introduced it (“became prime minister”) dropped."""
    phrase = re.sub(
        r"^(?:(?:the|a|an|became|become|becomes|is|was|as|been|named|appointed)\s+)+",
        "",
        phrase.strip(),
        flags=re.I,
    )
    phrase = re.sub(r"^[\w-]+(?:’s|'s)\s+", "", phrase).strip(" ,")
    if phrase.lower() in OFFICES:
        return phrase.title()
    if phrase.lower() in ("mp", "mep"):
        return phrase.upper()
    return capfirst(phrase)


class _Cast:
    """The people (and organisations) an article names, as it names them, so that “Starmer”,
    “Sir Keir”, “he” and “the prime minister” are found to be the same person."""

    def __init__(self):
        self.people: list[_Someone] = []
        self.roles: dict[str, tuple[_Someone, str]] = {}
        self.orgs: list[str] = []
        self.recent: list[_Someone] = []

    def named(self, name: str, used: str, honorific: str) -> _Someone:
        for someone in self.people:
            if someone.name == name:
                if honorific and not someone.honorific:
                    someone.honorific, someone.used = honorific, used
                return someone
        someone = _Someone(name=name, used=used, honorific=honorific)
        someone.gender = HONORIFICS.get(honorific, "")
        self.people.append(someone)
        return someone

    def short(self, token: str, *, honorific: str = "") -> _Someone | None:
        """A surname, or a first name after an honorific (“Sir Keir”): the latest person it
        names."""
        for someone in reversed(self.people):
            if someone.is_org:
                continue
            if someone.surname == token and len(someone.name.split()) > 1:
                return someone
            if honorific and someone.first_name == token:
                return someone
        return None

    def link(self, key: str, who: _Someone, phrase: str, why: str, *, weak=False) -> None:
        self.roles[key] = (who, why)
        if not who.role or (who.role_weak and not weak):
            who.role, who.role_why, who.role_weak = _role_text(phrase), why, weak

    def role(self, key: str) -> tuple[_Someone, str] | None:
        if key in self.roles:
            return self.roles[key]
        head = key.split()[-1]
        for linked in reversed(list(self.roles)):
            if linked.split()[-1] == head:
                return self.roles[linked]
        return None

    def pronoun(self, word: str) -> _Someone | None:
        gender = "m" if word.lower() == "he" else "f"
        for someone in reversed(self.recent):
            if someone.gender in ("", gender):
                return someone
        return None

    def seen(self, someone: _Someone | None, *, gender: str = "") -> None:
        if someone is None or someone.is_org:
            return
        if gender and not someone.gender:
            someone.gender = gender
        if someone in self.recent:
            self.recent.remove(someone)
        self.recent.append(someone)

    def org_named(self, word: str) -> str | None:
        """“the council” → the council the article named (“Harborough District Council”)."""
        for name in reversed(self.orgs):
            if re.search(rf"\b{re.escape(word)}\b", name, re.I):
                return name
        return None


def _split_name(tokens: list[str]) -> tuple[str, str, list[str]]:
    """(honorific, title role, name tokens) of a capitalised run such as
    ["US", "President", "Donald", "Trump"] or ["Baroness", "Jacqui", "Smith"]."""
    honorific, title = "", ""
    index = 0
    # a nationality or country before a title: US President, Ukrainian President
    if (
        len(tokens) > 2
        and (tokens[0].isupper() or tokens[0].endswith(("an", "ish", "ese", "ch")))
        and any(tuple(tokens[1 : 1 + len(t)]) == t for t in TITLES)
    ):
        index = 1
    for title_words, role in sorted(TITLES.items(), key=lambda item: -len(item[0])):
        if tuple(tokens[index : index + len(title_words)]) == title_words:
            title = role
            if title_words[0] in HONORIFICS:
                honorific = " ".join(title_words)
            index += len(title_words)
            break
    if not honorific and index < len(tokens) and tokens[index] in HONORIFICS:
        honorific = tokens[index]
        index += 1
    if not title and not honorific and len(tokens) > 2:
        # “Striker Jamal Osei”, “Local MP Karen Whitfield”: a role, perhaps after a word that
        # describes it, then the name
        role_at = next((i for i, t in enumerate(tokens[:-2]) if t.lower() in ROLE_NOUNS), None)
        if role_at is not None and role_at <= 1:
            title, index = tokens[role_at].lower(), role_at + 1
    if index == 0 and title == "" and honorific == "":
        return "", "", tokens
    return honorific, title, tokens[index:]


# --- Reading the paragraphs ---------------------------------------------------------------------


@dataclass
class _Unit:
    """A paragraph or list item, as read: where its quotes and sentences are, whom it names."""

    text: str
    lines: tuple[int, ...]
    spans: list[_Span]
    masked: str
    sentences: list[tuple[int, int]]
    mentions: list[_Mention] = field(default_factory=list)
    subject: _Someone | None = None
    carried_source: tuple[str, str] | None = None  # (source key, why) for later sentences

    def line_of(self, position: int) -> int:
        return self.lines[min(self.text[:position].count("\n\n"), len(self.lines) - 1)]


@dataclass
class _Attribution:
    mention: _Mention | None  # who the text says said it (None: words naming nobody we know)
    words: str
    why: str
    verb: str
    sentence: str  # the attribution, as written, without the quoted words
    unit: "_Unit"
    start: int  # the attribution sentence, in ``unit``
    where: str  # lead, tail, previous, same paragraph, continues


def _unit(text: str, lines) -> _Unit:
    spans = _quote_spans(text)
    masked = _mask(text, spans)
    return _Unit(text, tuple(lines), spans, masked, _sentences(masked))


class _Reader:
    """One reading of one text: the lines first (``read``), then each paragraph in order
    (``analyse``), so that whom a paragraph names is known to the paragraphs after it."""

    def __init__(self, text: str, patterns, keep: set[int], publisher: str, url: str):
        self.text = text
        self.patterns = patterns
        self.keep = keep
        self.cast = _Cast()
        self.plan = Plan(headline="", standfirst="", sections=[], publisher=publisher, url=url)
        if publisher:
            self.plan.publisher_reason = "Given with the text"
        self.counter: Counter = Counter()
        self.source_keys: dict[tuple, str] = {}
        self.previous_subject: tuple[_Someone, int] | None = None
        self.last_attributed: tuple[_Unit, _Attribution] | None = None
        self.previous_unit: _Unit | None = None

    def key(self, prefix: str) -> str:
        self.counter[prefix] += 1
        return f"{prefix}{self.counter[prefix]}"

    def leave(self, line: int, text: str, reason: str) -> None:
        self.plan.left_as_text.append(LeftAsText(line, shorten(text, 120), reason))

    # --- structure ---

    def read(self) -> Plan:
        plan = self.plan
        lines = [_Line(n, " ".join(t.split())) for n, t in enumerate(self.text.split("\n"), 1)]
        sections = [SectionPlan("", [])]
        raw: list[list[dict]] = [[]]
        for line in _classify(lines, self.patterns, self.keep):
            kind, data = line.kind, line.data
            if kind == "furniture":
                rule = data["rule"]
                plan.furniture.append(Dropped(line.number, line.text, str(rule), rule.note))
            elif kind == "headline":
                plan.headline, plan.headline_reason = line.text, data["reason"]
                plan.recognised.append(
                    Recognised("headline", (line.number,), line.text, data["reason"])
                )
            elif kind == "standfirst":
                plan.standfirst, plan.standfirst_reason = line.text, data["reason"]
                plan.recognised.append(
                    Recognised("standfirst", (line.number,), line.text, data["reason"])
                )
            elif kind == "heading":
                sections.append(SectionPlan(data["text"], [], line.number, data["reason"]))
                raw.append([])
                plan.recognised.append(
                    Recognised("heading", (line.number,), data["text"], data["reason"])
                )
            elif kind in ("image", "video"):
                raw[-1].append({"type": "media", "key": self.media(line)})
            elif kind == "list":
                last = raw[-1][-1] if raw[-1] else None
                if last and last["type"] == "list" and last["ordered"] == data["ordered"]:
                    last["items"].append((data["marker"], data["text"], line.number))
                else:
                    raw[-1].append(
                        {
                            "type": "list",
                            "ordered": data["ordered"],
                            "items": [(data["marker"], data["text"], line.number)],
                        }
                    )
            else:
                last = raw[-1][-1] if raw[-1] else None
                if (
                    last
                    and last["type"] == "para"
                    and last["lines"][-1] == line.number - 1
                    and line.number not in self.keep
                    and strip_closing(last["text"])[-1:] not in TERMINAL + ":"
                    and line.text[0].islower()
                ):
                    last["text"] += " " + line.text
                    last["lines"].append(line.number)
                    plan.recognised.append(
                        Recognised(
                            "joined",
                            (last["lines"][-2], line.number),
                            shorten(last["text"], 80),
                            "A line broken in the middle of a sentence: joined to the line before",
                        )
                    )
                else:
                    raw[-1].append({"type": "para", "text": line.text, "lines": [line.number]})
        for index, blocks in enumerate(raw):
            raw[index] = self.join_continued_quotes(blocks)
        if not any(b["type"] in ("para", "list") for blocks in raw for b in blocks):
            raise ValidationError(
                "No paragraphs were found: every line was a heading, a picture, a video or page "
                "furniture. Paste the article's text, one paragraph a line."
            )
        if len(sections) > 1 and not raw[0]:
            sections, raw = sections[1:], raw[1:]
        first = next(b for blocks in raw for b in blocks if b["type"] in ("para", "list"))
        first_text = first["text"] if first["type"] == "para" else first["items"][0][1]
        unit = _unit(first_text, [0])
        plan.first_sentence = first_text[: unit.sentences[0][1]].strip()
        self.find_publisher()
        if plan.publisher:
            plan.article_source = self.source(
                plan.publisher,
                plan.headline_or_stand_in,
                Source.Kind.NEWS,
                f"The article itself ({plan.publisher_reason})",
                url=plan.url,
                of_article=True,
            )
        for text in (plan.headline, plan.standfirst):
            if text:
                self.mentions(_unit(text, [0]))
        for section, blocks in zip(sections, raw, strict=True):
            if section.heading:
                self.mentions(_unit(section.heading, [section.heading_line]))
            for block in blocks:
                if block["type"] == "media":
                    section.blocks.append(MediaBlock(block["key"]))
                    self.previous_unit = None
                elif block["type"] == "para":
                    unit = _unit(block["text"], block["lines"])
                    section.blocks.append(Paragraph(self.analyse(unit), unit.lines))
                    self.previous_unit = unit
                else:
                    items = []
                    for marker, text, number in block["items"]:
                        unit = _unit(text, [number])
                        items.append((marker, self.analyse(unit)))
                        self.previous_unit = None
                    lines = tuple(number for _, _, number in block["items"])
                    section.blocks.append(ListBlock(block["ordered"], items, lines))
                    kind = "numbered list" if block["ordered"] else "bulleted list"
                    plan.recognised.append(
                        Recognised(
                            "list",
                            lines,
                            f"{len(items)} items",
                            f"Lines starting with {'1., 2., …' if block['ordered'] else 'a bullet'}:"
                            f" a {kind}",
                        )
                    )
        plan.sections = sections
        for someone in self.cast.people:  # roles the text gave after their first quote
            proposal = plan.get(someone.key) if someone.key else None
            if proposal is not None:
                proposal.role = proposal.role or someone.role[:200]
                proposal.affiliation = proposal.affiliation or someone.affiliation[:200]
        return plan

    def join_continued_quotes(self, blocks: list[dict]) -> list[dict]:
        """A quote left open at the end of a paragraph, and reopened with “ at the start of the
        next, continues there: one quote over both paragraphs (the seed's lines 41 and 42)."""
        out = []
        for block in blocks:
            last = out[-1] if out else None
            if (
                last
                and last["type"] == "para"
                and block["type"] == "para"
                and block["text"].startswith("“")
                and last["text"].count("“") > last["text"].count("”")
                and not set(block["lines"]) & self.keep
            ):
                spans = _quote_spans(block["text"])
                tail = block["text"][spans[0].end :] if spans and spans[0].closed else ""
                if not tail.strip(" .,;"):
                    last["text"] += "\n\n" + block["text"]
                    last["lines"] = last["lines"] + block["lines"]
                    continue
            out.append(dict(block))
        return out

    def find_publisher(self) -> None:
        """“Here, Sky News explains…”: an article that names its publisher."""
        if self.plan.publisher:
            return
        for number, line in enumerate(self.text.split("\n"), 1):
            match = SELF_NAMED.search(line)
            if match and not _quote_spans(line[: match.start()]):
                name = re.sub(r"^(?:The)\s+", "", match[1])
                self.plan.publisher = name
                self.plan.publisher_reason = f"Line {number} names it: “{match[0]}”"
                return

    def media(self, line: _Line) -> str:
        key = self.key("m")
        data = line.data
        if line.kind == "image":
            said = f"“{shorten(line.text, 60)}”"
            proposal = MediaProposal(
                key,
                Media.Kind.IMAGE,
                (line.number,),
                f"An “Image:” line: {said}, the credit after “Pic:”"
                if data["credit"]
                else f"An “Image:” line: {said}",
                caption=data["caption"][:300],
                credit=data["credit"][:120],
            )
            text = line.text
        else:
            title_line = data["title_line"]
            proposal = MediaProposal(
                key,
                Media.Kind.VIDEO,
                (line.number, title_line.number),
                f"A running time (“{line.text}”) and the line under it: a video with its title",
                title=data["title"],
                duration=data["duration"],
            )
            text = f"{line.text} {data['title']}"
        self.plan.media.append(proposal)
        self.plan.recognised.append(
            Recognised(proposal.media_kind, proposal.lines, shorten(text, 80), proposal.reason)
        )
        return key

    def source(self, publisher, title, kind, reason, *, url="", author="", of_article=False) -> str:
        index = (publisher.lower(), kind, title.lower(), url)
        if index not in self.source_keys:
            key = self.key("s")
            self.plan.sources.append(
                SourceProposal(
                    key,
                    publisher[:200],
                    title[:300],
                    kind,
                    reason,
                    url=url,
                    author=author[:200],
                    of_article=of_article,
                )
            )
            self.source_keys[index] = key
        return self.source_keys[index]

    def person(self, someone: _Someone, reason: str) -> str:
        if someone.key is None:
            someone.key = self.key("p")
            self.plan.people.append(
                PersonProposal(
                    someone.key,
                    someone.name[:200],
                    someone.used if someone.used != someone.name else "",
                    reason,
                    role=someone.role[:200],
                    affiliation=someone.affiliation[:200],
                )
            )
        return someone.key

    # --- who is named ---

    def mentions(self, unit: _Unit) -> list[_Mention]:
        """The people (names, “he”, “the prime minister”) and organisations ``unit`` names, in
        order, each resolved to someone in the cast where the text allows."""
        masked, cast = unit.masked, self.cast
        found: list[_Mention] = []
        for match in NAME_SEQ.finditer(masked):
            tokens = [(t.start() + match.start(), t.group()) for t in re.finditer(r"\S+", match[0])]
            while tokens and tokens[0][1] in CAPITAL_STOPWORDS:
                tokens = tokens[1:]
            tokens = [(p, t) for p, t in tokens if t not in ("de", "van", "von", "der")] or tokens
            if not tokens:
                continue
            start, end = tokens[0][0], match.end()
            words = masked[start:end]
            names = [t for _, t in tokens]
            honorific, title, name = _split_name(names)
            if any(t in MONTHS or t in DAYS for t in name):
                continue
            if not name:
                if title:
                    found.append(_Mention(start, end, "role", None, words, title=title))
                continue
            acronym = any(re.fullmatch(r"[A-Z]{2,}s?", t) for t in name)
            org_noun = re.match(r"\s+(" + ORG_NOUNS + r")\b", masked[end:])
            if org_noun and not honorific and not title:
                name = [*name, org_noun[1]]
                end += org_noun.end()
                words = masked[start:end]
            if (
                not honorific
                and not title
                and (any(t in ORG_WORDS for t in name) or acronym or org_noun)
            ):
                org = " ".join(name)
                if len(name) > 1 or acronym:
                    who = cast.named(org, org, "")
                    who.is_org = True
                    if org not in cast.orgs:
                        cast.orgs.append(org)
                    found.append(_Mention(start, end, "org", who, words))
                continue
            why = ""
            if len(name) > 1:
                who = cast.named(" ".join(name), " ".join([honorific, *name]).strip(), honorific)
            else:
                who = cast.short(name[0], honorific=honorific)
                if who is not None:
                    why = f"“{words}” is {who.used}, named before"
                elif honorific or title:
                    who = cast.named(words if honorific else name[0], words, honorific)
                else:
                    continue  # a single unknown word: a place, a party, a team
            found.append(_Mention(start, end, "name", who, words, why=why, title=title))
        for match in PRONOUN.finditer(masked):
            found.append(_Mention(match.start(), match.end(), "pronoun", None, match[0]))
        for match in POSSESSIVE.finditer(masked):
            found.append(_Mention(match.start(), match.end(), "possessive", None, match[0]))
        for match in ROLE_MENTION.finditer(masked):
            found.append(_Mention(match.start(), match.end(), "role", None, match[0]))
        for match in COMMON_ORG_MENTION.finditer(masked):
            name = cast.org_named(match[1])
            if name:
                who = cast.named(name, name, "")
                found.append(
                    _Mention(
                        match.start(),
                        match.end(),
                        "org",
                        who,
                        match[0],
                        why=f"“{match[0]}” is {name}, named before",
                    )
                )
        found.sort(key=lambda m: (m.start, -m.end))
        kept: list[_Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)

        skip_until = -1
        for index, mention in enumerate(kept):
            line = unit.line_of(mention.start)
            if mention.kind == "name":
                who = mention.who
                if mention.title:
                    cast.link(
                        mention.title,
                        who,
                        mention.title,
                        f"line {line}: “{mention.words}”",
                        weak=mention.words.split()[0] in HONORIFICS,
                    )
                right_before = ROLE_RIGHT_BEFORE.search(masked[: mention.start])
                if right_before and not mention.title:
                    # “Rovers manager Lena Fischer”: the role, and whose
                    org_words = right_before[1].split()
                    while org_words and org_words[0] in CAPITAL_STOPWORDS:
                        org_words = org_words[1:]
                    org = " ".join(org_words)
                    mention.role = capfirst(right_before[2])
                    mention.affiliation = (cast.org_named(org_words[-1]) or org) if org else ""
                    mention.role_why = f"line {line}: “{right_before[0].strip()} {mention.words}”"
                    cast.link(_role_key(right_before[2]), who, right_before[2], mention.role_why)
                    if mention.affiliation and not who.affiliation:
                        who.affiliation = mention.affiliation
                before = ROLE_BEFORE_NAME.search(masked[: mention.start])
                if before:
                    cast.link(
                        _role_key(before[1]),
                        who,
                        before[1],
                        f"line {line}: “{before[1]}, {mention.words}”",
                    )
                after = masked[mention.end :]
                if not after.startswith(("’s", "'s")):
                    apposition = APPOSITION.match(after)
                    if apposition:
                        self.apposition(mention, apposition[1], line)
                        skip_until = mention.end + apposition.end(1)
                        mention.apposition_end = skip_until
                cast.seen(who)
            elif mention.start < skip_until:
                mention.kind = "apposition"  # part of “X, the club’s manager,”: not someone else
            elif mention.kind == "possessive":
                # “his tenants”: says nothing new, but tells whether the last person is a he
                gender = "m" if mention.words.lower() == "his" else "f"
                cast.seen(cast.pronoun("he" if gender == "m" else "she"), gender=gender)
            elif mention.kind == "pronoun":
                mention.who = cast.pronoun(mention.words)
                if mention.who:
                    mention.why = (
                        f"“{mention.words}” (line {line}) taken to be {mention.who.used}, the "
                        "last person named before it"
                    )
                cast.seen(mention.who, gender="m" if mention.words.lower() == "he" else "f")
            elif mention.kind == "role":
                key = mention.title or _role_key(re.sub(r"^(?:the|The)\s+", "", mention.words))
                linked = cast.role(key)
                if linked:
                    mention.who = linked[0]
                    mention.why = f"“{mention.words}” is {linked[0].used} ({linked[1]})"
                elif (
                    index == 0
                    and mention.start <= 2
                    and self.previous_subject
                    and not self.previous_subject[0].role
                ):
                    someone, where = self.previous_subject
                    why = (
                        f"line {line} opens with “{mention.words}” after line {where} opens "
                        f"with {someone.used}: taken to be the same person"
                    )
                    cast.link(key, someone, re.sub(r"^(?:the|The)\s+", "", mention.words), why)
                    mention.who, mention.why = someone, why
                cast.seen(mention.who)
        first = kept[0] if kept else None
        if first and first.start <= 2 and first.who and not first.who.is_org:
            self.previous_subject = (first.who, unit.lines[0])
        else:
            self.previous_subject = None
        unit.mentions = [m for m in kept if m.kind not in ("apposition", "possessive")]
        return unit.mentions

    def apposition(self, mention: _Mention, phrase: str, line: int) -> None:
        """“X, a former home secretary,” “X, of the pollsters Deltapoll”: the role and
        organisation the text gives X there."""
        who = mention.who
        phrase = re.sub(r"^who (?:is|was)\s+", "", phrase.strip())
        does = re.match(r"who (\w+) (?:the\s+)?(" + ORG_NAME + r")$", phrase)
        if does and does[1] in WHO_VERBS:
            mention.role, mention.affiliation = WHO_VERBS[does[1]], does[2]
            mention.role_why = f"line {line}: “{mention.words}, {phrase}”"
            self.cast.link(WHO_VERBS[does[1]].lower(), who, WHO_VERBS[does[1]], mention.role_why)
            if not who.affiliation:
                who.affiliation = does[2]
            return
        if phrase.startswith("who "):
            return
        of_role = OF_THE_ROLE.fullmatch(phrase)
        of_org = OF_ORG.fullmatch(phrase)
        why = f"line {line}: “{mention.words}, {phrase}”"
        if of_role and (of_role[1] in ROLE_NOUNS or of_role[1].rstrip("s") in ROLE_NOUNS):
            noun = of_role[1].rstrip("s") if of_role[1] not in ROLE_NOUNS else of_role[1]
            mention.role, mention.affiliation = capfirst(noun), of_role[2]
            self.cast.link(noun, who, noun, why)
        elif of_org:
            mention.role, mention.affiliation = "", of_org[1]
        elif re.search(rf"\b{ROLE}\b", phrase, re.I) and re.match(r"(?:the|a|an)\b", phrase, re.I):
            mention.role = _role_text(phrase)
            possessor = re.match(r"(?:the|a|an)\s+([\w-]+)(?:’s|'s)\s", phrase, re.I)
            if possessor:
                mention.affiliation = self.cast.org_named(possessor[1]) or ""
            self.cast.link(_role_key(phrase), who, phrase, why)
        else:
            return
        mention.role_why = why
        if mention.affiliation and not who.affiliation:
            who.affiliation = mention.affiliation
        if mention.role and not who.role:
            who.role, who.role_why = mention.role, why

    # --- quotes ---

    def analyse(self, unit: _Unit) -> list[Piece]:
        """Read one paragraph (or list item): who it names, its quotes, its figures; return it
        as pieces, each proposal's words marked with its key."""
        self.mentions(unit)
        marked: list[tuple[int, int, str]] = []  # (start, end, key)
        for span in unit.spans:
            found = self.quote(unit, span)
            if found:
                marked.append(found)
        for found in self.figures(unit):
            marked.append(found)
        marked.sort()
        pieces, at = [], 0
        for start, end, key in marked:
            if start < at:
                continue
            if start > at:
                pieces.append(Piece(unit.text[at:start]))
            pieces.append(Piece(unit.text[start:end], key))
            at = end
        if at < len(unit.text):
            pieces.append(Piece(unit.text[at:]))
        return pieces

    def quote(self, unit: _Unit, span: _Span) -> tuple[int, int, str] | None:
        text, masked = unit.text, unit.masked
        words = _quote_text(span.inner)
        line = unit.line_of(span.start)
        original = text[span.start : span.end]
        if not words:
            return None
        sentence_start, sentence_end = _sentence_at(unit.sentences, span.start)
        lead = masked[sentence_start : span.start]
        before = re.search(r"([\w’'-]+)\s*$", lead)
        if len(words.split()) <= 1 or (before and before[1].lower() in TERM_BEFORE):
            after = f" (after “{before[1]}”)" if before and len(words.split()) > 1 else ""
            self.leave(line, original, f"A name or term in quotation marks{after}, not speech")
            return None
        trailing = ""
        if words.endswith(","):
            words, trailing = words[:-1].rstrip(), ","
        whole = words[:1].isupper() or words[:1].isdigit() or words[:1] in "‘'"
        attribution = self.attribution(unit, span, sentence_start, sentence_end, whole=whole)
        if attribution is None and not whole:
            self.leave(line, original, "Quoted words the text does not say anyone said")
            return None
        rest = text[span.end :].strip(" .,;:")
        lead_text = text[: span.start].rstrip()
        card = (
            whole
            and not rest
            and (attribution is None or attribution.where != "tail")
            and (not lead_text or lead_text.endswith((":", ",")) or attribution is not None)
        )
        key = self.key("q")
        proposal = QuoteProposal(
            key,
            words,
            "quote" if card else "said",
            is_partial=not whole,
            original=original + (text[span.end :] if card else ""),
            line=line,
            reason=self.quote_reason(card, whole, span, unit, lead_text),
            trailing=trailing,
        )
        if attribution is not None:
            self.attribute(proposal, attribution)
        else:
            proposal.reason += "; no one is named as saying it: name the speaker, or leave it"
        if proposal.source is None and self.plan.article_source:
            proposal.source = self.plan.article_source
        self.plan.quotes.append(proposal)
        if attribution is not None and attribution.mention and attribution.mention.who:
            self.last_attributed = (unit, attribution)
        return (span.start, len(text) if card else span.end, key)

    @staticmethod
    def quote_reason(card: bool, whole: bool, span: _Span, unit: _Unit, lead: str) -> str:
        lines = unit.lines if "\n\n" in span.inner else ()
        over = f", over lines {lines[0]}–{lines[-1]}" if len(lines) > 1 else ""
        if card:
            intro = f"after “{shorten(lead[-40:], 40)}”" if lead else "as a paragraph of its own"
            return f"A whole quote in quotation marks {intro}, ending the paragraph{over}: a quote card"
        if whole:
            return "A whole sentence in quotation marks with more text after it: words inside the paragraph"
        return "Words quoted inside a sentence: a part of what was said"

    def attribution(
        self, unit, span, sentence_start, sentence_end, *, whole
    ) -> "_Attribution | None":
        """Who the text says said the words in ``span``, and how it says so: “X said:”, “said
        X”, “”, X said”, the paragraph before ending “X said:”, or a quote continued."""
        masked = unit.masked
        verbs = list(VERB.finditer(masked, sentence_start, span.start))
        if verbs:
            verb = verbs[-1]
            found = self.subject(unit, sentence_start, verb.start(), verb.end(), span.start)
            return self.said_by(found, verb[0], unit, sentence_start, sentence_end, span, "lead")
        tail = masked[span.end : min(sentence_end, span.end + 80)]
        verb = VERB.search(tail)
        if verb and len(tail[: verb.start()].split()) <= 4 and tail[:1] in ",. ":
            at = span.end + verb.start()
            found = self.subject(unit, span.end, at, at + len(verb[0]), sentence_end)
            return self.said_by(found, verb[0], unit, sentence_start, sentence_end, span, "tail")
        if not whole:
            return None
        opening = not unit.text[: span.start].strip()
        previous = self.previous_unit
        if opening and previous is not None and previous.text.rstrip().endswith(":"):
            start, end = previous.sentences[-1]
            verbs = list(VERB.finditer(previous.masked, start, end))
            if verbs:
                verb = verbs[-1]
                found = self.subject(previous, start, verb.start(), verb.end(), end)
                said = self.said_by(found, verb[0], previous, start, end, None, "previous")
                return said
        last = self.last_attributed
        if last and (last[0] is unit or (opening and last[0] is previous)):
            before = last[1]
            where = "same paragraph" if last[0] is unit else "continues"
            why = (
                f"in the same paragraph as words of {before.mention.who.used}"
                if where == "same paragraph"
                else f"a paragraph of quoted words after {before.mention.who.used}’s"
            )
            return _Attribution(
                before.mention,
                before.words,
                why,
                before.verb,
                before.sentence,
                before.unit,
                before.start,
                where,
            )
        return None

    def subject(self, unit: _Unit, start: int, verb_start: int, verb_end: int, limit: int):
        """The mention that says the words. Before a participle (“…, insisting”) it is the
        last person named earlier in the sentence; before a verb such as “said”, a person
        named close before it (“X, a former minister, said”, “in which he warned”), not one in
        another clause (“the council approved the plan, which residents called”); failing
        that, the first named just after the verb (“said Cllr Patel”)."""
        masked = unit.masked
        participle = masked[verb_start:verb_end].endswith("ing")

        def close(mention) -> bool:
            between = masked[max(mention.end, mention.apposition_end) : verb_start]
            words = re.findall(r"[\w’'-]+", between.lower())
            return participle or (
                len(words) <= 8 and not {"which", "who", "that", "whom", "whose"} & set(words)
            )

        before = [m for m in unit.mentions if start <= m.start and m.end <= verb_start and close(m)]
        people = [m for m in before if m.kind != "org"]
        if people or before:
            return (people or before)[-1]
        after = [m for m in unit.mentions if verb_end <= m.start < min(limit, verb_end + 60)]
        return after[0] if after else None

    def said_by(self, mention, verb, unit, start, end, span, where) -> _Attribution:
        text = unit.text
        if span is not None:
            sentence = (text[start : span.start] + "…" + text[span.end : end]).strip()
        else:
            sentence = text[start:end].strip()
        if mention is None:
            return _Attribution(
                None, "", f"“{verb}” names no one", verb, sentence, unit, start, where
            )
        if mention.who is None:
            why = f"“{mention.words}” could not be told apart from others named before"
        else:
            why = mention.why or f"“{mention.words} … {verb}”"
        return _Attribution(mention, mention.words, why, verb, sentence, unit, start, where)

    def attribute(self, proposal: QuoteProposal, attribution: _Attribution) -> None:
        """Speaker, role, date, medium, context and source, as the attribution gives them."""
        mention = attribution.mention
        unit = attribution.unit
        sentence = attribution.sentence
        lead = sentence.split("…")[0] if "…" in sentence else sentence
        proposal.speaker_words = attribution.words
        if proposal.block == "quote" or attribution.where == "previous":
            sentence = lead
        proposal.context = shorten(sentence.strip().rstrip(" :,…"), 200)
        who = mention.who if mention else None
        if who is not None:
            proposal.speaker = self.person(who, f"Said the words in line {proposal.line}")
            proposal.reason += f"; said by {who.used}: {attribution.why}"
        else:
            proposal.reason += f"; the speaker is not clear: {attribution.why}"
        line = unit.line_of(attribution.start)
        as_role = AS_ROLE.search(lead)
        if mention and mention.role:
            proposal.role, proposal.role_reason = (
                mention.role,
                f"given beside the name ({mention.role_why})",
            )
        elif as_role:
            proposal.role = capfirst(as_role[1])
            proposal.role_reason = f"line {line}: “as {as_role[1]}”"
        elif mention and mention.title:
            proposal.role = _role_text(mention.title)
            proposal.role_reason = f"line {line}: “{mention.words}”"
        elif mention and mention.kind == "role":
            proposal.role = _role_text(mention.words)
            proposal.role_reason = f"line {line}: “{mention.words}”"
        elif who is not None and who.role:
            proposal.role, proposal.role_reason = (
                who.role,
                f"as the text names them elsewhere ({who.role_why})",
            )
        when = DAY_SAID.search(lead) or MONTH_SAID.search(lead) or YEAR_SAID.search(lead)
        if when:
            if when.re is DAY_SAID:
                month = MONTHS.index(when[2]) + 1
                day, precision = datetime.date(int(when[3]), month, int(when[1])), DatePrecision.DAY
            elif when.re is MONTH_SAID:
                month = MONTHS.index(when[1]) + 1
                day, precision = datetime.date(int(when[2]), month, 1), DatePrecision.MONTH
            else:
                day, precision = datetime.date(int(when[1]), 1, 1), DatePrecision.YEAR
            proposal.said_on, proposal.said_on_precision = day, precision
            proposal.date_words = f"line {line}: “{when[0]}”"
        elif vague := VAGUE_WHEN.search(sentence):
            proposal.date_words = f"the text says only “{vague[0]}”"
        self.medium_and_source(proposal, sentence, who)

    def medium_and_source(self, proposal: QuoteProposal, sentence: str, who) -> None:
        platform = re.search(
            rf"\b(?:wrote|posted|tweeted|said|put it)\b[^.]*?\bon ({PLATFORMS})\b", sentence
        )
        told = re.search(r"\btold\s+(?:the\s+)?(" + ORG_NAME + r")", sentence)
        name = who.name if who else ""
        if platform:
            proposal.medium = Medium.POST
            proposal.source = self.source(
                platform[1],
                f"{name}’s post on {platform[1]}" if name else f"A post on {platform[1]}",
                Source.Kind.SOCIAL_POST,
                f"Line {proposal.line}: “{platform[0]}”",
                author=name,
            )
        elif re.search(r"\btweeted\b|\bin a (?:post|tweet)\b", sentence):
            proposal.medium = Medium.POST
        elif re.search(r"\bspeech\b", sentence):
            proposal.medium = Medium.SPEECH
        elif re.search(
            r"\b(?:told MPs|in the Commons|in Parliament|told the Commons|told peers)\b", sentence
        ):
            proposal.medium = Medium.PARLIAMENT
        elif re.search(r"\bin a statement\b|\bstatement\b", sentence):
            proposal.medium = Medium.STATEMENT
        elif re.search(r"\binterview\b", sentence):
            proposal.medium = Medium.INTERVIEW
        if told and not platform:
            outlet = re.sub(r"^The\s+", "", told[1])
            person = self.cast.short(outlet.split()[-1]) or next(
                (p for p in self.cast.people if p.name == outlet and not p.is_org), None
            )
            if (
                person is None
                and outlet not in ("MPs", "Parliament")
                and outlet.split()[0] not in CAPITAL_STOPWORDS
            ):
                proposal.medium = proposal.medium or Medium.INTERVIEW
                proposal.source = self.source(
                    outlet,
                    f"{name}’s interview with {outlet}" if name else f"Interview with {outlet}",
                    Source.Kind.BROADCAST,
                    f"Line {proposal.line}: “{told[0]}”",
                    author=name,
                )

    # --- figures ---

    def figures(self, unit: _Unit) -> list[tuple[int, int, str]]:
        """Numbers with a unit or a noun (“50,271 people”, “£1.6bn”, “58%”, “431,000”), each
        with the qualifier before it and the source its sentence names. Years, dates, times,
        scores, ages and numbers that are part of a name are left as they are."""
        text, masked = unit.text, unit.masked
        found = []
        for match in FIGURE.finditer(masked):
            start, end = match.span()
            number, prefix = match["number"], match["prefix"] or ""
            scale, percent = (match["scale"] or "").strip(), bool(match["percent"])
            plain = not (prefix or scale or percent)
            line = unit.line_of(start)
            after, before = masked[end:], masked[:start]
            next_word = re.match(r"\s+([\w’'-]+)", after)
            previous = re.search(r"([\w’'-]+)\s*$", before)
            sentence_start, sentence_end = _sentence_at(unit.sentences, start)
            if plain and re.fullmatch(r"(?:18|19|20)\d\d", number):
                continue  # a year
            if plain and (
                (next_word and next_word[1] in MONTHS) or (previous and previous[1] in MONTHS)
            ):
                continue  # a date
            if next_word and next_word[1].lower() in ("am", "pm", "gmt", "bst"):
                continue  # a time
            if (
                plain
                and previous
                and previous[1][:1].isupper()
                and previous[1] not in CAPITAL_STOPWORDS
                and previous.start() > sentence_start
            ):
                self.leave(line, f"{previous[1]} {number}", "A number that is part of a name")
                continue
            try:
                value = parse_figure(number + scale, scaled=True)
            except ValueError:
                continue
            fillers, noun_phrase = _noun_phrase(after)
            if noun_phrase and noun_phrase[-1].lower() in TIME_NOUNS:
                self.leave(
                    line,
                    f"{match[0]} {' '.join(noun_phrase)}",
                    "A length of time, not a figure to keep up to date",
                )
                continue
            ratio = re.match(r"\s+in\s+(?!(?:18|19|20)\d\d\b)\d", after) or re.search(
                r"\b\d+\s+in\s+$", before
            )
            if plain and ratio:
                self.leave(
                    line, match[0], "Part of a ratio (“1 in 10”): write it as a statistic by hand"
                )
                continue
            if plain and not noun_phrase and value < 1000:
                self.leave(line, match[0], "A number with no unit or noun after it")
                continue
            qualifier = QUALIFIER_BEFORE.search(masked, sentence_start, start)
            qualifier_text = " ".join(qualifier[1].lower().split()) if qualifier else ""
            key = self.key("f")
            written = text[start:end].strip()
            clause = re.split(r"[,;:–—]|\d", after[: sentence_end - end], maxsplit=1)[0]
            period = re.search(r"\bin\s+((?:19|20)\d\d)\b(?!\s*[-–/])", after[: len(clause) + 8])
            if period and period.start() > len(clause):
                period = None
            proposal = FigureProposal(
                key,
                written,
                value,
                _figure_label(
                    text,
                    masked,
                    sentence_start,
                    qualifier.start() if qualifier else start,
                    end,
                    sentence_end,
                    fillers,
                    noun_phrase,
                ),
                line,
                shorten(text[sentence_start:sentence_end].strip(), 300),
                self.figure_reason(written, qualifier_text, noun_phrase, prefix, scale, percent),
                qualifier=qualifier_text,
                unit="" if (prefix or percent) or not noun_phrase else noun_phrase[-1].lower(),
                prefix=prefix,
                display=Statistic.Display.PERCENT
                if percent
                else (Statistic.Display.COMPACT if scale else Statistic.Display.FULL),
            )
            if period:
                year = int(period[1])
                proposal.period_start = datetime.date(year, 1, 1)
                proposal.period_end = datetime.date(year, 12, 31)
                proposal.period_words = f"line {line}: “{period[0].strip()}”"
            if proposal.label.lower() in ("up", "down", "up from", "down from", "figure") and found:
                proposal.label = self.plan.figures[-1].label  # “…, up from 1,650 in 2021”
            self.figure_source(unit, proposal, sentence_start, start)
            self.plan.figures.append(proposal)
            found.append((start, end, key))
        return found

    @staticmethod
    def figure_reason(written, qualifier, noun_phrase, prefix, scale, percent) -> str:
        if prefix:
            what = f"an amount of money ({written})"
        elif percent:
            what = f"a percentage ({written})"
        elif noun_phrase:
            what = f"a number with a noun (“{written} {' '.join(noun_phrase)}”)"
        elif scale:
            what = f"a number with its scale ({written})"
        else:
            what = f"a number in the thousands ({written})"
        said = f", written “{qualifier} {written}”" if qualifier else ""
        return f"{capfirst(what)}{said}"

    def figure_source(self, unit: _Unit, proposal: FigureProposal, sentence_start, start) -> None:
        """The source the sentence names before the figure (“Home Office data shows …”), or
        anywhere in it with “according to”; else one named earlier in the paragraph; else the
        article. An organisation named only as “the council” is the council the text named."""
        sentence_end = _sentence_at(unit.sentences, start)[1]
        before = unit.masked[sentence_start:start]
        whole = unit.masked[sentence_start:sentence_end]
        best = None
        for index, (pattern, kind_of) in enumerate(SOURCE_PATTERNS):
            for match in pattern.finditer(whole if index == 0 else before):
                name = self.publisher_named(match)
                if name and (best is None or match.end() > best[0].end()):
                    best = (match, kind_of, name)
        if best is not None:
            match, kind_of, name = best
            noun = (match.groupdict().get("noun") or "").lower()
            title = f"{name} {noun}" if noun else f"{name} statement"
            why = f"line {proposal.line}: “{shorten(match[0].strip(), 80)}”"
            key = self.source(name, title, kind_of(name, noun), f"Named by the text, {why}")
            proposal.source, proposal.source_reason = key, f"named by the sentence, {why}"
            unit.carried_source = (key, f"named earlier in the paragraph, {why}")
            return
        if unit.carried_source:
            proposal.source, proposal.source_reason = unit.carried_source
        elif self.plan.article_source:
            proposal.source = self.plan.article_source
            proposal.source_reason = "the text names no source for it: the article itself"

    def publisher_named(self, match: re.Match) -> str | None:
        """Who a source pattern found (“Eastmere Ferries said”, “according to the ONS”), as
        the text names them elsewhere; None for a bare word the text names no organisation
        for (“the league’s statistics”) or a sentence opener."""
        groups = match.groupdict()
        if groups.get("common"):
            return self.cast.org_named(groups["common"])
        name = re.sub(r"^(?:The|the)\s+", "", groups.get("org") or "").strip()
        if not name or name.split()[0] in CAPITAL_STOPWORDS:
            return None
        if re.fullmatch(COMMON_ORGS, name, re.I):  # “Council figures show”
            return self.cast.org_named(name)
        if len(name.split()) == 1 and name not in self.cast.orgs and not name.isupper():
            known = any(name in org.split() for org in self.cast.orgs)
            if known:
                return next(org for org in reversed(self.cast.orgs) if name in org.split())
        return name


def _source_kind(name: str, noun: str) -> str:
    if noun in ("poll", "survey"):
        return Source.Kind.POLL
    if noun in ("report", "study", "analysis", "research"):
        return Source.Kind.REPORT
    if noun in ("data", "figures", "statistics", "numbers", "estimates", "census"):
        return Source.Kind.OFFICIAL_STATISTICS if PUBLIC_BODY.search(name) else Source.Kind.DATASET
    if noun:
        return Source.Kind.REPORT
    return Source.Kind.STATEMENT


ORG = r"(?P<org>" + ORG_NAME + r")"
NOUN = r"(?P<noun>(?i:" + SOURCE_NOUNS + r"))"
STATEMENT = lambda name, noun: Source.Kind.STATEMENT  # noqa: E731
SOURCE_PATTERNS = [
    (
        re.compile(
            r"\b[Aa]ccording to\s+(?:the\s+)?(?:(?P<common>" + COMMON_ORGS + r")|" + ORG + r")"
            r"(?:’s|'s)?(?:\s+(?:[a-z]+\s+){0,2}" + NOUN + r")?"
        ),
        _source_kind,
    ),
    (
        re.compile(NOUN + r"\s+(?:from|by|published by|released by)\s+(?:the\s+)?" + ORG),
        _source_kind,
    ),
    (
        re.compile(
            r"(?:\bthe\s+)?" + ORG + r"(?:’s|'s)?\s+" + NOUN + r"\s+(?:show|shows|showed|"
            r"suggest|suggests|suggested|reveal|reveals|revealed|found|finds|put|puts|estimate|"
            r"estimates|indicate|indicates|say|says)\b"
        ),
        _source_kind,
    ),
    (
        re.compile(
            r"\b(?:a|an|A|An)\s+" + ORG + r"\s+(?P<noun>poll|survey|report|study|analysis|census)\b"
        ),
        _source_kind,
    ),
    (
        re.compile(
            r"(?:\bthe\s+)?"
            + ORG
            + r",?\s+(?:said|says|estimates|estimated|reported|reports|counted|"
            r"recorded|announced|confirmed)\b"
        ),
        STATEMENT,
    ),
    (
        re.compile(
            r"\b[Tt]he\s+(?P<common>"
            + COMMON_ORGS
            + r")(?:’s|'s)?(?:\s+"
            + NOUN
            + r")?\s+(?:said|says|show|shows|showed|estimates|estimated|reported|counted|"
            r"recorded|announced|confirmed)\b"
        ),
        _source_kind,
    ),
]


def _noun_phrase(after: str) -> tuple[list[str], list[str]]:
    """The words a figure counts: “5,000 more air defence missiles” → (["more"], ["air",
    "defence", "missiles"]); stops at a verb, a preposition or punctuation."""
    fillers, words = [], []
    for token in re.findall(r"[A-Za-z][\w’'-]*|[^\sA-Za-z]", after[:120]):
        low = token.lower()
        if not token[0].isalpha() or not token.islower():
            break
        if not words and low in NP_FILLERS:
            fillers.append(token)
            continue
        if low in NP_STOP or (low.endswith("ed") and len(low) > 4):
            break
        if low.endswith("ing") and low not in ING_NOUNS:
            break
        words.append(token)
        if len(words) == 4 or _plural(low):
            break  # a number counts a plural: “5,000 air defence missiles”, “1,800 people use”
    return fillers, words


IRREGULAR_PLURALS = {"people", "children", "men", "women", "police", "staff", "cattle", "sheep"}


def _plural(word: str) -> bool:
    return word in IRREGULAR_PLURALS or (
        word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3
    )


LABEL_STOP = {
    "after", "which", "while", "but", "although", "because", "to", "who", "whereas", "compared",
    "and", "before", "once",
}  # fmt: skip
LINKING_AT_END = re.compile(
    r"\s*\b(?:was|were|is|are|has been|have been|had been|stood|stands|rose|fell|reached|hit|"
    r"totalled|totals|came to|amounted to|increased|decreased|dropped|grew|climbed)\b"
    r"(?:\s+(?:down|up|at|to|by|of|around|about|just|only|still))*\s*$"
)
TRAILING_WORDS = {
    "the", "a", "an", "of", "in", "on", "to", "and", "for", "with", "at", "by", "than", "as",
    "from", "was", "were", "is", "are", "be",
}  # fmt: skip


def _clause_words(text: str, limit: int = 12) -> list[str]:
    words = []
    for word in text.split():
        bare = word.strip(",;:()–—").lower()
        if word[:1] in '“"(' or bare in LABEL_STOP or not bare:
            break
        words.append(word.rstrip(",;:.–—)"))
        if word.endswith((",", ";", ":", ".", ")")) or len(words) == limit:
            break
    while words and words[-1].lower() in TRAILING_WORDS:
        words.pop()
    return words


def _figure_label(
    text, masked, sentence_start, start, end, sentence_end, fillers, noun_phrase
) -> str:
    """What a figure counts, from its own sentence, for the editor to check and shorten:
    “Air defence missiles”, “Net migration”, “Migrants arrived on Monday”, “Crowd”."""
    after = text[end:sentence_end]
    for filler in fillers:
        after = after.replace(filler, "", 1)
    before = re.split(r"[,;:–—(]|\band\b|\bbut\b|\bthat\b", text[sentence_start:start])[-1]
    # “A landlord who rented out a flat … has been fined”: the subject, without its clause
    before = re.sub(r"\bwho\b.*?\b(has|have|had|was|were|is|are|will)\b", r"\1", before)
    before = LINKING_AT_END.sub("", before).strip()
    words = before.split()
    if words[:1] and words[0] in ("This", "That", "It", "These", "Those", "which"):
        words = LINKING_AT_END.sub("", " " + " ".join(words[1:])).split()
    rest = _clause_words(after)
    if words and words[-1] == "of" and not noun_phrase:  # “a crowd of 18,412”
        label = [w for w in words[:-1] if w.lower() not in ("a", "an", "the")]
    elif noun_phrase and noun_phrase[-1].lower() in COUNTING_WORDS and words:
        label = [rest[0], *words, *rest[1:]] if rest else words
    elif noun_phrase:
        label = rest
    elif rest[:1] == ["of"] and text[start:end].endswith(("%", "cent")):
        label = ["Share", *rest]
    elif rest[:1] == ["of"]:
        label = rest[1:]
    else:
        while words and words[-1].lower() in TRAILING_WORDS:
            words.pop()
        label = [*words[-6:], *rest]
    label = [w for i, w in enumerate(label) if i == 0 or w.lower() != label[i - 1].lower()]
    return capfirst(" ".join(label[:10])[:200].strip() or "Figure")


def read_article(
    text: str,
    *,
    patterns=None,
    keep_as_text=(),
    publisher: str = "",
    url: str = "",
    match: bool = True,
) -> Plan:
    """Read ``text`` into a Plan (raises ValidationError for text that cannot be imported).

    ``patterns``: the furniture patterns (the active ones in the database if not given);
    ``keep_as_text``: line numbers whose recognised structure the editor undid; ``publisher``
    and ``url``: where the article comes from, when the editor knows; ``match``: look up
    existing records (a fixed number of queries, see ``find_matches``).
    """
    started = time.perf_counter()
    text = clean_text(text)
    if patterns is None:
        patterns = list(FurniturePattern.objects.filter(active=True))
    plan = _Reader(text, patterns, set(keep_as_text), publisher.strip(), url.strip()).read()
    if match:
        find_matches(plan)
    plan.seconds = time.perf_counter() - started
    return plan
