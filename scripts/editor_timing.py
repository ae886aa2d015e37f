"""How long a first-time editor takes to write and publish a story with a new quote and a new
statistic in the admin, before and after the editor's desk (commit a1f47b0 and later).

The task: a story with a headline, a standfirst and two sections, each a heading and a sentence;
section 1 shows a quote nobody has entered yet, section 2 a statistic nobody has entered yet;
then the story is published and its public page answers. The words are the same in both flows
(``WORDS``).

Two ways of doing it, one per version of the admin:

``--flow before``
    The block picker only finds facts that exist. The editor first creates, each on its own
    admin page, the speaker (People › Add), the two sources (Sources › Add, then "Save and add
    another"), the quote (Quotes › Add: the words, the speaker and source picked in their
    search boxes, the slug filled in from the words) and the statistic (Statistics › Add: the
    label, its source, a value in the values rows). Then Explainers › Add: headline, standfirst,
    two sections, each fact found by searching for it in the section's block picker; "Save and
    continue editing", then the workflow's "Publish now" (a separate form, so the story must be
    saved first).

``--flow after``
    Explainers › Add: headline, standfirst, section 1's heading and sentence; in the block
    picker, a search that finds nothing and "New quote “…”", a small form beside the text
    (words, speaker, source), whose token is inserted at the cursor; section 2 likewise with
    "New statistic “…”". Then "Save and continue editing" and "Publish now".

Each flow starts on the admin's home page, logged in through /admin/login/ as a person does
(neither browser start nor login is timed), moves only by clicking what is on the page, types
every character with key presses, and ends when the story's public address (its "View on
site" link) answers 200. A page that refuses what was typed is answered the way an editor would:
read the message, correct the field, save again; every refusal is reported.

What is measured, per flow:

- wall: seconds of the scripted run, from the admin's home page to the public page answering;
- page loads: full page loads in the tab (``load`` events);
- submits: forms submitted, full-page or in the new-fact form beside the text;
- clicks: mouse clicks, counting a native drop-down's choice as two (open it, pick);
- chars: characters typed (plus keys such as Ctrl+A, counted apart as "other keys");
- pages: distinct admin addresses shown (path, without the query string), the home page excluded;
- waits: seconds spent waiting for the server: page loads after a click, search results in a
  picker, the new-fact form opening and closing.

The human estimate uses the Keystroke-Level Model (Card, Moran and Newell, 1980; 1983):
K = 0.28 s per keystroke (an average typist), P = 1.1 s per pointing (each click, which is also
how a field is focused), M = 1.35 s of mental preparation per field filled or decision made
(choosing a link or button, an option in a list, reading a picker's results or a refusal), plus
the measured waits: ``K·keys + P·clicks + M·decisions + waits``.

Run each flow against a freshly loaded database (``manage.py migrate``, ``load_stories``, a
superuser): the flows create people, sources and facts with fixed names, and the "before" flow's
slugs would clash on a second run. ``--record FILE`` appends each run's figures as a JSON line;
``--summary FILE`` prints the median of every figure per flow from such a file.

    .venv/bin/python scripts/editor_timing.py --base http://127.0.0.1:8021 \\
        --username edna --password … --flow after --screenshots var/screenshots
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
WIDTH = 1280

# Keystroke-Level Model operators, in seconds.
K = 0.28  # a keystroke, for an average typist (about 40 words a minute)
P = 1.1  # pointing with the mouse at a target, and clicking it
M = 1.35  # mental preparation for the next field or decision

WORDS = {
    "headline": "Will the asylum hotels close by 2029?",
    "standfirst": "The home secretary says every hotel will close. Here is how many people "
    "are still waiting for a decision.",
    "heading_1": "What did the home secretary promise?",
    "sentence_1": "She was asked about the hotels on the radio on Tuesday.",
    "heading_2": "How many claims are waiting?",
    "sentence_2": "The latest official figures show the size of the backlog.",
    "quote": "We will close every asylum hotel by the end of this parliament.",
    "speaker": "Yvette Cooper",
    "quote_publisher": "BBC Radio 4",
    "quote_title": "Today programme interview",
    "quote_kind": "broadcast",
    "statistic": "Asylum claims awaiting an initial decision",
    "value": "20,000",  # as the source gives it
    "qualifier": "more than",
    "statistic_publisher": "Home Office",
    "statistic_title": "Asylum and resettlement statistics",
    "statistic_kind": "official_statistics",
    # what the editor types in a search box to find (or not find) each
    "find_quote": "Cooper",
    "find_statistic": "asylum claims",
    "find_speaker": "Cooper",
    "find_quote_source": "Today",
    "find_statistic_source": "asylum",
}


@dataclass
class Tally:
    flow: str
    run: int = 0
    wall: float = 0.0
    page_loads: int = 0
    submits: int = 0
    clicks: int = 0
    chars: int = 0
    other_keys: int = 0
    decisions: int = 0
    waits: float = 0.0
    pages: list = field(default_factory=list)
    refusals: list = field(default_factory=list)
    story_url: str = ""
    screenshot: str = ""


class Editor:
    """One person at the admin: every click, key and decision they make is counted."""

    def __init__(self, page, base: str, tally: Tally):
        self.page = page
        self.base = base.rstrip("/")
        self.tally = tally
        self.counting = False
        page.on("load", self._loaded)
        page.on("dialog", self._browser_dialog)

    # --- what the browser does -----------------------------------------------------------------

    def _loaded(self, page):
        if not self.counting:
            return
        self.tally.page_loads += 1
        path = urlparse(page.url).path
        if path != "/admin/" and path not in self.tally.pages:
            self.tally.pages.append(path)

    def _browser_dialog(self, dialog):
        """A confirm or leave-page question: read it, click OK."""
        if self.counting:
            self.tally.decisions += 1
            self.tally.clicks += 1
            self.tally.refusals.append(f"browser asked: {dialog.message or dialog.type}")
        dialog.accept()

    def timed(self, action):
        start = time.perf_counter()
        try:
            return action()
        finally:
            self.tally.waits += time.perf_counter() - start

    # --- what the person does ------------------------------------------------------------------

    def type_into(self, locator, text: str):
        """Decide what goes there, click the field, replace what it holds, type."""
        self.tally.decisions += 1
        self.tally.clicks += 1
        locator.click()
        if locator.input_value():
            locator.press("ControlOrMeta+a")
            self.tally.other_keys += 1
        locator.press_sequentially(text)
        self.tally.chars += len(text)

    def choose(self, select, value: str):
        """A native drop-down: open it, pick the option."""
        self.tally.decisions += 1
        self.tally.clicks += 2
        select.select_option(value)

    def click(self, locator):
        self.tally.decisions += 1
        self.tally.clicks += 1
        locator.click()

    def go(self, locator):
        """Click a link or button that loads a page, and wait for it."""
        self.tally.decisions += 1
        self.tally.clicks += 1

        def follow():
            with self.page.expect_navigation(wait_until="load"):
                locator.click()

        self.timed(follow)

    def submit(self, button) -> list[str]:
        """Press a form's button, wait for the page, and read any refusal on it."""
        self.tally.submits += 1
        self.go(button)
        errors = self.page.locator(".errornote, .errorlist li")
        return [text.strip() for text in errors.all_inner_texts() if text.strip()]

    def search_and_pick(self, selection, term: str, option: str):
        """A select2 box: click it, type a few words, read the results, click the one wanted."""
        self.tally.decisions += 1
        self.tally.clicks += 1
        selection.click()
        field = self.page.locator(".select2-container--open .select2-search__field")
        field.press_sequentially(term)
        self.tally.chars += len(term)
        # the answer for this search, not the list shown while it was being typed
        choice = self.page.locator(
            ".select2-container--open .select2-results__option[role='option']", has_text=option
        ).first
        self.timed(lambda: choice.wait_for(state="visible"))
        self.tally.decisions += 1  # read the results
        self.tally.clicks += 1
        choice.click()

    def open_add(self, model: str):
        """The model's "Add" link: in the side bar if the page has one, else on the home page."""
        side = self.page.locator(f"#nav-sidebar tr.model-{model} a.addlink")
        if side.count() and side.is_visible():
            self.go(side)
        else:
            self.go(self.page.locator(f"#content-main tr.model-{model} a.addlink"))

    def refused(self, where: str, errors: list[str]) -> bool:
        if errors:
            self.tally.refusals.append(f"{where}: " + " / ".join(errors))
            self.tally.decisions += 1  # read what is wrong
        return bool(errors)

    def save(self, where: str, name: str = "_save"):
        errors = self.submit(self.page.locator(f"input[name='{name}']"))
        if self.refused(where, errors):
            raise RuntimeError(f"{where} refused: {errors}")


