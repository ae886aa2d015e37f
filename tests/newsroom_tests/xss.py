"""The hostile-input corpus: XSS payloads saved through the admin and the story loader.

``build_hostile_site(client)`` saves every payload in every text field editors fill in, then
``hostile_urls()`` lists every page that shows them: the public pages, the admin change pages and
the revision diff. ``unsafe_markup(html)`` finds anything in a page that could run script or
reach the marker host. Used by test_xss_corpus.py (Django test client) and test_xss_browser.py
(headless Chromium).
"""

import functools
import json
from html.parser import HTMLParser
from pathlib import Path

from django.urls import reverse

from claims.models import Claim, Person, Quote, Rating, Source, Statistic
from explainers.models import Author, Explainer
from explainers.seeding import load_stories
from tests.factories import admin_form_data

MARKER_HOST = "xss.test"
CORPUS = Path(__file__).with_name("xss_payloads.txt")


@functools.cache
def _corpus() -> tuple[str, ...]:
    # split("\n"), not splitlines(): some payloads hide a form feed or other line-like separator.
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    return tuple(line.replace("\\n", "\n") for line in lines if line and not line.startswith("# "))


def payloads() -> list[str]:
    """The corpus, read once per run."""
    return list(_corpus())


def as_body(text: str) -> str:
    """Section text: ``[[`` starts a block reference, and an unknown one refuses the whole save
    (tested in explainers_tests), so here it is split to let the rest of the payload through."""
    return text.replace("[[", "[ [")


def chunks(limit: int = 190) -> list[str]:
    """The payloads packed into strings that fit a 200-character field, each payload whole."""
    packed, current = [], ""
    for payload in payloads():
        payload = payload.replace("\n", " ")
        if current and len(current) + 1 + len(payload) > limit:
            packed.append(current)
            current = ""
        current = f"{current} {payload}" if current else payload
    packed.append(current)
    return packed


# --- Saving the corpus ----------------------------------------------------------------------


def _post_admin_form(client, url: str, *, blank_forms: dict | None = None, **overrides):
    """GET the form, then POST it back with ``overrides``. An add form is the same empty form
    every time, so with ``blank_forms`` it is fetched once per URL (the saves still each go
    through the admin)."""
    if blank_forms is not None and url in blank_forms:
        data = blank_forms[url]
    else:
        form = client.get(url)
        assert form.status_code == 200, url
        data = admin_form_data(form)
        if blank_forms is not None:
            blank_forms[url] = data
    response = client.post(url, {**data, **overrides})
    if response.status_code != 302:
        errors = response
        if response.context:
            errors = [response.context["adminform"].form.errors] + [
                (inline.formset.errors, inline.formset.non_form_errors())
                for inline in response.context.get("inline_admin_formsets", [])
            ]
        raise AssertionError(f"{url} refused the save: {errors}")
    return response


