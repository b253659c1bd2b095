"""The readings (kana) of question and answer, filled for the existing entries, with the same
pg_trgm and bigram GIN indexes as the normalised columns (Postgres only; SQLite scans).

``manage.py refresh_readings`` fills them again (e.g. after a dictionary update)."""

from django.db import migrations, models

INDEXES = (
    ("faq_question_reading_trgm", "question_reading gin_trgm_ops"),
    ("faq_answer_reading_trgm", "answer_reading gin_trgm_ops"),
    ("faq_question_reading_bigrams", "faq_bigrams(question_reading)"),
    ("faq_answer_reading_bigrams", "faq_bigrams(answer_reading)"),
)


def fill(apps, schema_editor):
    from faq import richtext
    from faq.normalize import reading

    FAQ = apps.get_model("faq", "FAQ")
    for faq in FAQ.objects.only("pk", "question", "answer").iterator(chunk_size=500):
        FAQ.objects.filter(pk=faq.pk).update(
            question_reading=reading(faq.question),
            answer_reading=reading(richtext.to_plain(faq.answer)),
        )


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON faq_faq USING gin ({expression})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("faq", "0005_bigram_indexes")]

    operations = [
        migrations.AddField(
            model_name="faq",
            name="answer_reading",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="faq",
            name="question_reading",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
