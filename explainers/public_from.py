"""Each fact block's ``public_from``, kept by the database: the time from which readers see it.

A quote, statistic or claim is public while a story readers can see places it
(``SectionBlock.objects.published()``: published, its time come, not a working copy). Asked per
block, that is a scan of usage rows for every block a list shows. So each block stores the
earliest publication time of the published or scheduled stories placing it, and ``public()`` is
``public_from <= now``: the same rule (a scheduled story's blocks appear at its time, with no job),
read from one indexed column.

Who keeps it
    Triggers on the usage rows, sections and stories, installed by ``install`` (after every
    ``migrate``, see ``after_migrations``), so that no path can leave it behind: the workflow
    verbs, a plain ``save()``, a queryset ``update()``, a cascade, the archive writer's COPY. A
    block placed by a story readers see or will see lowers its time if that story is earlier; a
    block removed, or a story unpublished, rescheduled or made a working copy, recomputes the
    time of the blocks whose earliest story it was. A fact block's own ``save()`` never writes
    the column (``claims.models.FactBlock.save``).

Transactions (PostgreSQL)
    A change locks the blocks whose time depends on it, in id order, quotes before statistics
    before claims: a block that a published or scheduled story places is share-locked (``FOR
    KEY SHARE``, which placements elsewhere do not wait for), one whose time is lowered or
    recomputed locked for writing. So a recomputation waits for a placement not yet committed,
    then sees it: each statement runs in READ COMMITTED with a snapshot taken after its locks.
    Blocks placed in drafts and working copies are not locked at all. Two transactions that
    both lower or recompute the times of the same blocks, in a different order across several
    statements, can deadlock; PostgreSQL then cancels one, and nothing wrong is stored.

SQLite
    Table remakes in migrations would trip over triggers naming the remade tables, so on SQLite
    they are dropped before migrations run and installed again, with the column refilled, after.
"""

from django.db import connections, router, transaction

from claims.models import FACT_MODELS

from .models import Explainer, Section, SectionBlock

# Moved on whenever the SQL below changes: ``after_migrations`` then installs the new version.
VERSION = 1
PREFIX = "explainers_public_from_"
EVENTS = ("blocks_added", "blocks_removed", "blocks_changed", "story_changed", "section_moved")


def _names(connection) -> dict:
    q = connection.ops.quote_name
    story = Explainer._meta
    return {
        "blocks": q(SectionBlock._meta.db_table),
        "block_section": q(SectionBlock._meta.get_field("section").column),
        "sections": q(Section._meta.db_table),
        "section_story": q(Section._meta.get_field("explainer").column),
        "stories": q(story.db_table),
        "status": q(story.get_field("status").column),
        "published_at": q(story.get_field("published_at").column),
        "draft_of": q(story.get_field("draft_of").column),
        "published": f"'{Explainer.Status.PUBLISHED}'",
    }


