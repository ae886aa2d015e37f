"""A statistic's history as a chart: SVG drawn on the server, so it needs no script.

Built with ``format_html`` like the cards (claims.cards), so every label is escaped. Only values
with an "as of" date are drawn: a value without one cannot be placed on a time axis, and no date
is ever made up for it; the chart says how many it leaves out and the table beneath lists them.

The chart is drawn twice, for a wide and a narrow frame, and the stylesheet shows the one that
fits its container: a single drawing scaled down to a phone would shrink its labels to
unreadable sizes. Colours are set as presentation attributes (which the site's Content Security
Policy allows, unlike ``style=``) and refined by the stylesheet; current and replaced values
differ by shape as well as colour.
"""

import datetime
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

INK = "#16181d"
INK_SOFT = "#4a4f59"
LINE = "#0b4f8a"  # the site's link blue: 8.6:1 on white, 7.9:1 on the cards' wash
GRID = "#d9d5cc"
PAPER = "#ffffff"

NICE_STEPS = [Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)]
CHAR_WIDTH = 0.6  # of the font size: a generous average for the sans-serif figures and dates


@dataclass(frozen=True)
class Frame:
    """One drawing of the chart: its viewBox and the largest number of date labels."""

    name: str
    width: int
    height: int
    font: int
    max_dates: int


WIDE = Frame("wide", 600, 280, 14, 8)
NARROW = Frame("narrow", 380, 280, 14, 5)


@dataclass
class Point:
    value: object  # StatisticValue
    day: datetime.date
    number: float
    label: str  # "around 13,000 people"
    number_text: str  # "13,000"
    kind: str  # "current", "revision" (a current value that replaced another) or "replaced"
    replaced_by: str = ""  # for a replaced value: the label of the value that replaced it


def history_chart(statistic, *, dom_id: str = "") -> SafeString:
    """The chart of ``statistic``'s dated values, with its key and a note of the values it leaves
    out; "" when no value has a date."""
    history = statistic.history  # from the prefetched values: no query
    points = _points(statistic, history)
    if not points:
        return mark_safe("")
    dom_id = dom_id or f"chart-{statistic.pk}"
    undated = len(history) - len(points)
    title = statistic.label  # with the description: "Net migration, 3 values from 2022 to 2024: …"
    desc = _description(points, undated)
    drawings = _join(
        _svg(statistic, points, frame, dom_id, title, desc) for frame in (WIDE, NARROW)
    )
    return _html(
        '\n<figure class="chart" id="{}">\n{}  <figcaption class="chart__caption">\n{}{}'
        "  </figcaption>\n</figure>\n",
        dom_id,
        drawings,
        _key(points),
        _undated_note(undated),
    )


def sparkline(statistic, *, upto=None) -> SafeString:
    """A small line of the current dated values, for a card whose own text gives the figures (so
    it is hidden from screen readers); up to ``upto``, the value the card shows, which ends the
    line. "" unless there are two points to join."""
    points = [p for p in _points(statistic, statistic.history) if p.kind != "replaced"]
    if upto is not None:
        if upto.as_of is None:
            return mark_safe("")
        points = [p for p in points if p.day < upto.as_of and p.value.pk != upto.pk]
        points.append(_point(statistic, upto, "current"))
    if len(points) < 2:
        return mark_safe("")
    width, height, pad = 96, 28, 3
    days = _DayScale(points[0].day, points[-1].day, pad, width - pad)
    low, high = _extent([p.number for p in points])
    span = (high - low) or 1.0

    def y(number):
        return height - pad - (number - low) / span * (height - 2 * pad)

    coordinates = " ".join(f"{days(p.day):.1f},{y(p.number):.1f}" for p in points)
    last = points[-1]
    return _html(
        '<svg class="stat__sparkline" viewBox="0 0 {} {}" width="{}" height="{}" '
        'aria-hidden="true" focusable="false">'
        '<polyline class="chart__line" points="{}" fill="none" stroke="{}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        '<circle class="chart__dot" cx="{}" cy="{}" r="2.75" fill="{}"/></svg>',
        width,
        height,
        width,
        height,
        coordinates,
        LINE,
        days(last.day),
        y(last.number),
        LINE,
    )


