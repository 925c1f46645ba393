"""Bulk load of generated households through the registry's bulk writer.

Households come in chunks of CHUNK_HOUSEHOLDS, each generated as columns and written by
`registry.bulk.RegistryBulkWriter` in one transaction, so memory stays flat and an
interrupted run leaves only whole households. The next chunk is generated and encoded on
a thread of its own while the server stores the current one (`_ahead`): the generator's
CPU and the server's then run side by side, on two cores. The writer gives the ids (after
the highest already used) and the household numbers (continuing per village).

A second run appends: the random stream is keyed by the seed and the number of households
already present (so the new people are new people), and ID-number sequence digits continue
above those in use. It is meant for setting up a demo or a benchmark, not to run while
staff are registering households.
"""

import contextlib
import datetime as dt
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from jiuzhu.core.bulk import FastSqlite, PostgresRebuild, PreparedTable
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.demo.generator import (
    JINAN_OTHER_CODES,
    GeneratorState,
    Village,
    generate_chunk,
    village_weights,
)
from jiuzhu.registry import bulk
from jiuzhu.registry.bulk import RegistryBatch
from jiuzhu.registry.models import Household

CHUNK_HOUSEHOLDS = 50_000

# From this many households (and at least as many as the tables already hold), PostgreSQL
# loads faster without the foreign keys and non-unique indexes, rebuilt once at the end.
REBUILD_FROM = 50_000


@dataclass
class LoadResult:
    """What a load wrote, and how long it took."""

    households: int = 0
    persons: int = 0
    incomes: int = 0
    assets: int = 0
    seconds: float = 0.0
    first_household_id: int = 0  # the first id given in this run (the rest follow it)


def county_and_villages() -> tuple[Region, list[Village]]:
    """The county (the first by code) and its villages in code order."""
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if county is None:
        raise ValueError("尚未导入行政区划。")
    rows = (
        Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=county.prefix)
        .select_related("parent")
        .order_by("code")
    )
    villages = [
        Village(
            id=r.pk,
            code=r.code,
            address=(r.parent.name if r.parent else "") + r.name,
            urban=r.is_urban,
        )
        for r in rows
    ]
    if not villages:
        raise ValueError("行政区划中没有村（社区）。")
    return county, villages


def _id_regions(county: Region) -> tuple[str, ...]:
    """Birth places of the county's people: the county first, then the rest of Jinan."""
    own = county.code[:6]
    if own.startswith("3701"):
        return (own, *(c for c in JINAN_OTHER_CODES if c != own))
    return (own,)


def _prepare_state(
    villages: list[Village], county: Region, as_of: dt.date, rng: np.random.Generator
) -> GeneratorState:
    """The generator's starting state, its ID-number slots above those already in use."""
    state = GeneratorState(villages=villages, id_regions=_id_regions(county), as_of=as_of)
    state.village_p = village_weights(rng, villages)
    state.mark_used_ids(bulk.used_id_numbers(state.id_regions))
    return state


def _rebuild(households: int, already: int, rebuild_indexes: bool | None) -> PostgresRebuild | None:
    """The index rebuild for a large PostgreSQL load (see REBUILD_FROM), or None."""
    if rebuild_indexes is None:
        rebuild_indexes = households >= max(REBUILD_FROM, already)
    if rebuild_indexes and connection.vendor == "postgresql":
        return PostgresRebuild(bulk.MODELS)
    return None


def _ahead(items: Iterator[Any]) -> Iterator[Any]:
    """`items`, made on a thread of their own one item ahead of the caller. An error there
    is raised here; when the caller stops early, the thread stops at its next item."""
    handed: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(done: bool, value: Any) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                handed.put((done, value), timeout=0.1)
                return

    def make() -> None:
        try:
            for item in items:
                hand(False, item)
                if stop.is_set():
                    return
            hand(True, None)
        except BaseException as error:  # handed to the caller, raised there
            hand(True, error)

    thread = threading.Thread(target=make, name="demo-generator", daemon=True)
    thread.start()
    try:
        while True:
            done, value = handed.get()
            if done:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        thread.join()


def _prepared_chunks(
    streams: list[np.random.SeedSequence],
    state: GeneratorState,
    writer: bulk.RegistryBulkWriter,
    households: int,
    chunk_size: int,
) -> Iterator[tuple[RegistryBatch, list[PreparedTable]]]:
    """Each chunk generated from its own stream, checked and encoded; reads no database."""
    for chunk in range(len(streams) - 1):
        in_chunk = min(chunk_size, households - chunk * chunk_size)
        batch = generate_chunk(np.random.default_rng(streams[chunk + 1]), state, in_chunk)
        yield batch, writer.prepare(batch)


def load_households(
    households: int,
    seed: int,
    as_of: dt.date | None = None,
    progress: bool = True,
    chunk_size: int = CHUNK_HOUSEHOLDS,
    rebuild_indexes: bool | None = None,
) -> LoadResult:
    """Generate and write `households` households; the same seed gives the same county.

    rebuild_indexes (PostgreSQL only): load the whole run in one transaction without
    foreign keys and non-unique indexes and rebuild them at the end; by default from
    REBUILD_FROM households on.
    """
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    county, villages = county_and_villages()
    already = Household.objects.count()
    rebuild = _rebuild(households, already, rebuild_indexes)
    n_chunks = -(-households // chunk_size)
    streams = np.random.SeedSequence([seed, already]).spawn(n_chunks + 1)
    state = _prepare_state(villages, county, as_of, np.random.default_rng(streams[0]))
    writer = bulk.RegistryBulkWriter(villages)
    result = LoadResult(first_household_id=writer.next_household_id)
    connection.ensure_connection()
    bar = tqdm(
        total=households, unit="户", desc="生成演示家庭", file=sys.stderr, disable=not progress
    )
    # With a rebuild the whole load is one transaction (chunks become savepoints).
    outer = transaction.atomic() if rebuild else contextlib.nullcontext()
    with bar, FastSqlite(), outer:
        if rebuild:
            rebuild.drop()
        chunks = _prepared_chunks(streams, state, writer, households, chunk_size)
        for batch, prepared in _ahead(chunks):
            writer.write_prepared(prepared)
            in_chunk = len(batch.households.area_type)
            result.households += in_chunk
            result.persons += len(batch.members.id_number)
            result.incomes += len(batch.incomes.category)
            result.assets += len(batch.assets.kind)
            bar.update(in_chunk)
        if rebuild:
            bar.set_description("重建索引")
            rebuild.restore()
    if households:
        writer.finish()
    result.seconds = time.perf_counter() - started
    return result
