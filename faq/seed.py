"""The FAQs the portal ships with, written from the seed document (番号制度 2015).

The entries themselves are content, kept in ``faq/data/seed.toml`` where an editor can read and
change them; this module loads them. ``load()`` is run by ``manage.py load_reference_data``: it
creates the entries that are missing (by number) and leaves entries an editor has since changed
alone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from faq import services
from faq.models import FAQ

SOURCE = Path(__file__).with_name("data") / "seed.toml"


@dataclass(frozen=True)
class Entry:
    work_item: str
    field: str
    topic: str
    question: str
    answer: str
    links: tuple[dict, ...] = ()
    related: tuple[int, ...] = ()  # other entries, by their position in the file (from 1)


def _read(path: Path = SOURCE) -> tuple[Entry, ...]:
    with path.open("rb") as source:
        rows = tomllib.load(source)["faq"]
    return tuple(
        Entry(
            **{key: value for key, value in row.items() if key not in ("links", "related")},
            links=tuple(row.get("links", ())),
            related=tuple(row.get("related", ())),
        )
        for row in rows
    )


ENTRIES: tuple[Entry, ...] = _read()


def number(index: int) -> str:
    return f"{services.NUMBER_PREFIX}{index:04d}"


def _relate(new: set[str]) -> None:
    """Link neighbouring entries, only for those created now (editors may have changed links)."""
    faqs = FAQ.objects.in_bulk(field_name="number")
    for source, entry in enumerate(ENTRIES, start=1):
        if entry.related and number(source) in new:
            faqs[number(source)].related.add(*(faqs[number(t)] for t in entry.related))


@transaction.atomic
def load() -> str:
    """Create the shipped FAQs that are missing; never overwrite an editor's changes."""
    existing = set(FAQ.objects.values_list("number", flat=True))
    created = 0
    new: list[str] = []
    for index, entry in enumerate(ENTRIES, start=1):
        if number(index) in existing:
            continue
        services.create_faq(
            number=number(index),
            question=entry.question,
            answer=entry.answer,
            work_item=entry.work_item,
            field=entry.field,
            topic=entry.topic,
            related_documents=list(entry.links),
        )
        created += 1
        new.append(number(index))
    _relate(set(new))
    return f"{len(ENTRIES)} FAQs ({created} new)"