class _Sql:
    """The statements that keep one kind of fact block's ``public_from``, for one database.

    Each takes the changed "contributions": rows ``(fact, t)``, a block and the publication time
    of the story placing it (NULL for a time not known: the block's story is gone)."""

    def __init__(self, connection, kind: str):
        q = connection.ops.quote_name
        model = FACT_MODELS[kind]
        self.postgres = connection.vendor == "postgresql"
        self.n = {
            **_names(connection),
            "facts": q(model._meta.db_table),
            "public_from": q(model._meta.get_field("public_from").column),
            "use": q(SectionBlock._meta.get_field(kind).column),
            "unknown": "CAST(NULL AS timestamp with time zone)" if self.postgres else "NULL",
        }

    def __call__(self, template: str, **more) -> str:
        return " ".join(template.format(**self.n, **more).split())

    def counts(self, story: str) -> str:
        """A story whose blocks count: published (now or scheduled), not a working copy."""
        return self("{story}.{status} = {published} AND {story}.{draft_of} IS NULL", story=story)

    def first(self) -> str:
        """The time the block in the row being updated is public from: its earliest story's."""
        return self(
            """(SELECT MIN(e.{published_at}) FROM {blocks} b
                 JOIN {sections} s ON s.id = b.{block_section}
                 JOIN {stories} e ON e.id = s.{section_story}
                WHERE b.{use} = {facts}.id AND """
            + self.counts("e")
            + ")"
        )

    # Contributions ------------------------------------------------------------------------

    def placed(self, rows: str) -> str:
        """Blocks in ``rows`` placed by stories that count, with their stories' times."""
        return self(
            """SELECT r.{use} AS fact, e.{published_at} AS t FROM {rows} r
                 JOIN {sections} s ON s.id = r.{block_section}
                 JOIN {stories} e ON e.id = s.{section_story}
                WHERE r.{use} IS NOT NULL AND """
            + self.counts("e"),
            rows=rows,
        )

    def unplaced(self, rows: str) -> str:
        """Blocks in ``rows`` (removed) whose story counts, or is gone (time unknown)."""
        return self(
            """SELECT r.{use} AS fact, CASE WHEN e.id IS NULL THEN {unknown}
                      ELSE e.{published_at} END AS t FROM {rows} r
                 LEFT JOIN {sections} s ON s.id = r.{block_section}
                 LEFT JOIN {stories} e ON e.id = s.{section_story}
                WHERE r.{use} IS NOT NULL AND (e.id IS NULL OR ("""
            + self.counts("e")
            + "))",
            rows=rows,
        )

    def of_story(self, story: str) -> str:
        """The blocks of ``story`` (a trigger's OLD or NEW row), at its time, if it counts."""
        return self(
            """SELECT b.{use} AS fact, {story}.{published_at} AS t FROM {blocks} b
                 JOIN {sections} s ON s.id = b.{block_section}
                WHERE s.{section_story} = {story}.id AND b.{use} IS NOT NULL AND """
            + self.counts(story),
            story=story,
        )

    def of_section(self, section: str) -> str:
        """The blocks of ``section`` (a trigger's row)."""
        return self(
            """SELECT b.{use} AS fact FROM {blocks} b
                WHERE b.{block_section} = {section}.id AND b.{use} IS NOT NULL""",
            section=section,
        )

    # Changes --------------------------------------------------------------------------------

    def add(self, contributions: str) -> list[str]:
        """Placed: a block is public from its new story's time if that is earlier."""
        placed = f"id IN (SELECT c.fact FROM ({contributions}) c)"
        if not self.postgres:  # a trigger per row: one contribution
            earliest = f"(SELECT MIN(c.t) FROM ({contributions}) c WHERE c.fact = {{facts}}.id)"
            earlier = f"{placed} AND ({{public_from}} IS NULL OR {{public_from}} > {earliest})"
            return [self(f"UPDATE {{facts}} SET {{public_from}} = {earliest} WHERE {earlier}")]
        # A statement's rows, each block's earliest time found once (a COPY may hold thousands).
        firsts = f"(SELECT c.fact, MIN(c.t) AS first FROM ({contributions}) c GROUP BY c.fact) x"
        earlier = "x.fact = {facts}.id AND ({facts}.{public_from} IS NULL OR {facts}.{public_from} > x.first)"
        return [
            self(f"PERFORM 1 FROM {{facts}} WHERE {placed} ORDER BY id FOR KEY SHARE"),
            self(
                f"PERFORM 1 FROM {{facts}} JOIN {firsts} ON {earlier}"
                " ORDER BY {facts}.id FOR NO KEY UPDATE OF {facts}"
            ),
            self(f"UPDATE {{facts}} SET {{public_from}} = x.first FROM {firsts} WHERE {earlier}"),
        ]

    def remove(self, contributions: str) -> list[str]:
        """Removed: a block whose earliest story this was has its time recomputed."""
        placed = f"id IN (SELECT c.fact FROM ({contributions}) c)"
        if not self.postgres:  # a trigger per row: one contribution
            was_first = (
                f"{placed} AND {{public_from}} IS NOT NULL AND EXISTS (SELECT 1 FROM"
                f" ({contributions}) c WHERE c.fact = {{facts}}.id"
                " AND (c.t IS NULL OR c.t <= {public_from}))"
            )
            return [
                self(f"UPDATE {{facts}} SET {{public_from}} = {self.first()} WHERE {was_first}")
            ]
        # Of a statement's rows, the earliest time each block had from them (NULL: not known).
        firsts = (
            "(SELECT c.fact, bool_or(c.t IS NULL) AS unknown, MIN(c.t) AS first"
            f" FROM ({contributions}) c GROUP BY c.fact) x"
        )
        was_first = (
            "x.fact = {facts}.id AND {facts}.{public_from} IS NOT NULL"
            " AND (x.unknown OR x.first <= {facts}.{public_from})"
        )
        return [
            self(f"PERFORM 1 FROM {{facts}} WHERE {placed} ORDER BY id FOR UPDATE"),
            self(
                f"UPDATE {{facts}} SET {{public_from}} = {self.first()} FROM {firsts} WHERE {was_first}"
            ),
        ]

    def recompute(self, contributions: str) -> list[str]:
        """Moved between stories: the blocks' times computed afresh."""
        placed = f"id IN (SELECT c.fact FROM ({contributions}) c)"
        statements = []
        if self.postgres:
            statements.append(
                self(f"PERFORM 1 FROM {{facts}} WHERE {placed} ORDER BY id FOR UPDATE")
            )
        statements.append(
            self(f"UPDATE {{facts}} SET {{public_from}} = {self.first()} WHERE {placed}")
        )
        return statements

    def fill(self) -> str:
        return self(f"UPDATE {{facts}} SET {{public_from}} = {self.first()}")


