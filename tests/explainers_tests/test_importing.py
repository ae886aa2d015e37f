"""Importing an article's text as a draft: the structure recognised, quotes and figures proposed
as facts (never invented), existing records matched, the seed's two articles against the demo
stories, three texts of our own on other subjects, the command, the admin's review screen, and
the limits (size, encoding, atomicity, query budget)."""

import importlib
import io
import time
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Person, PersonRole, Quote, Source, Statistic, StatisticValue
from explainers import importing, publishing
from explainers.blocks import compile_body
from explainers.models import Explainer, FurniturePattern, Media, Section, SectionBlock
from explainers.seeding import load_stories

pytestmark = pytest.mark.django_db

TEXTS = Path(__file__).parent / "import_texts"
SEED = importing.SEED_FILE.read_text(encoding="utf-8").split("\n")
UKRAINE = "\n".join(SEED[:26])
MIGRATION = "\n".join(SEED[26:])
# Three texts of our own, and one held out while the rules were written (see hospital.toml).
OWN_TEXTS = ["council", "court", "sports", "hospital"]
IMPORT_URL = "admin:explainers_explainer_import"
WRITTEN = [Person, PersonRole, Source, Quote, Statistic, StatisticValue, Media, Explainer, Section]


@pytest.fixture(autouse=True)
def furniture_patterns():
    """A transactional test that ran before may have flushed the data migration's rows."""
    if not FurniturePattern.objects.exists():
        migration = importlib.import_module("explainers.migrations.0015_default_furniture_patterns")
        migration.add_defaults(apps, None)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def own(name: str) -> tuple[str, dict]:
    text = (TEXTS / f"{name}.txt").read_text(encoding="utf-8")
    expected = tomllib.loads((TEXTS / f"{name}.toml").read_text(encoding="utf-8"))
    return text, expected


def read_own(name: str) -> tuple[importing.Plan, dict]:
    text, expected = own(name)
    return importing.read_article(text, publisher=expected["publisher"]), expected


# --- Scoring a plan against what an editor expects -------------------------------------------------


def _source_of(plan, proposal) -> str:
    return plan.get(proposal.source).publisher if proposal.source else ""


def score(plan: importing.Plan, expected: dict) -> dict:
    """Proposals found (the expected words or value are proposed), correct (with the expected
    speaker, role and kind of block; qualifier, unit, prefix, period and source) and wrong
    (found but not correct, each with what differs, or proposed and not expected)."""
    result = {"expected": 0, "found": 0, "correct": 0, "wrong": []}
    quotes = list(plan.quotes)
    for want in expected.get("quotes", []):
        result["expected"] += 1
        got = next((q for q in quotes if q.text == want["text"]), None)
        if got is None:
            result["wrong"].append(f"quote not found: {want['text'][:50]}")
            continue
        quotes.remove(got)
        result["found"] += 1
        speaker = plan.get(got.speaker).name if got.speaker else ""
        have = {"speaker": speaker, "role": got.role, "block": got.block}
        differs = {k: (v, want[k]) for k, v in have.items() if want.get(k, v) != v}
        if differs:
            result["wrong"].append(f"quote “{got.text[:40]}”: {differs}")
        else:
            result["correct"] += 1
    figures = list(plan.figures)
    for want in expected.get("figures", []):
        result["expected"] += 1
        got = next((f for f in figures if f.value == Decimal(want["value"])), None)
        if got is None:
            result["wrong"].append(f"figure not found: {want['value']}")
            continue
        figures.remove(got)
        result["found"] += 1
        unit = "%" if got.display == Statistic.Display.PERCENT else got.unit
        have = {
            "qualifier": got.qualifier,
            "unit": unit,
            "prefix": got.prefix,
            "source": _source_of(plan, got),
            "period": got.period_start.year if got.period_start else None,
        }
        wanted = {
            "qualifier": want.get("qualifier", ""),
            "unit": want.get("unit", ""),
            "prefix": want.get("prefix", ""),
            "source": want["source"],
            "period": want.get("period"),
        }
        differs = {k: (have[k], wanted[k]) for k in have if have[k] != wanted[k]}
        if differs:
            result["wrong"].append(f"figure {got.written}: {differs}")
        else:
            result["correct"] += 1
    result["wrong"] += [f"quote not expected: {q.text[:40]}" for q in quotes]
    result["wrong"] += [f"figure not expected: {f.shown}" for f in figures]
    return result


