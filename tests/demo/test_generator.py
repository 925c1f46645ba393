"""The column-wise generator on its own: ID numbers, sequence slots, a full bucket."""

import datetime as dt

import numpy as np

from jiuzhu.core import idnumber
from jiuzhu.demo.generator import (
    EPOCH,
    FEMALE_SLOTS,
    MALE_SLOTS,
    GeneratorState,
    Village,
    assign_sequences,
    generate_chunk,
    id_numbers,
)
from jiuzhu.registry.bulk import check_batch

AS_OF = dt.date(2026, 6, 30)


def state() -> GeneratorState:
    return GeneratorState(
        villages=[Village(1, "370124102201", "东阿镇东阿村", False)],
        id_regions=("370124", "370102"),
        as_of=AS_OF,
    )


def slot(s: GeneratorState, code: str, day: str, male: int) -> int:
    offset = (np.datetime64(day) - EPOCH).astype(np.int64)
    key = s.slot_key(np.array([s.id_regions.index(code)]), np.array([offset]), np.array([male]))
    return int(s.id_slots[key][0])


def test_vectorised_id_numbers_match_idnumber_make():
    rng = np.random.default_rng(1)
    birth = np.datetime64("1930-01-01") + rng.integers(0, 35000, 500)
    seq = rng.integers(1, 1000, 500)
    codes = rng.choice([370124, 370102, 110105], 500)
    made = id_numbers(codes, birth, seq)
    for value, code, born, s in zip(made, codes, birth.tolist(), seq.tolist(), strict=True):
        assert value == idnumber.make(str(code), born, s)
        assert idnumber.is_valid(value)


def test_slots_start_above_the_id_numbers_already_in_use():
    s = state()
    s.mark_used_ids(
        [
            idnumber.make("370124", dt.date(1970, 5, 17), 7),  # male, slot 3
            idnumber.make("370124", dt.date(1970, 5, 17), 3),
            idnumber.make("370102", dt.date(2000, 2, 29), 10),  # female, slot 4
            idnumber.make("370124", dt.date(1970, 5, 18), 998),  # female, last slot
            idnumber.make("110105", dt.date(1970, 5, 17), 99),  # another city: ignored
            "37012419700230001X",  # no such day: ignored
        ]
    )
    assert slot(s, "370124", "1970-05-17", 1) == 4
    assert slot(s, "370124", "1970-05-17", 0) == 0
    assert slot(s, "370102", "2000-02-29", 0) == 5
    assert slot(s, "370124", "1970-05-18", 0) == FEMALE_SLOTS
    assert int(s.id_slots.astype(np.int64).sum()) == 4 + 5 + FEMALE_SLOTS


def test_a_full_day_moves_the_birth_date_a_day_earlier():
    s = state()
    n = MALE_SLOTS + 30
    birth = np.full(n, np.datetime64("1980-03-01"))
    male = np.ones(n, dtype=bool)
    region = np.zeros(n, dtype=np.int64)
    seq, moved = assign_sequences(s, region, birth, male)
    made = id_numbers(np.full(n, 370124), moved, seq)
    assert len(set(made)) == n
    assert (moved == np.datetime64("1980-03-01")).sum() == MALE_SLOTS
    assert (moved == np.datetime64("1980-02-29")).sum() == 30
    for value, born in zip(made, moved.tolist(), strict=True):
        facts = idnumber.parse(value)
        assert facts.birth_date == born and facts.sex == "M"


def county_state() -> GeneratorState:
    villages = [
        Village(1, "370124102201", "东阿镇东阿村", False),
        Village(2, "370124102202", "东阿镇西村", False),
        Village(3, "370124001001", "榆山街道青龙社区", True),
    ]
    generated = GeneratorState(villages=villages, id_regions=("370124", "370102"), as_of=AS_OF)
    generated.village_p = np.array([0.3, 0.3, 0.4])
    return generated


def test_a_chunk_is_a_batch_the_registry_writer_accepts_and_a_seed_repeats_it():
    batch = generate_chunk(np.random.default_rng(7), county_state(), 200)
    check_batch(batch)  # the registry's rules, column-wise: raises DomainError if broken
    members = batch.members
    assert len(batch.households.area_type) == 200
    is_head = np.array(members.relation) == "head"
    heads = members.household[is_head]
    assert sorted(heads.tolist()) == list(range(200))  # one head in every household
    sizes = np.bincount(members.household, minlength=200)
    assert sizes.min() >= 1 and sizes.max() <= 6
    # Urban households are registered in the community, their members urban residents.
    urban = np.array(batch.households.area_type) == "urban"
    assert (batch.households.registered_village[urban] == 2).all()
    assert set(np.array(members.hukou_type)[urban[members.household]]) <= {"urban"}
    # Assets are registered in the head's name.
    head_of = dict(zip(heads.tolist(), np.flatnonzero(is_head).tolist(), strict=True))
    assert [head_of[household] for household in batch.assets.household.tolist()] == (
        batch.assets.person.tolist()
    )
    again = generate_chunk(np.random.default_rng(7), county_state(), 200)
    assert again.members.id_number == members.id_number
    assert again.members.name == members.name
    assert again.incomes.monthly_fen.tolist() == batch.incomes.monthly_fen.tolist()
    assert again.assets.value_fen.tolist() == batch.assets.value_fen.tolist()
    assert again.households.address == batch.households.address