def _kinds(connection) -> list[_Sql]:
    return [_Sql(connection, kind) for kind in ("quote", "statistic", "claim")]


def _visibility_changed(connection) -> str:
    n = _names(connection)
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    return " OR ".join(
        f"NOT (OLD.{n[column]} {same} NEW.{n[column]})"
        for column in ("status", "published_at", "draft_of")
    )


def _bodies(connection) -> dict[str, list[str]]:
    """Each event's statements, the rows they read named as the database gives them."""
    if connection.vendor == "postgresql":
        added, removed = "added", "removed"  # the statement's transition tables
    else:
        row = "(SELECT {0}.%s AS %s, {0}.%s AS %s, {0}.%s AS %s, {0}.%s AS %s)"
        columns = [
            connection.ops.quote_name(SectionBlock._meta.get_field(name).column)
            for name in ("section", "quote", "statistic", "claim")
        ]
        row = row % tuple(column for column in columns for _ in (0, 1))
        added, removed = row.format("NEW"), row.format("OLD")
    kinds = _kinds(connection)
    return {
        "blocks_added": [s for k in kinds for s in k.add(k.placed(added))],
        "blocks_removed": [s for k in kinds for s in k.remove(k.unplaced(removed))],
        "blocks_changed": [
            *(s for k in kinds for s in k.remove(k.unplaced(removed))),
            *(s for k in kinds for s in k.add(k.placed(added))),
        ],
        "story_changed": [
            *(s for k in kinds for s in k.remove(k.of_story("OLD"))),
            *(s for k in kinds for s in k.add(k.of_story("NEW"))),
        ],
        "section_moved": [s for k in kinds for s in k.recompute(k.of_section("NEW"))],
    }


def _name(event: str) -> str:
    return f"{PREFIX}v{VERSION}_{event}"