# --- The seed's two articles against the demo stories ----------------------------------------------


@pytest.fixture(scope="module")
def round_trip(django_db_blocker):
    with django_db_blocker.unblock():
        patterns = [
            FurniturePattern(kind=kind, pattern=pattern, note=note)
            for kind, pattern, note in importlib.import_module(
                "explainers.migrations.0015_default_furniture_patterns"
            ).DEFAULT_PATTERNS
        ]
    results = importing.seed_round_trip(patterns=patterns)
    print("\n" + "\n".join(result.report() for result in results))
    return results


def test_the_seed_round_trip_finds_every_section_list_picture_video_and_furniture_line(
    round_trip,
):
    for story in round_trip:
        for tally in (story.sections, story.lists, story.media, story.furniture):
            assert tally.found == tally.right == tally.expected, story.report()
    ukraine, migration = round_trip
    assert (ukraine.sections.expected, ukraine.lists.expected, ukraine.media.expected) == (3, 1, 3)
    assert (ukraine.furniture.expected, migration.furniture.expected) == (1, 1)


def test_the_seed_round_trip_finds_nine_in_ten_quotes_and_figures_with_speaker_and_value(
    round_trip,
):
    for story in round_trip:
        assert story.quotes.expected and story.figures.expected
        assert story.facts_found_right >= 0.9, story.report()
    everything = sum(s.quotes.expected + s.figures.expected for s in round_trip)
    right = sum(s.quotes.right + s.figures.right for s in round_trip)
    assert everything == 17 and right / everything >= 0.9
    # and nothing proposed that the demo stories lack but the milestone the analysis opens with
    assert [story.extra for story in round_trip] == [
        [],
        ["figure 50,000 (line 27): Migrants crossing the Channel since he became prime minister"],
    ]


def test_the_seed_round_trip_invents_no_date_source_or_role(round_trip):
    assert [story.invented for story in round_trip] == [[], []]


def test_the_analysis_headings_the_desk_wrote_are_not_expected_of_the_text(round_trip):
    migration = round_trip[1]
    assert migration.sections.expected == 1  # the opening section: the text has no headings
    assert len([note for note in migration.notes if "written by the desk" in note]) == 4


def test_seed_quotes_have_the_roles_dates_and_media_the_text_gives():
    plan = importing.read_article(MIGRATION, publisher="Sky News")
    by_text = {quote.text[:20]: quote for quote in plan.quotes}
    welcome = by_text["We welcome migrants,"]
    assert (welcome.said_on.year, welcome.said_on_precision, welcome.role) == (
        2020,
        "year",
        "Labour leader",
    )
    smith = by_text["I don’t think it was"]
    assert smith.block == "quote" and "\n\n" in smith.text  # one quote over two paragraphs
    assert (smith.role, smith.said_on) == ("Former home secretary", None)
    assert "this morning" in smith.date_words  # shown as what the text says instead of a date
    twyman = plan.get(by_text["You cannot simply ou"].speaker)
    assert (twyman.role, twyman.affiliation) == ("Pollster", "Deltapoll")
    post = by_text["If you come to this "]
    assert post.medium == "post" and plan.get(post.source).publisher == "X"


