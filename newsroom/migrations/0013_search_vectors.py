"""A stored full-text document per story for reader search, on PostgreSQL only.

``explainers_explainer.search_vector`` holds the story's headline (weight A), standfirst and
section headings (B) and section text as readers see it (C: ``body_html`` with its markup and
block markers taken out). One vector per story, so a word found in every story of a large
archive is ranked with one ``ts_rank`` per story over a stored value, not by recomputing
``to_tsvector`` for every matching section and story: at 100,000 generated stories a word in
every story's text took over 120 s with the expression indexes of 0004 and takes about 100 ms
with this column (a headline word: 41 s before).

The column is the database's alone: triggers keep it current whatever writes the rows (the ORM,
publishing, the archive generator's COPY), so the models need not know it. A story's own row
recomputes it when its headline or standfirst changes; a statement on its sections (insert,
update, delete) recomputes it for the stories those rows belong to, once per statement.

The words of a quote a story places are not copied in: they are matched through the usage rows
at query time, so correcting a quote used by thousands of stories rewrites nothing.

SQLite has none of this: newsroom/search.py matches words there without an index.
"""

from django.db import migrations, transaction

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION newsroom_html_text(html text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(replace(
        regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#x27;', ''''), '&amp;', '&')
$$;

CREATE OR REPLACE FUNCTION newsroom_story_document(story bigint, title text, standfirst text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(standfirst, '')), 'B')
        || setweight(to_tsvector('english',
               coalesce(string_agg(s.heading, ' ' ORDER BY s.position), '')), 'B')
        || setweight(to_tsvector('english',
               coalesce(string_agg(newsroom_html_text(s.body_html), ' ' ORDER BY s.position), '')),
               'C')
    FROM explainers_section s
    WHERE s.explainer_id = story
$$;

CREATE OR REPLACE FUNCTION newsroom_story_document_own() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := newsroom_story_document(NEW.id, NEW.title, NEW.standfirst);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION newsroom_story_document_sections() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE explainers_explainer e
        SET search_vector = newsroom_story_document(e.id, e.title, e.standfirst)
        WHERE e.id IN (SELECT explainer_id FROM new_rows UNION SELECT explainer_id FROM old_rows);
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE explainers_explainer e
        SET search_vector = newsroom_story_document(e.id, e.title, e.standfirst)
        WHERE e.id IN (SELECT explainer_id FROM new_rows);
    ELSE
        UPDATE explainers_explainer e
        SET search_vector = newsroom_story_document(e.id, e.title, e.standfirst)
        WHERE e.id IN (SELECT explainer_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;
"""

FORWARDS = (
    FUNCTIONS
    + """
ALTER TABLE explainers_explainer ADD COLUMN IF NOT EXISTS search_vector tsvector;

CREATE OR REPLACE TRIGGER newsroom_story_document_insert
    BEFORE INSERT ON explainers_explainer
    FOR EACH ROW EXECUTE FUNCTION newsroom_story_document_own();
CREATE OR REPLACE TRIGGER newsroom_story_document_update
    BEFORE UPDATE OF title, standfirst ON explainers_explainer
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.standfirst IS DISTINCT FROM NEW.standfirst)
    EXECUTE FUNCTION newsroom_story_document_own();

CREATE OR REPLACE TRIGGER newsroom_story_document_section_insert
    AFTER INSERT ON explainers_section REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom_story_document_sections();
CREATE OR REPLACE TRIGGER newsroom_story_document_section_update
    AFTER UPDATE ON explainers_section REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom_story_document_sections();
CREATE OR REPLACE TRIGGER newsroom_story_document_section_delete
    AFTER DELETE ON explainers_section REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom_story_document_sections();

UPDATE explainers_explainer
SET search_vector = newsroom_story_document(id, title, standfirst);
"""
)

BACKWARDS = """
DROP INDEX CONCURRENTLY IF EXISTS explainer_document_idx;
DROP TRIGGER IF EXISTS newsroom_story_document_insert ON explainers_explainer;
DROP TRIGGER IF EXISTS newsroom_story_document_update ON explainers_explainer;
DROP TRIGGER IF EXISTS newsroom_story_document_section_insert ON explainers_section;
DROP TRIGGER IF EXISTS newsroom_story_document_section_update ON explainers_section;
DROP TRIGGER IF EXISTS newsroom_story_document_section_delete ON explainers_section;
ALTER TABLE explainers_explainer DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS newsroom_story_document_sections();
DROP FUNCTION IF EXISTS newsroom_story_document_own();
DROP FUNCTION IF EXISTS newsroom_story_document(bigint, text, text);
DROP FUNCTION IF EXISTS newsroom_html_text(text);
"""

# A concurrent build that failed (a timeout, a cancelled deploy) leaves an INVALID index that
# IF NOT EXISTS would keep: drop it, so that running the migration again builds it afresh. (The
# triggers above are CREATE OR REPLACE for the same reason.)
DROP_INVALID_INDEX = """
DO $$ BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'explainer_document_idx' AND NOT i.indisvalid
    ) THEN
        DROP INDEX explainer_document_idx;
    END IF;
END $$;
"""
# Built concurrently, outside the transaction above, so a large archive stays readable.
INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS explainer_document_idx "
    "ON explainers_explainer USING gin (search_vector)"
)
# Superseded by the stored vector: nothing queries these expressions any more, and every
# section write paid for the section one.
OLD_INDEXES = ["explainer_search_idx", "section_search_idx"]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(FORWARDS)
    with connection.cursor() as cursor:
        cursor.execute(DROP_INVALID_INDEX)
        cursor.execute(INDEX)
        for name in OLD_INDEXES:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in BACKWARDS.strip().split(";\n"):
            cursor.execute(statement)
    # 0004's expression indexes come back as 0004 made them.
    from importlib import import_module

    import_module("newsroom.migrations.0004_search_indexes").create_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("newsroom", "0012_reporters_add_facts"),
        ("explainers", "0009_add_news_kind"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