def _create_statements(connection) -> list[str]:
    n = _names(connection)
    bodies = _bodies(connection)
    tables = {
        "blocks_added": n["blocks"],
        "blocks_removed": n["blocks"],
        "blocks_changed": n["blocks"],
        "story_changed": n["stories"],
        "section_moved": n["sections"],
    }
    if connection.vendor == "postgresql":
        timing = {
            "blocks_added": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS added"
            " FOR EACH STATEMENT",
            "blocks_removed": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed"
            " FOR EACH STATEMENT",
            "blocks_changed": "AFTER UPDATE ON {table}"
            " REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT",
            "story_changed": "AFTER UPDATE ON {table} FOR EACH ROW",
            "section_moved": "AFTER UPDATE ON {table} FOR EACH ROW",
        }
        # No WHEN clause: it would tie the columns' types to the triggers.
        moved = f"OLD.{n['section_story']} IS DISTINCT FROM NEW.{n['section_story']}"
        guards = {
            "story_changed": f"IF NOT ({_visibility_changed(connection)}) THEN RETURN NULL; END IF;",
            "section_moved": f"IF NOT ({moved}) THEN RETURN NULL; END IF;",
        }
        statements = []
        for event in EVENTS:
            name = _name(event)
            body = " ".join(f"{statement};" for statement in bodies[event])
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {guards.get(event, '')} {body} RETURN NULL; END $$",
                f"CREATE TRIGGER {name} {timing[event].format(table=tables[event])}"
                f" EXECUTE FUNCTION {name}()",
            ]
        return statements
    moved = f"OLD.{n['section_story']} IS NOT NEW.{n['section_story']}"
    timing = {
        "blocks_added": "AFTER INSERT ON {table} FOR EACH ROW",
        "blocks_removed": "AFTER DELETE ON {table} FOR EACH ROW",
        "blocks_changed": "AFTER UPDATE ON {table} FOR EACH ROW",
        "story_changed": "AFTER UPDATE ON {table} FOR EACH ROW WHEN "
        + _visibility_changed(connection),
        "section_moved": "AFTER UPDATE ON {table} FOR EACH ROW WHEN " + moved,
    }
    return [
        f"CREATE TRIGGER {_name(event)} {timing[event].format(table=tables[event])} BEGIN "
        + " ".join(f"{statement};" for statement in bodies[event])
        + " END"
        for event in EVENTS
    ]


# --- Installing --------------------------------------------------------------------------------


def installed(connection) -> dict[str, str]:
    """Our triggers in the database: name -> the table it is on."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgname LIKE %s",
                [PREFIX.replace("_", r"\_") + "%"],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                r" AND name LIKE %s ESCAPE '\'",
                [PREFIX.replace("_", r"\_") + "%"],
            )
        return dict(cursor.fetchall())


def is_current(connection) -> bool:
    return set(installed(connection)) == {_name(event) for event in EVENTS}


def uninstall(connection) -> None:
    """Drop our triggers (and on PostgreSQL their functions), of any version."""
    with connection.cursor() as cursor:
        for name, table in installed(connection).items():
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT proname FROM pg_proc WHERE proname LIKE %s"
                " AND pronamespace = current_schema()::regnamespace",
                [PREFIX.replace("_", r"\_") + "%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def install(connection) -> None:
    """Install the current triggers (replacing any other version) and fill the column."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        uninstall(connection)
        for statement in _create_statements(connection):
            cursor.execute(statement)
        fill(connection)


def fill(connection) -> None:
    """Compute every block's ``public_from`` from the usage rows (what the triggers keep)."""
    with connection.cursor() as cursor:
        for kind in _kinds(connection):
            cursor.execute(kind.fill())


def _supported(connection) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def _has_column(connection) -> bool:
    model = FACT_MODELS["quote"]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if model._meta.db_table not in tables:
            return False
        columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return model._meta.get_field("public_from").column in {column.name for column in columns}


def before_migrations(sender, using, **kwargs) -> None:
    """``pre_migrate``: on SQLite, out of the way of table remakes (see the module docstring)."""
    connection = connections[using]
    if connection.vendor == "sqlite" and router.allow_migrate_model(using, SectionBlock):
        uninstall(connection)


def after_migrations(sender, using, **kwargs) -> None:
    """``post_migrate``: the current triggers, and a filled column, wherever the column exists;
    none where it does not (migrated back)."""
    connection = connections[using]
    if not _supported(connection) or not router.allow_migrate_model(using, SectionBlock):
        return
    if not _has_column(connection):
        uninstall(connection)
    elif not is_current(connection):
        install(connection)