def log_in(page, base: str, username: str, password: str):
    page.goto(base + "/admin/login/")
    page.click("#id_username")
    page.locator("#id_username").press_sequentially(username)
    page.click("#id_password")
    page.locator("#id_password").press_sequentially(password)
    with page.expect_navigation():
        page.click("input[type='submit']")
    if urlparse(page.url).path != "/admin/":
        raise SystemExit(f"Could not log in as {username}: ended on {page.url}")


# --- the story, common to both flows ----------------------------------------------------------


def start_story(editor: Editor):
    page = editor.page
    editor.open_add("explainer")
    editor.type_into(page.locator("#id_title"), WORDS["headline"])
    editor.type_into(page.locator("#id_standfirst"), WORDS["standfirst"])


def write_section(editor: Editor, index: int):
    page = editor.page
    if not page.locator(f"#sections-{index}").count():
        editor.click(page.locator("#sections-group .add-row a"))
        page.locator(f"#sections-{index}").wait_for()
    n = index + 1
    editor.type_into(page.locator(f"#id_sections-{index}-heading"), WORDS[f"heading_{n}"])
    editor.type_into(page.locator(f"#id_sections-{index}-body"), WORDS[f"sentence_{n}"])


def picker(page, index: int):
    return page.locator(f"#sections-{index} .block-picker-wrap .select2-selection")