def test_seed_figures_carry_the_source_their_sentence_names_or_the_article():
    plan = importing.read_article(MIGRATION, publisher="Sky News")
    sources = {f.written: plan.get(f.source).publisher for f in plan.figures}
    assert sources["50,271"] == sources["474"] == sources["13,000"] == "Home Office"
    assert sources["431,000"] == "Sky News"  # the OECD is named, but not as its source
    net = next(f for f in plan.figures if f.written == "431,000")
    assert (net.period_start.isoformat(), net.period_end.isoformat()) == (
        "2024-01-01",
        "2024-12-31",
    )


def test_the_ukraine_explainer_names_its_own_publisher():
    plan = importing.read_article(UKRAINE)
    assert plan.publisher == "Sky News" and "Line 6" in plan.publisher_reason


# --- The draft, created ----------------------------------------------------------------------------


def test_importing_the_seed_creates_drafts_whose_blocks_are_all_placed(editor):
    for text, kind in ((UKRAINE, "explainer"), (MIGRATION, "analysis")):
        plan = importing.read_article(text, publisher="Sky News")
        result = importing.create_draft(plan, by=editor, kind=kind)
        story = result.explainer
        assert story.status == Explainer.Status.DRAFT and not story.published_at
        assert story.kind == kind and story.original_publisher == "Sky News"
        for section in story.sections.all():
            compile_body(section.body)  # every token refers to a usable block
        placed = SectionBlock.objects.filter(section__explainer=story)
        assert placed.filter(kind="value").count() == len(plan.figures)
        assert placed.filter(kind__in=["quote", "said"]).count() == len(plan.quotes)
        assert placed.filter(kind="media").count() == len(plan.media)
        assert story.revisions.count() == 1  # saved as the admin saves a story
    assert [s.heading for s in Explainer.objects.get(kind="explainer").sections.all()] == [
        "",
        "What is Sir Keir Starmer’s four-point plan?",
        "What is the ‘coalition of the willing’?",
    ]
    assert "1. Any lasting peace" in Section.objects.get(heading__startswith="What is Sir").body


def test_facts_from_an_import_are_unchecked_and_dated_only_where_the_text_gives_a_date(editor):
    importing.create_draft(importing.read_article(MIGRATION, publisher="Sky News"), by=editor)
    assert not Quote.objects.filter(checked_on__isnull=False).exists()
    assert not Statistic.objects.filter(checked_on__isnull=False).exists()
    assert list(
        Quote.objects.exclude(said_on=None).values_list("said_on", "said_on_precision")
    ) == [(__import__("datetime").date(2020, 1, 1), "year")]
    assert not StatisticValue.objects.exclude(as_of=None).exists()
    assert not Source.objects.exclude(published_on=None).exists()
    assert StatisticValue.objects.get(value=13000).qualifier == "around"


def test_reimporting_the_seed_into_the_demo_uses_its_people_quotes_and_statistics(editor):
    load_stories()
    before = counts()
    plan = importing.read_article(MIGRATION, publisher="Sky News")
    matched = {p.key for p in plan.proposals if any(m.strong for m in p.matches)}
    assert all(q.key in matched for q in plan.quotes)
    assert {f.written for f in plan.figures if f.key in matched} == {
        "50,271", "474", "13,000", "10", "431,000",
    }  # fmt: skip
    assert all(p.key in matched for p in plan.people)
    result = importing.create_draft(plan, by=editor)
    after = counts()
    assert after["Quote"] == before["Quote"] and after["Person"] == before["Person"]
    assert after["Statistic"] == before["Statistic"] + 1  # the 50,000 milestone is new
    assert result.used["quotes"] == 7 and result.used["statistics"] == 5
    body = "".join(result.explainer.sections.values_list("body", flat=True))
    assert "[[quote:jacqui-smith-not-our-fault]]" in body
    assert "[[value:small-boat-crossings-since-election]]" in body