# --- Data ---------------------------------------------------------------------------------------


def _points(statistic, history) -> list[Point]:
    """The dated values, oldest first: current ones and the ones a later value replaced."""
    points, by_revised = [], {value.revises_id: value for value in history if value.revises_id}
    for value in history:
        if value.as_of is None:
            continue
        kind = "replaced" if value.is_superseded else "revision" if value.revises_id else "current"
        point = _point(statistic, value, kind)
        if value.pk in by_revised:
            point.replaced_by = _point(statistic, by_revised[value.pk], "").label
        points.append(point)
    return sorted(points, key=lambda p: (p.day, p.kind != "replaced", p.value.recorded_at))


def _point(statistic, value, kind) -> Point:
    number = statistic.format(value.value)
    label = " ".join(part for part in (value.qualifier, number, statistic.unit) if part)
    return Point(value, value.as_of, float(value.value), label, number, kind)


def _when(value) -> str:
    """ "in 2024 (as of 31 December 2024)" or "as of 11 August 2025"."""
    as_of = f"as of {date_filter(value.as_of, 'j F Y')}"
    return f"{value.period_display} ({as_of})" if value.period_display else as_of


def _description(points, undated) -> str:
    shown = [p for p in points if p.kind != "replaced"]
    replaced = [p for p in points if p.kind == "replaced"]
    first, last = shown[0].day.year, shown[-1].day.year
    span = f"in {first}" if first == last else f"from {first} to {last}"
    count = f"{len(shown)} value{'' if len(shown) == 1 else 's'}"
    text = f"{count} {span}: "
    text += "; ".join(f"{p.label} {_when(p.value)}" for p in shown) + "."
    if replaced:
        text += " Replaced: " + "; ".join(
            f"{p.label} {_when(p.value)}, by {p.replaced_by}" for p in replaced
        )
        text += "."
    if undated:
        text += f" {_undated_text(undated)}"
    return text


def _undated_text(undated) -> str:
    if undated == 1:
        return "1 value has no date given, so it is not drawn; it is listed in the table."
    return (
        f"{undated} values have no date given, so they are not drawn; they are listed in the table."
    )


def _tooltip(point) -> str:
    value = point.value
    text = f"{point.label}, {_when(value)}. Source: {value.shown_source.publisher}."
    if point.kind == "replaced":
        text += f" Replaced by {point.replaced_by}." if point.replaced_by else " Replaced."
    elif value.revises_id:
        text += (
            " Corrects our mistake."
            if value.revision_kind == "correction"
            else " The source revised its figure."
        )
        if value.correction_note:
            text += f" {value.correction_note}"
    return text


# --- Scales -------------------------------------------------------------------------------------


def _extent(numbers) -> tuple[float, float]:
    return min(numbers), max(numbers)


def nice_ticks(low: float, high: float) -> list[Decimal]:
    """3 to 5 round values covering low..high, from zero unless a value is negative."""
    low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        high = 1.0
    span = Decimal(repr(high - low))
    raw = span / 4
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in NICE_STEPS * 2:  # a second pass, one magnitude up, if five did not suffice
        step = multiple * magnitude
        if step < raw:
            continue
        bottom = math.floor(Decimal(repr(low)) / step)
        top = math.ceil(Decimal(repr(high)) / step)
        if top - bottom + 1 <= 5:
            break
        if multiple == NICE_STEPS[-1]:
            magnitude *= 10
    ticks = [step * n for n in range(bottom, top + 1)]
    while len(ticks) < 3:  # one value at a round number: add a step above
        ticks.append(ticks[-1] + step)
    return ticks