def save_and_publish(editor: Editor, publish_button: str):
    page = editor.page
    editor.save("the story", "_continue")
    errors = editor.submit(page.locator(publish_button).first)
    if editor.refused("publishing", errors):
        raise RuntimeError(f"publishing refused: {errors}")
    if not page.locator(".workflow__status", has_text="Published").count():
        raise RuntimeError("the story does not say it is published")


def confirm_live(editor: Editor) -> str:
    """The story's "View on site" link answers 200 (asked without loading it in the tab)."""
    page = editor.page
    link = page.locator("a.viewsitelink").first.get_attribute("href")
    response = page.context.request.get(editor.base + link if link.startswith("/") else link)
    if response.status != 200:
        raise RuntimeError(f"the story's public page answered {response.status}: {response.url}")
    return response.url


# --- before: every fact on its own page first -------------------------------------------------


def autocomplete(page, field_id: str):
    return page.locator(f"#{field_id} + .select2 .select2-selection")


def flow_before(editor: Editor):
    page = editor.page

    editor.open_add("person")
    editor.type_into(page.locator("#id_name"), WORDS["speaker"])
    editor.save("the person")

    editor.open_add("source")
    editor.type_into(page.locator("#id_publisher"), WORDS["quote_publisher"])
    editor.type_into(page.locator("#id_title"), WORDS["quote_title"])
    editor.choose(page.locator("#id_kind"), WORDS["quote_kind"])
    editor.save("the first source", "_addanother")
    editor.type_into(page.locator("#id_publisher"), WORDS["statistic_publisher"])
    editor.type_into(page.locator("#id_title"), WORDS["statistic_title"])
    editor.choose(page.locator("#id_kind"), WORDS["statistic_kind"])
    editor.save("the second source")

    editor.open_add("quote")
    editor.type_into(page.locator("#id_text"), WORDS["quote"])
    editor.search_and_pick(
        autocomplete(page, "id_speaker"), WORDS["find_speaker"], WORDS["speaker"]
    )
    editor.search_and_pick(
        autocomplete(page, "id_source"), WORDS["find_quote_source"], WORDS["quote_title"]
    )
    editor.save("the quote")

    editor.open_add("statistic")
    editor.type_into(page.locator("#id_label"), WORDS["statistic"])
    editor.search_and_pick(
        autocomplete(page, "id_source"), WORDS["find_statistic_source"], WORDS["statistic_title"]
    )
    editor.type_into(page.locator("#id_values-0-value"), WORDS["value"])
    editor.type_into(page.locator("#id_values-0-qualifier"), WORDS["qualifier"])
    errors = editor.submit(page.locator("input[name='_save']"))
    if editor.refused("the statistic", errors):
        # what the source printed is not what the box takes: the number without its commas
        editor.type_into(page.locator("#id_values-0-value"), WORDS["value"].replace(",", ""))
        editor.save("the statistic, again")

    start_story(editor)
    write_section(editor, 0)
    editor.search_and_pick(picker(page, 0), WORDS["find_quote"], f"Quote card · {WORDS['speaker']}")
    write_section(editor, 1)
    editor.search_and_pick(
        picker(page, 1), WORDS["find_statistic"], f"Statistic card · {WORDS['statistic']}"
    )
    save_and_publish(editor, ".workflow form button:has-text('Publish now')")


