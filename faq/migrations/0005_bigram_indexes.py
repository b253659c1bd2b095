"""GIN indexes on the two-character pieces (bigrams) of the normalised search columns, for the
two-character words pg_trgm cannot help with (年金, 税務: common in Japanese). Postgres only;
SQLite scans."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION faq_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}')
    FROM generate_series(1, char_length($1) - 1) AS i
$$
"""
INDEXES = (
    ("faq_question_norm_bigrams", "question_norm"),
    ("faq_answer_norm_bigrams", "answer_norm"),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON faq_faq USING gin (faq_bigrams({column}))"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS faq_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("faq", "0004_faq_version_updated_by")]

    operations = [migrations.RunPython(forwards, backwards)]