class _DayScale:
    """Days to x: the first and last dates at ``left`` and ``right``, a single date midway."""

    def __init__(self, first, last, left: float, right: float, frame_width: float = 0):
        self.first, self.days = first.toordinal(), max(0, (last - first).days)
        self.left, self.right, self.frame_width = left, right, frame_width

    def __call__(self, day: datetime.date) -> float:
        if not self.days:
            return (self.left + self.right) / 2
        return self.left + (day.toordinal() - self.first) / self.days * (self.right - self.left)


def _text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def _date_ticks(points, scale, frame) -> list[tuple[datetime.date, str]]:
    """The "as of" dates themselves (a year for a year's figure) when they fit side by side;
    else round dates, months or years, that do; else every second, third… "as of" date, counted
    back from the latest. A year's figures keep their own dates: a round "2024" beside the
    figure for 2023, as of 31 December, would misread."""
    days = sorted({p.day for p in points})
    gap = frame.font
    exact = [(day, _day_label(day, points)) for day in days]
    if len(exact) <= frame.max_dates and _fits(exact, scale, frame.font, gap):
        return exact
    yearly = all(label.isdigit() for _, label in exact)
    first, last = days[0], days[-1]
    for unit, step in (
        []
        if yearly
        else [("month", 1), ("month", 3), ("month", 6)]
        + [("year", n) for n in (1, 2, 5, 10, 20, 50, 100)]
    ):
        ticks = _calendar(unit, step, first, last)
        if 2 <= len(ticks) <= frame.max_dates and _fits(ticks, scale, frame.font, gap):
            return ticks
    for stride in range(2, len(exact) + 1):
        ticks = exact[::-1][::stride][::-1]
        if len(ticks) <= frame.max_dates and _fits(ticks, scale, frame.font, gap):
            return ticks
    return exact[-1:]


def _day_label(day, points) -> str:
    """ "2024" when every value of that day is the figure for calendar year 2024, as of its last
    day; else the date, "11 Aug 2025"."""
    values = [p.value for p in points if p.day == day]
    if all(
        v.period_start == datetime.date(day.year, 1, 1)
        and v.period_end == day == datetime.date(day.year, 12, 31)
        for v in values
    ):
        return str(day.year)
    return date_filter(day, "j M Y")