# --- after: the facts made beside the text ----------------------------------------------------


def new_fact(editor: Editor, index: int, kind: str, term: str, fields: list[tuple[str, str]]):
    """Search, choose "New <kind> “<term>”…", fill the form beside the text, create it."""
    page = editor.page
    editor.search_and_pick(picker(page, index), term, f"New {kind} “{term}”")
    dialog = page.locator("dialog.new-fact-dialog")
    editor.timed(lambda: dialog.locator("button[type='submit']").wait_for(state="visible"))
    for name, value in fields:
        box = dialog.locator(f"[name='{name}']")
        if box.evaluate("e => e.tagName") == "SELECT":
            editor.choose(box, value)
        else:
            editor.type_into(box, value)
    editor.tally.submits += 1
    editor.click(dialog.locator("button[type='submit']"))
    closed = editor.timed(lambda: _closed_or_refused(dialog))
    if not closed:
        errors = [t.strip() for t in dialog.locator(".errorlist li, .errornote").all_inner_texts()]
        editor.refused(f"the new {kind}", errors)
        raise RuntimeError(f"the new {kind} was refused: {errors}")
    body = page.locator(f"#id_sections-{index}-body").input_value()
    if f"[[{kind}:" not in body:
        raise RuntimeError(f"no {kind} token in section {index + 1}: {body!r}")


def _closed_or_refused(dialog) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not dialog.count():
            return True
        if dialog.locator(".errorlist li").count():
            return False
        time.sleep(0.02)
    raise TimeoutError("the new-fact form neither closed nor said what is wrong")


def flow_after(editor: Editor):
    start_story(editor)
    write_section(editor, 0)
    new_fact(
        editor,
        0,
        "quote",
        WORDS["find_quote"],
        [
            ("text", WORDS["quote"]),
            ("new_speaker_name", WORDS["speaker"]),
            ("new_source_publisher", WORDS["quote_publisher"]),
            ("new_source_title", WORDS["quote_title"]),
            ("new_source_kind", WORDS["quote_kind"]),
        ],
    )
    write_section(editor, 1)
    new_fact(
        editor,
        1,
        "statistic",
        WORDS["find_statistic"],
        [
            ("label", WORDS["statistic"]),
            ("value", WORDS["value"]),
            ("qualifier", WORDS["qualifier"]),
            ("new_source_publisher", WORDS["statistic_publisher"]),
            ("new_source_title", WORDS["statistic_title"]),
            ("new_source_kind", WORDS["statistic_kind"]),
        ],
    )
    save_and_publish(editor, "button[name='_workflow'][value='publish']")


