"""The readings of the words of question and answer (``faq.normalize.read``), filled for the
existing entries, with a GIN index on each as a tsvector of those words (Postgres only;
SQLite scans): a short reading query (ぜい, ほう) is matched as the start of a word through
it, where a substring of the readings was in most rows and scanned.

The bigram indexes on the reading columns (0006) go: readings are kana and the search never
looks a two-kana piece up in them (nearly every row has it), so they only cost writes.
"""

from django.db import migrations, models

# PARALLEL UNSAFE keeps a query that uses it in one process: a short reading finds half the
# table through the index, and at 10,000 FAQs that is ~6 ms to count in one process against
# ~14 ms with a parallel worker (its start-up and the gather) on a 2-core machine.
FUNCTION = """
CREATE OR REPLACE FUNCTION faq_words(text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
    SELECT array_to_tsvector(string_to_array($1, ' '))
$$
"""
INDEXES = (
    ("faq_question_words", "faq_words(question_words)"),
    ("faq_answer_words", "faq_words(answer_words)"),
)
UNUSED = (
    ("faq_question_reading_bigrams", "faq_bigrams(question_reading)"),
    ("faq_answer_reading_bigrams", "faq_bigrams(answer_reading)"),
)


def fill(apps, schema_editor):
    from faq import richtext
    from faq.normalize import reading_words

    FAQ = apps.get_model("faq", "FAQ")
    for faq in FAQ.objects.only("pk", "question", "answer").iterator(chunk_size=500):
        FAQ.objects.filter(pk=faq.pk).update(
            question_words=reading_words(faq.question),
            answer_words=reading_words(richtext.to_plain(faq.answer)),
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON faq_faq USING gin ({expression})")
    for name, _expression in UNUSED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in UNUSED:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON faq_faq USING gin ({expression})")
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS faq_words(text)")


class Migration(migrations.Migration):
    dependencies = [("faq", "0007_import_job")]

    operations = [
        migrations.AddField(
            model_name="faq",
            name="question_words",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="faq",
            name="answer_words",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
