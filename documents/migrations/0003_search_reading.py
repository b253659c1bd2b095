"""Search by reading: the reading (kana) of each document's and catalogue row's searched text,
filled for the existing rows; pg_trgm GIN indexes on the documents' two search columns
(Postgres only; SQLite scans). The catalogue (a few thousand rows) is scanned.

``manage.py refresh_readings`` fills them again (e.g. after a dictionary update)."""

from django.db import migrations, models

INDEXES = (
    ("document_search_text_trgm", "search_text"),
    ("document_search_reading_trgm", "search_reading"),
)


def fill(apps, schema_editor):
    from faq.normalize import reading

    Document = apps.get_model("documents", "Document")
    for document in Document.objects.only("pk", "title", "purpose", "search_text").iterator():
        # search_text is the normalised title, purpose, publisher, tags and category.
        text = document.search_text or f"{document.title} {document.purpose}"
        Document.objects.filter(pk=document.pk).update(search_reading=reading(text))
    for name, fields in (("Procedure", ("name", "usage")), ("Linkage", ("procedure_name", "information"))):
        model = apps.get_model("documents", name)
        for row in model.objects.only("pk", *fields).iterator():
            text = " ".join(getattr(row, field) for field in fields)
            model.objects.filter(pk=row.pk).update(search_reading=reading(text))


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON documents_document USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_audience_classes")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_reading",
            field=models.TextField(blank=True, editable=False, verbose_name="検索用よみ"),
        ),
        migrations.AddField(
            model_name="linkage",
            name="search_reading",
            field=models.TextField(blank=True, editable=False, verbose_name="検索用よみ"),
        ),
        migrations.AddField(
            model_name="procedure",
            name="search_reading",
            field=models.TextField(blank=True, editable=False, verbose_name="検索用よみ"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