def test_leave_as_text_keeps_the_words_as_written(editor):
    plan = importing.read_article(MIGRATION, publisher="Sky News")
    choices = {p.key: "text" for p in [*plan.quotes, *plan.figures]}
    result = importing.create_draft(plan, by=editor, choices=choices)
    body = result.explainer.sections.get().body
    assert "“We welcome migrants, we don’t scapegoat them.”" in body
    assert "Home Office data shows 50,271 people" in body
    assert not Quote.objects.exists() and not Statistic.objects.exists()
    assert result.created["people"] == 0  # nothing used them


def test_a_quote_nobody_is_named_as_saying_stays_text_unless_the_editor_names_them(editor):
    text = "The school will close in July.\n“We have no choice,” a letter to parents says.\n"
    text += "Parents were told at a meeting on Monday."
    plan = importing.read_article(text, publisher="Westfield Echo")
    quote = plan.quotes[0]
    assert quote.speaker is None and plan.default_choices()[quote.key] == "text"
    assert "speaker" in quote.not_in_text
    result = importing.create_draft(plan, by=editor, speakers={quote.key: "Anna Leigh"})
    assert Quote.objects.get().speaker.name == "Anna Leigh"
    assert "[[said:" in result.explainer.sections.get().body


def test_importing_is_atomic(editor, monkeypatch):
    before = counts()

    def broken(*args, **kwargs):
        raise ValidationError("The sections could not be written.")

    monkeypatch.setattr(publishing, "write_sections", broken)
    with pytest.raises(ValidationError):
        importing.create_draft(importing.read_article(MIGRATION, publisher="Sky News"), by=editor)
    assert counts() == before


def test_someone_without_the_facts_permissions_creates_nothing(writer):
    writer.user_permissions.add(Permission.objects.get(codename="add_explainer"))
    writer.groups.clear()
    writer = type(writer).objects.get(pk=writer.pk)
    before = counts()
    with pytest.raises(Exception, match="cannot"):
        importing.create_draft(importing.read_article(MIGRATION, publisher="Sky News"), by=writer)
    assert counts() == before


# --- Safety ----------------------------------------------------------------------------------------


def test_a_one_megabyte_paste_is_refused_with_its_size():
    with pytest.raises(ValidationError, match=r"1\.0 MB; an import takes at most 256 KB"):
        importing.read_article("Paragraph of text.\n" * (1024 * 1024 // 19 + 1))


def test_a_file_not_in_utf8_is_refused_naming_its_encoding():
    windows = "“Curly quotes” cost £5 – from Word.\n".encode("cp1252")
    with pytest.raises(ValidationError, match="Windows-1252"):
        importing.decode(windows)
    with pytest.raises(ValidationError, match="UTF-16"):
        importing.decode("Text.\n".encode("utf-16"))
    assert importing.decode("Text £5.\n".encode("utf-8-sig")) == "Text £5.\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no text to import"),
        ("   \n\n ", "no text to import"),
        ("A paragraph.\x00", "null character"),
        (
            "Please use Chrome browser for a more accessible video player\nRead more:",
            "No paragraphs",
        ),
    ],
)
def test_text_that_cannot_be_imported_is_refused_saying_why(text, message):
    with pytest.raises(ValidationError, match=message):
        importing.read_article(text)


def test_imported_text_is_sanitised_like_typed_text_and_forges_no_block(editor, quote):
    text = (
        "A council has <script>alert(1)</script> approved the plan.\n"
        f"The minutes mention [[quote:{quote.slug}]] and *stars* for no reason.\n"
        "#1 in the charts, it said.\n"
        "1995 was the last time it met."
    )
    result = importing.create_draft(importing.read_article(text), by=editor)
    section = result.explainer.sections.get()
    assert "<script>" not in section.body_html and "&lt;script&gt;" in section.body_html
    assert "[[quote:" in section.body_html  # shown as text, not placed
    assert not section.blocks.exists()
    assert "<h1>" not in section.body_html and "#1 in the charts" in section.body_html
    assert "*stars*" in section.body_html  # not emphasis: the words as written


# --- Furniture patterns, kept in the admin ---------------------------------------------------------


