"""What the webhook tests share: a fake clock, and a workspace of three Posts entries beside a
second data source (issue #15)."""

from __future__ import annotations

import copy
import uuid

from tests.conftest import SEED_DATA_SOURCE
from tests.fakeclock import FakeClock  # noqa: F401 - the webhook tests' clock
from tests.storekit import entry, store

PAGES = [str(uuid.UUID(int=0x1000 + n)) for n in range(3)]  # the entries' ids (storekit.entry)
FOREIGN_DATA_SOURCE = "0f0e0d0c-0b0a-4909-8807-060504030201"
FOREIGN_DATABASE = "0a0b0c0d-0e0f-4000-8000-000000000001"


def workspace() -> dict:
    """Three entries of the Posts data source, and another database whose data source (the
    same properties) has no entry yet."""
    data = store([(entry(f"Post {n}", f"post-{n}", n), []) for n in range(3)])
    foreign = copy.deepcopy(data["data_sources"][SEED_DATA_SOURCE])
    foreign.update(id=FOREIGN_DATA_SOURCE, parent={"type": "database_id", "database_id": FOREIGN_DATABASE})
    database = copy.deepcopy(next(iter(data["databases"].values())))
    database.update(id=FOREIGN_DATABASE, data_sources=[{"id": FOREIGN_DATA_SOURCE, "name": "Elsewhere"}])
    data["data_sources"][FOREIGN_DATA_SOURCE], data["databases"][FOREIGN_DATABASE] = foreign, database
    data["entries"][FOREIGN_DATA_SOURCE] = []
    return data


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}