def _admin_url(model, action: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def save_through_admin(client) -> None:
    """Fact blocks and stories, one set per chunk, through the admin's own add forms."""
    blank = {}
    everything = "\n\n".join(payloads())
    rating = Rating.objects.get(slug="misleading")
    for n, text in enumerate(chunks()):
        _post_admin_form(
            client,
            _admin_url(Person, "add"),
            blank_forms=blank,
            name=text,
            slug=f"xss-person-{n}",
            role=text,
            **{
                "roles-0-title": text,
                "roles-0-organisation": text,
                "roles-0-name_as_used": text,
                "roles-0-starts_on": "2020-04-04",
            },
        )
        person = Person.objects.get(slug=f"xss-person-{n}")
        role = person.roles.get()
        _post_admin_form(
            client,
            _admin_url(Source, "add"),
            blank_forms=blank,
            title=text,
            slug=f"xss-source-{n}",
            publisher=text,
            author=text,
            kind=Source.Kind.REPORT,
            notes=text,
        )
        source = Source.objects.get(slug=f"xss-source-{n}")
        _post_admin_form(
            client,
            _admin_url(Quote, "add"),
            blank_forms=blank,
            text=text,
            slug=f"xss-quote-{n}",
            speaker=str(person.pk),
            role=str(role.pk),
            said_on="2020-09-22",
            source=str(source.pk),
            context=text[:200],
        )
        _post_admin_form(
            client,
            _admin_url(Statistic, "add"),
            blank_forms=blank,
            label=text,
            slug=f"xss-statistic-{n}",
            source=str(source.pk),
            unit=text[:60],
            methodology=text,
            **{
                "values-TOTAL_FORMS": "1",
                "values-0-value": "50271",
                "values-0-as_of": "2025-08-11",
                "values-0-qualifier": text[:30],
                "values-0-period_start": "2025-01-01",
                "values-0-period_end": "2025-08-11",
                "values-0-note": text[:200],
            },
        )
        _post_admin_form(
            client,
            _admin_url(Claim, "add"),
            blank_forms=blank,
            text=text,
            slug=f"xss-claim-{n}",
            claimant=str(person.pk),
            rating=str(rating.pk),
            explanation=text,
            verdict_by=text if n % 2 else "",  # theirs, then ours (with evidence)
            **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk)},
        )
        _post_admin_form(
            client,
            _admin_url(Author, "add"),
            blank_forms=blank,
            name=text,
            slug=f"xss-author-{n}",
        )
        body = (
            f"{as_body(text)}\n\n[[quote:xss-quote-{n}]]\n\n[[statistic:xss-statistic-{n}]]\n\n"
            f"[[claim:xss-claim-{n}]]\n\nShe said [[said:xss-quote-{n}]] and [[value:xss-statistic-{n}]].\n\n"
        )
        _post_admin_form(
            client,
            _admin_url(Explainer, "add"),
            blank_forms=blank,
            title=text,
            slug=f"xss-story-{n}",
            standfirst=text,
            authors=[str(Author.objects.get(slug=f"xss-author-{n}").pk)],
            original_publisher=text,
            licence=text,
            seo_title=text,
            seo_description=text[:300],
            topics=[],
            **{"sections-0-heading": text, "sections-0-body": body, "sections-0-order": "1"},
        )
        story = Explainer.objects.get(slug=f"xss-story-{n}")
        client.post(_admin_url(Explainer, "workflow", story.pk, "publish"))

    # Stories with a section per payload (each in its own Markdown context; 80 a story to stay
    # under DATA_UPLOAD_MAX_NUMBER_FIELDS), a revision to compare against, and a public note
    # holding the whole corpus.
    batch = 80
    for first in range(0, len(payloads()), batch):
        sections = {}
        for index, payload in enumerate(payloads()[first : first + batch]):
            sections.update(
                {
                    f"sections-{index}-heading": f"{first + index + 1}. {payload}".replace(
                        "\n", " "
                    )[:200],
                    f"sections-{index}-body": as_body(payload),
                    f"sections-{index}-order": str(index + 1),
                }
            )
        sections["sections-TOTAL_FORMS"] = str(len(sections) // 3)
        slug = f"xss-sections-{first // batch}"
        _post_admin_form(
            client,
            _admin_url(Explainer, "add"),
            blank_forms=blank,
            title=f"Payloads from {first + 1}, one section each",
            slug=slug,
            standfirst=everything,
            topics=[],
            **sections,
        )
        story = Explainer.objects.get(slug=slug)
        if first == 0:
            _post_admin_form(
                client,
                _admin_url(Explainer, "change", story.pk),
                standfirst=everything[::-1] + "\n" + everything,
                topics=[],
            )
        client.post(_admin_url(Explainer, "workflow", story.pk, "publish"))
    story = Explainer.objects.get(slug="xss-sections-0")
    response = client.post(
        _admin_url(Explainer, "workflow", story.pk, "correct"),
        {"kind": "correction", "text": everything},
    )
    assert response.status_code == 302


def save_through_loader(tmp_path) -> None:
    """The same corpus through the story loader (a TOML file, as editors' imports arrive)."""

    def toml(value) -> str:
        return json.dumps(value)  # a JSON string is a valid TOML basic string

    lines = []
    for n, text in enumerate(chunks()):
        lines += [
            "[[people]]",
            f'slug = "xss-loaded-person-{n}"',
            f"name = {toml(text)}",
            f"role = {toml(text)}",
            "[[people.roles]]",
            f"title = {toml(text)}",
            f"organisation = {toml(text)}",
            f"name_as_used = {toml(text)}",
            "[[sources]]",
            f'slug = "xss-loaded-source-{n}"',
            f"title = {toml(text)}",
            f"publisher = {toml(text)}",
            f"author = {toml(text)}",
            'kind = "report"',
            f"notes = {toml(text)}",
            "[[quotes]]",
            f'slug = "xss-loaded-quote-{n}"',
            f"text = {toml(text)}",
            f'speaker = "xss-loaded-person-{n}"',
            f'source = "xss-loaded-source-{n}"',
            "[[claims]]",
            f'slug = "xss-loaded-claim-{n}"',
            f"text = {toml(text)}",
            f'claimant = "xss-loaded-person-{n}"',
            'rating = "misleading"',
            f"explanation = {toml(text)}",
            f"verdict_by = {toml(text)}",
            f'verdict_source = "xss-loaded-source-{n}"',
            "[[authors]]",
            f'slug = "xss-loaded-author-{n}"',
            f"name = {toml(text)}",
            'kind = "organisation"',
        ]
    for n, text in enumerate(chunks()):
        lines += [
            "[[explainers]]",
            f'slug = "xss-loaded-story-{n}"',
            f"title = {toml(text)}",
            f"standfirst = {toml(text)}",
            'status = "published"',
            f'authors = ["xss-loaded-author-{n}"]',
            f"original_publisher = {toml(text)}",
            f"licence = {toml(text)}",
            "[[explainers.sections]]",
            f"heading = {toml(text)}",
            f"body = {toml(as_body(text) + chr(10) * 2 + f'[[quote:xss-loaded-quote-{n}]]' + chr(10) * 2 + f'[[claim:xss-loaded-claim-{n}]]')}",
        ]
    path = tmp_path / "hostile.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_stories(path)


def build_hostile_site(client, tmp_path) -> None:
    save_through_admin(client)
    save_through_loader(tmp_path)


def hostile_urls() -> list[str]:
    """Every page that shows the corpus: public pages, admin change pages, the revision diff.

    Stories from the loader use the same templates as the admin's, so only their story pages
    are listed; everything saved through the admin is listed on every page that shows it.
    """
    urls = ["/"]
    for story in Explainer.objects.published():
        urls.append(story.get_absolute_url())
        if not story.slug.startswith("xss-loaded-"):
            urls.append(_admin_url(Explainer, "change", story.pk))
    for model in (Quote, Statistic, Claim, Source, Person):
        for obj in model.objects.filter(slug__startswith="xss-").exclude(
            slug__startswith="xss-loaded-"
        ):
            if model is not Person:
                urls.append(obj.get_absolute_url())
            urls.append(_admin_url(model, "change", obj.pk))
    for model in (Explainer, Quote, Statistic, Claim, Source, Person):
        urls.append(_admin_url(model, "changelist") + "?q=script")
    story = Explainer.objects.stories().get(slug="xss-sections-0")
    numbers = list(story.revisions.order_by("number").values_list("number", flat=True))
    urls.append(_admin_url(Explainer, "revisions", story.pk) + f"?a={numbers[0]}&b={numbers[-1]}")
    return urls


# --- Finding executable markup ---------------------------------------------------------------

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "srcset",
    "background",
    "xlink:href",
    "ping",
    "cite",
    "lowsrc",
    "dynsrc",
    "codebase",
    "srcdoc",
}
# <svg> and <math> themselves are allowed (the admin draws its icons with inline SVG); what a
# payload would put inside them (script, handlers, javascript: links, animate) is caught below.
DANGEROUS_TAGS = {
    "iframe",
    "object",
    "embed",
    "base",
    "frame",
    "frameset",
    "applet",
    "portal",
    "template",
    "xmp",
    "plaintext",
    "noembed",
    "isindex",
    "keygen",
    "animate",
    "set",
    "foreignobject",
    "maction",
    "animatetransform",
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg")


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        where = self.get_starttag_text()[:120]
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> element: {where}")
        if tag == "script":
            kind = dict(attrs).get("type", "")
            src = dict(attrs).get("src") or ""
            same_site = src.startswith("/") and not src.startswith("//")
            if kind not in {"application/json", "application/ld+json"} and not same_site:
                self.problems.append(f"script: {where}")
        if tag == "meta" and dict(attrs).get("http-equiv"):
            self.problems.append(f"meta http-equiv: {where}")
        rel = (dict(attrs).get("rel") or "").lower()
        if (
            tag == "link"
            and rel in {"stylesheet", "import", "preload", "prefetch", "modulepreload"}
            and not (dict(attrs).get("href") or "").startswith("/static/")
        ):
            self.problems.append(f"foreign stylesheet: {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name}: {where}")
            squashed = "".join(ch for ch in value if ch > " ").lower()
            if name in URL_ATTRIBUTES and squashed.startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"{name}={value!r}: {where}")
            if name in URL_ATTRIBUTES - {"href"} and MARKER_HOST in value:
                self.problems.append(f"{name} loads the marker host: {where}")
            if name == "style" and (
                MARKER_HOST in value or "url(" in value or "expression(" in value
            ):
                self.problems.append(f"style with a URL: {where}")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self.lasttag == "style" and MARKER_HOST in data:
            self.problems.append("style element loading the marker host")


def unsafe_markup(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