def test_the_default_furniture_patterns_drop_the_seeds_page_furniture():
    plan = importing.read_article(UKRAINE + "\n" + MIGRATION)
    assert [(d.line, d.text) for d in plan.furniture] == [
        (17, "Please use Chrome browser for a more accessible video player"),
        (33, "More from Politics"),
    ]


def test_a_sentence_that_starts_like_furniture_is_kept():
    plan = importing.read_article("More from the council is expected next week.\nSecond line.")
    assert plan.furniture == [] and len(plan.sections[0].blocks) == 2


@pytest.mark.parametrize("pattern", ["(a+)+$", "(ab|a)*c", ".*x.*y.*z", "(x)\\1", "["])
def test_a_regular_expression_that_could_run_for_hours_is_refused(pattern):
    with pytest.raises(ValidationError) as refused:
        FurniturePattern(kind="regex", pattern=pattern).full_clean()
    assert "pattern" in refused.value.message_dict


def test_editors_change_the_furniture_patterns_in_the_admin(admin_client):
    url = reverse("admin:explainers_furniturepattern_add")
    refused = admin_client.post(url, {"kind": "regex", "pattern": "(a+)+", "active": "on"})
    assert refused.status_code == 200 and "A repeat inside a repeat" in refused.content.decode()
    saved = admin_client.post(
        url,
        {"kind": "starts_with", "pattern": "Watch live:", "note": "Live blog link", "active": "on"},
    )
    assert saved.status_code == 302
    plan = importing.read_article("Watch live: the count\nThe count went on all night.")
    assert [d.text for d in plan.furniture] == ["Watch live: the count"]


def test_an_inactive_pattern_drops_nothing():
    FurniturePattern.objects.filter(pattern="More from [^.!?:]{1,40}").update(active=False)
    plan = importing.read_article(MIGRATION)
    assert [d.text for d in plan.furniture] == []


# --- Our own texts: a council decision, a court case, a match --------------------------------------


@pytest.mark.parametrize("name", OWN_TEXTS)
def test_own_texts_structure_is_recognised(name):
    plan, expected = read_own(name)
    assert plan.headline == expected["headline"]
    assert plan.standfirst == expected["standfirst"]
    assert [s.heading for s in plan.sections if s.heading] == expected["headings"]
    lists = [
        [block.ordered, len(block.items)]
        for section in plan.sections
        for block in section.blocks
        if isinstance(block, importing.ListBlock)
    ]
    assert lists == expected["lists"]
    assert [d.line for d in plan.furniture] == expected["furniture"]
    media = [
        {"kind": m.media_kind, "title": m.title, "duration": str(m.duration)}
        if m.media_kind == "video"
        else {"kind": m.media_kind, "caption": m.caption, "credit": m.credit}
        for m in plan.media
    ]
    assert media == expected["media"]


@pytest.mark.parametrize("name", OWN_TEXTS)
def test_own_texts_quotes_and_figures_are_proposed_with_speaker_role_qualifier_and_source(name):
    plan, expected = read_own(name)
    result = score(plan, expected)
    print(
        f"\n{name}: {result['found']} found, {result['correct']} correct of "
        f"{result['expected']} expected; wrong: {result['wrong'] or 'none'}"
    )
    assert result["found"] == result["expected"]
    assert result["correct"] >= 0.9 * result["expected"], result["wrong"]
    assert not [wrong for wrong in result["wrong"] if "not expected" in wrong]


@pytest.mark.parametrize("name", OWN_TEXTS)
def test_own_texts_invent_no_date_source_or_role(name):
    text, expected = own(name)
    plan = importing.read_article(text, publisher=expected["publisher"])
    assert importing.invented(plan, text) == []
    assert all(q.said_on is None for q in plan.quotes)  # none of them says when