def _calendar(unit, step, first, last) -> list[tuple[datetime.date, str]]:
    if unit == "year":
        years = range(first.year + ((first.month, first.day) != (1, 1)), last.year + 1)
        return [(datetime.date(y, 1, 1), str(y)) for y in years if y % step == 0]
    ticks = []
    month = first.year * 12 + first.month - 1 + (first.day != 1)
    while month <= last.year * 12 + last.month - 1:
        if month % step == 0:
            day = datetime.date(month // 12, month % 12 + 1, 1)
            ticks.append((day, date_filter(day, "M Y")))
        month += 1
    return ticks


def _placed(ticks, scale, font) -> list[tuple[float, float, str]]:
    """(tick x, label x, label) for each tick: labels centred on their ticks, moved in from the
    edges of the frame where they would run off it."""
    placed = []
    for day, label in ticks:
        x, half = scale(day), _text_width(label, font) / 2
        placed.append((x, min(max(x, half), scale.frame_width - half), label))
    return placed


def _fits(ticks, scale, font, gap) -> bool:
    """Whether the labels of ``ticks`` stand side by side without overlapping."""
    spans = [
        (x - _text_width(label, font) / 2, x + _text_width(label, font) / 2)
        for _, x, label in _placed(ticks, scale, font)
    ]
    return all(a[1] + gap <= b[0] for a, b in itertools.pairwise(spans))


# --- Drawing ------------------------------------------------------------------------------------


def _join(pieces) -> SafeString:
    return mark_safe("".join(pieces))


def _num(value):
    """A coordinate with at most one decimal: 12.5, 40 (not 40.0)."""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return value


def _html(format_string: str, *args) -> SafeString:
    """``format_html`` with coordinates rounded; every other argument escaped as usual."""
    return format_html(format_string, *(_num(arg) for arg in args))


def _rows(format_string: str, rows) -> SafeString:
    return _join(_html(format_string, *row) for row in rows)


def _svg(statistic, points, frame, dom_id, title, desc) -> SafeString:
    font = frame.font
    ticks = nice_ticks(*_extent([p.number for p in points]))
    tick_labels = [statistic.format(tick) for tick in ticks]
    unit = statistic.unit
    left = max(_text_width(label, font) for label in tick_labels) + 10
    top = font * 2.5 + 6  # the unit above the axis, and room for the latest value's label
    bottom = frame.height - font - 14
    right = frame.width - 12
    days = _DayScale(points[0].day, points[-1].day, left + 10, right - 10, frame.width)
    low, high = float(ticks[0]), float(ticks[-1])

    def y(number: float) -> float:
        return bottom - (number - low) / (high - low) * (bottom - top)

    grid = _rows(
        '<line class="chart__grid{}" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"'
        ' stroke-width="1"/><text class="chart__tick" x="{}" y="{}" dy="0.32em"'
        ' text-anchor="end" font-size="{}" fill="{}">{}</text>',
        (
            (
                " chart__grid--zero" if tick == 0 else "",
                left,
                right,
                y(float(tick)),
                y(float(tick)),
                INK_SOFT if tick == 0 else GRID,
                left - 8,
                y(float(tick)),
                font,
                INK_SOFT,
                label,
            )
            for tick, label in zip(ticks, tick_labels, strict=True)
        ),
    )
    unit_title = (
        _html(
            '<text class="chart__unit" x="0" y="{}" font-size="{}" fill="{}">{}</text>',
            font,
            font,
            INK_SOFT,
            unit,
        )
        if unit
        else ""
    )
    date_axis = _rows(
        '<line class="chart__axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
        '<text class="chart__tick" x="{}" y="{}" text-anchor="middle" font-size="{}"'
        ' fill="{}">{}</text>',
        (
            (
                tick_x,
                tick_x,
                bottom,
                bottom + 5,
                INK_SOFT,
                x,
                bottom + font + 6,
                font,
                INK_SOFT,
                label,
            )
            for tick_x, x, label in _placed(_date_ticks(points, days, frame), days, font)
        ),
    )
    shown = [p for p in points if p.kind != "replaced"]
    line = (
        _html(
            '<polyline class="chart__line" points="{}" fill="none" stroke="{}" stroke-width="2.5"'
            ' stroke-linejoin="round" stroke-linecap="round"/>',
            " ".join(f"{days(p.day):.1f},{y(p.number):.1f}" for p in shown),
            LINE,
        )
        if len(shown) > 1
        else ""
    )
    markers = _join(_marker(p, days(p.day), y(p.number)) for p in points)
    return _html(
        '  <svg class="chart__svg chart__svg--{}" viewBox="0 0 {} {}" width="100%" role="img"'
        ' aria-labelledby="{}-{}-title {}-{}-desc" font-family="system-ui, sans-serif">\n'
        '    <title id="{}-{}-title">{}</title>\n    <desc id="{}-{}-desc">{}</desc>\n'
        "    {}{}{}{}{}{}\n  </svg>\n",
        frame.name,
        frame.width,
        frame.height,
        dom_id,
        frame.name,
        dom_id,
        frame.name,
        dom_id,
        frame.name,
        title,
        dom_id,
        frame.name,
        desc,
        unit_title,
        grid,
        date_axis,
        line,
        markers,
        _latest_label(
            shown[-1],
            days(shown[-1].day),
            y(shown[-1].number),
            y(shown[-2].number) if len(shown) > 1 else None,
            frame,
            left,
            bottom,
        ),
    )


def _marker(point, x, y) -> SafeString:
    tooltip = _tooltip(point)
    if point.kind == "replaced":
        return _html(
            '<g class="chart__point chart__point--replaced"><title>{}</title>'
            '<circle cx="{}" cy="{}" r="5.5" fill="{}" stroke="{}" stroke-width="2"/>'
            '<path d="M{} {}l7 7m0 -7l-7 7" stroke="{}" stroke-width="1.75"/></g>',
            tooltip,
            x,
            y,
            PAPER,
            INK_SOFT,
            x - 3.5,
            y - 3.5,
            INK_SOFT,
        )
    if point.kind == "revision":
        return _html(
            '<g class="chart__point chart__point--revision"><title>{}</title>'
            '<path d="M{} {}l6.5 6.5l-6.5 6.5l-6.5 -6.5z" fill="{}" stroke="{}"'
            ' stroke-width="1.5"/></g>',
            tooltip,
            x,
            y - 6.5,
            LINE,
            PAPER,
        )
    return _html(
        '<g class="chart__point"><title>{}</title>'
        '<circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="1.5"/></g>',
        tooltip,
        x,
        y,
        LINE,
        PAPER,
    )


def _latest_label(point, x, y, previous_y, frame, left, bottom) -> SafeString:
    """The latest value written beside its point, as newsroom charts do: above it, or below it
    when the line comes down to it; the axis gives the unit."""
    text = " ".join(part for part in (point.value.qualifier, point.number_text) if part)
    width = _text_width(text, frame.font)
    anchor, tx = "middle", x
    if x + width / 2 > frame.width - 2:
        anchor, tx = "end", min(x + 6, frame.width - 2)
    elif x - width / 2 < left:
        anchor, tx = "start", max(x - 6, left)
    below = previous_y is not None and previous_y < y and y + frame.font + 10 < bottom
    return _html(
        '<text class="chart__label" x="{}" y="{}" text-anchor="{}" font-size="{}"'
        ' font-weight="700" fill="{}" stroke="{}" stroke-width="4" paint-order="stroke"'
        ' stroke-linejoin="round">{}</text>',
        tx,
        y + frame.font + 8 if below else y - 12,
        anchor,
        frame.font,
        INK,
        PAPER,
        text,
    )


_SWATCHES = {
    "current": (
        "Current value",
        _html(
            '<circle cx="8" cy="8" r="5" fill="{}" stroke="{}" stroke-width="1.5"/>', LINE, PAPER
        ),
    ),
    "revision": (
        "Corrected or revised value",
        _html(
            '<path d="M8 1.5l6.5 6.5l-6.5 6.5l-6.5 -6.5z" fill="{}" stroke="{}" stroke-width="1.5"/>',
            LINE,
            PAPER,
        ),
    ),
    "replaced": (
        "Replaced value, no longer current",
        _html(
            '<circle cx="8" cy="8" r="5.5" fill="{}" stroke="{}" stroke-width="2"/>'
            '<path d="M4.5 4.5l7 7m0 -7l-7 7" stroke="{}" stroke-width="1.75"/>',
            PAPER,
            INK_SOFT,
            INK_SOFT,
        ),
    ),
}


def _key(points) -> SafeString:
    """The key to the markers drawn (none for a single kind of current value)."""
    kinds = {p.kind for p in points}
    if kinds <= {"current"}:
        return mark_safe("")
    items = _rows(
        '<li class="chart__key-item"><svg class="chart__swatch" viewBox="0 0 16 16" width="16"'
        ' height="16" aria-hidden="true" focusable="false">{}</svg> {}</li>',
        (
            (_SWATCHES[kind][1], _SWATCHES[kind][0])
            for kind in ("current", "revision", "replaced")
            if kind in kinds
        ),
    )
    return _html('    <ul class="chart__key">{}</ul>\n', items)


def _undated_note(undated) -> SafeString:
    if not undated:
        return mark_safe("")
    return _html('    <p class="chart__note">{}</p>\n', _undated_text(undated))
