"""Fill the reading (kana) search columns again: FAQs, documents and the procedures catalogue.

The migrations fill them once; run this after a dictionary (SudachiDict) update or a bulk load
that bypassed the services. Safe to run again: rows whose reading is unchanged are not written.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from documents import services as documents
from documents.models import Document
from faq import richtext
from faq.models import FAQ
from faq.normalize import read


class Command(BaseCommand):
    help = "FAQ・資料・事務手続の「よみ」検索列を作り直します。"

    def handle(self, *args, **options) -> None:
        faqs = 0
        fields = ("question_reading", "question_words", "answer_reading", "answer_words")
        for faq in FAQ.objects.only("pk", "question", "answer", *fields):
            values = (*read(faq.question), *read(richtext.to_plain(faq.answer)))
            if values != tuple(getattr(faq, field) for field in fields):
                FAQ.objects.filter(pk=faq.pk).update(**dict(zip(fields, values, strict=True)))
                faqs += 1
        docs = 0
        for document in Document.objects.select_related("publisher", "category"):
            before = document.search_reading
            documents.refresh_search_text(document)
            docs += before != document.search_reading
        rows = documents.refresh_catalogue_readings()
        self.stdout.write(f"FAQ {faqs}, documents {docs}, catalogue rows {rows} updated")