@pytest.mark.parametrize("name", OWN_TEXTS)
def test_own_texts_become_drafts_whose_tokens_are_valid_quickly(name, editor):
    text, expected = own(name)
    started = time.perf_counter()
    plan = importing.read_article(text, publisher=expected["publisher"])
    result = importing.create_draft(plan, by=editor)
    seconds = time.perf_counter() - started
    print(f"\n{name}: read in {plan.milliseconds} ms, imported in {seconds * 1000:.0f} ms")
    assert seconds < 5
    for section in result.explainer.sections.all():
        compile_body(section.body)
    assert result.created["quotes"] == len({(q.speaker, q.text) for q in plan.quotes})


def test_a_pronoun_goes_to_the_last_person_it_can_be():
    plan, _ = read_own("court")
    card = next(q for q in plan.quotes if q.block == "quote" and q.text.startswith("You knew"))
    assert plan.get(card.speaker).name == "Helen Okafor"  # not Linwood, “his tenants”


def test_an_organisation_named_only_as_the_council_is_the_council_the_text_named():
    plan, _ = read_own("council")
    report = next(f for f in plan.figures if f.written == "£4.2m")
    assert plan.get(report.source).publisher == "Eastmere District Council"
    assert plan.get(report.source).kind == Source.Kind.REPORT


# --- The command -----------------------------------------------------------------------------------


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_creates_the_draft_with_every_proposal_accepted(tmp_path):
    out = io.StringIO()
    call_command(
        "import_article", write(tmp_path, MIGRATION), "--publisher", "Sky News", stdout=out
    )
    story = Explainer.objects.get()
    assert story.status == Explainer.Status.DRAFT and story.original_publisher == "Sky News"
    assert Quote.objects.count() == 7 and Statistic.objects.count() == 6
    printed = out.getvalue()
    assert "dropped “More from Politics”" in printed and "Draft “" in printed
    assert "not in the text: date" in printed


def test_the_commands_dry_run_only_prints(tmp_path):
    out = io.StringIO()
    call_command("import_article", write(tmp_path, UKRAINE), "--dry-run", stdout=out)
    assert counts() == {model.__name__: 0 for model in WRITTEN}
    assert "Dry run: nothing was written." in out.getvalue()
    assert "quoted words “must do the heavy lifting” (Keir Starmer)" in out.getvalue()


def test_the_command_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Café owners said “no”.\n".encode("cp1252"))
    with pytest.raises(CommandError, match=r"Nothing was imported\. The file is not UTF-8"):
        call_command("import_article", path)
    assert not Explainer.objects.exists()


def test_the_command_compares_the_seed_with_the_demo_stories():
    out = io.StringIO()
    call_command("import_article", "--compare-seed", stdout=out)
    assert "quotes 2/2 (right speaker 2)" in out.getvalue()
    assert "quotes 7/7 (right speaker 7)" in out.getvalue()


# --- The admin's Import text page -------------------------------------------------------------------


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


def review(client, text, **extra):
    data = {"text": text, "publisher": "", "url": "", "kind": "explainer", "_review": "1", **extra}
    return client.post(reverse(IMPORT_URL), data)


def confirm_data(response, **changes) -> dict:
    """The review form as the browser would send it back: every field and chosen radio."""
    context = response.context
    plan = context["plan"]
    data = {
        "text": context["form"].cleaned_data["text"],
        "publisher": context["form"].cleaned_data["publisher"],
        "url": context["form"].cleaned_data["url"],
        "kind": context["form"].cleaned_data["kind"],
        "reviewed": context["reviewed"],
        "headline": context["headline"],
        "standfirst": context["standfirst"],
        "_confirm": "1",
    }
    for key, value in plan.default_choices().items():
        data[f"choice-{key}"] = value
    data.update(changes)
    return data


def test_the_stories_list_links_to_import_text(desk):
    page = desk.get(reverse("admin:explainers_explainer_changelist")).content.decode()
    assert reverse(IMPORT_URL) in page and "Import text" in page