FLOWS = {"before": flow_before, "after": flow_after}


# --- running and reporting --------------------------------------------------------------------

COLUMNS = [
    ("flow", "flow", "{}"),
    ("wall", "wall s", "{:.1f}"),
    ("page_loads", "loads", "{}"),
    ("submits", "submits", "{}"),
    ("clicks", "clicks", "{}"),
    ("chars", "chars", "{}"),
    ("other_keys", "keys", "{}"),
    ("decisions", "M", "{}"),
    ("pages", "pages", "{}"),
    ("waits", "waits s", "{:.1f}"),
    ("klm", "KLM s", "{:.0f}"),
    ("klm_min", "KLM min", "{:.1f}"),
]


def row(figures: dict) -> dict:
    figures = dict(figures)
    if isinstance(figures.get("pages"), list):
        figures["pages"] = len(figures["pages"])
    keys = figures["chars"] + figures["other_keys"]
    figures["klm"] = K * keys + P * figures["clicks"] + M * figures["decisions"] + figures["waits"]
    figures["klm_min"] = figures["klm"] / 60
    return figures


def print_table(rows: list[dict], out=sys.stdout):
    cells = [[label for _, label, _ in COLUMNS]]
    cells += [[fmt.format(r[key]) for key, _, fmt in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    for n, line in enumerate(cells):
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def run(args) -> Tally:
    from playwright.sync_api import sync_playwright

    tally = Tally(flow=args.flow, run=args.run)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        editor = Editor(page, args.base, tally)
        log_in(page, editor.base, args.username, args.password)

        editor.counting = True
        start = time.perf_counter()
        try:
            FLOWS[args.flow](editor)
            tally.story_url = confirm_live(editor)
        finally:
            tally.wall = time.perf_counter() - start
            editor.counting = False
            if args.screenshots:
                folder = Path(args.screenshots)
                folder.mkdir(parents=True, exist_ok=True)
                suffix = f"-run{args.run}" if args.run else ""
                shot = folder / f"editor-timing-{args.flow}{suffix}-{WIDTH}.png"
                page.screenshot(path=str(shot), full_page=True)
                tally.screenshot = str(shot)
            browser.close()
    return tally


def summary(path: Path):
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = []
    for flow in FLOWS:
        mine = [row(r) for r in runs if r["flow"] == flow]
        if not mine:
            continue
        median = {"flow": flow}
        for key, _, _ in COLUMNS[1:]:
            median[key] = statistics.median(r[key] for r in mine)
        rows.append(median)
        walls = ", ".join(f"{r['wall']:.1f}" for r in mine)
        print(f"{flow}: {len(mine)} runs, wall seconds {walls}")
    print("\nMedians:")
    print_table(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="the server, e.g. http://127.0.0.1:8021")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--flow", choices=FLOWS)
    parser.add_argument("--screenshots", help="folder for a 1,280 px screenshot of the end")
    parser.add_argument("--run", type=int, default=0, help="a run number, for the record")
    parser.add_argument("--record", type=Path, help="append this run's figures to a JSON file")
    parser.add_argument("--summary", type=Path, help="print the medians of a --record file")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    if not (args.base and args.username and args.password and args.flow):
        parser.error("--base, --username, --password and --flow are needed for a run")

    tally = run(args)
    figures = asdict(tally)
    print(f"Flow {tally.flow}: published {tally.story_url}")
    print("Admin pages: " + ", ".join(tally.pages))
    for refusal in tally.refusals:
        print(f"Refused or asked: {refusal}")
    if tally.screenshot:
        print(f"Screenshot: {tally.screenshot}")
    print()
    print_table([row(figures)])
    if args.record:
        with args.record.open("a") as record:
            record.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