def test_import_needs_permission_to_add_stories(client_for, fact_checker):
    assert client_for(fact_checker).get(reverse(IMPORT_URL)).status_code == 403


def test_the_review_shows_what_was_recognised_and_writes_nothing(desk):
    before = counts()
    response = review(desk, UKRAINE)
    page = response.content.decode()
    assert response.status_code == 200 and counts() == before
    assert "A question on a line of its own" in page  # each decision with its reason
    assert "Please use Chrome browser for a more accessible video player" in page
    assert "must do the heavy lifting" in page and "Use existing" not in page
    assert 'name="choice-q1" value="new" checked' in page
    assert "Not in the text" in page


def test_confirming_creates_the_draft_with_the_editors_choices(desk, role_editor):
    load_stories()
    response = review(desk, MIGRATION, publisher="Sky News")
    plan = response.context["plan"]
    welcome = next(q for q in plan.quotes if q.text.startswith("We welcome"))
    existing = next(m for m in welcome.matches if m.strong)
    milestone = next(f for f in plan.figures if f.written == "50,000")
    data = confirm_data(
        response,
        **{f"choice-{milestone.key}": "text", "headline": "Small boats: the 50,000 milestone"},
    )
    done = desk.post(reverse(IMPORT_URL), data)
    story = Explainer.objects.get(title="Small boats: the 50,000 milestone")
    assert done.status_code == 302 and done.url == reverse(
        "admin:explainers_explainer_change", args=[story.pk]
    )
    body = story.sections.get().body
    assert f"[[said:{Quote.objects.get(pk=existing.pk).slug}]]" in body
    assert "As a milestone is reached of 50,000 migrants" in body  # left as text
    assert story.status == Explainer.Status.DRAFT
    assert desk.get(done.url).status_code == 200


def test_bad_input_is_refused_on_the_form_and_keeps_the_text(desk):
    huge = "A paragraph of text that goes on.\n" * 31000
    response = review(desk, huge)
    page = response.content.decode()
    assert response.status_code == 200 and "an import takes at most 256 KB" in page
    assert response.context["form"]["text"].value() == huge
    assert not Explainer.objects.exists()


def test_an_upload_not_in_utf8_is_refused_naming_the_encoding(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.txt", "“Smart” quotes from Word.\n".encode("cp1252"))
    response = desk.post(
        reverse(IMPORT_URL), {"upload": upload, "kind": "explainer", "_review": "1"}
    )
    assert "Windows-1252" in response.content.decode()


def test_a_confirmation_of_a_changed_text_is_reviewed_again(desk):
    response = review(desk, MIGRATION, publisher="Sky News")
    data = confirm_data(response, text=MIGRATION + "\nA line added after the review.")
    again = desk.post(reverse(IMPORT_URL), data)
    assert again.status_code == 200 and "changed since this review" in again.content.decode()
    assert not Explainer.objects.exists()


def test_undoing_a_heading_keeps_the_line_as_a_paragraph(desk):
    response = review(desk, UKRAINE, keep=["8"])
    headings = [s.heading for s in response.context["plan"].sections]
    assert "What is Sir Keir Starmer’s four-point plan?" not in headings
    assert 'value="8" checked' in response.content.decode()
    data = confirm_data(response, keep=["8"])
    assert desk.post(reverse(IMPORT_URL), data).status_code == 302
    assert "What is Sir Keir Starmer’s four-point plan?\n\n" in Section.objects.first().body


def test_the_review_costs_the_same_queries_however_long_the_text(desk, django_assert_num_queries):
    load_stories()  # matches to look up: people with roles, quotes, statistics with values
    for text in (MIGRATION, "\n".join([UKRAINE, MIGRATION] * 5)):  # 4 KB, then 35 KB
        # session, user, user and group permissions, furniture patterns, people, their roles,
        # sources, quotes, statistics, their values, media
        with django_assert_num_queries(12):
            assert review(desk, text, publisher="Sky News").status_code == 200
