"""Where households are registered and live, and their street addresses."""

from dataclasses import dataclass

import numpy as np

from jiuzhu.demo.generator.arrays import Array
from jiuzhu.demo.generator.state import GeneratorState, Village

AWAY_SHARE = 0.08  # households living in another village of the county than registered
TOWARDS_TOWN = 4.0  # how much likelier a community of the county town is as that place


def village_weights(rng: np.random.Generator, villages: list[Village]) -> Array:
    """How likely each village is as a household's place of registration.

    Communities in the county town are bigger than villages.
    """
    urban = np.array([v.urban for v in villages])
    weights = np.where(urban, rng.uniform(1.5, 3.0, len(villages)), rng.uniform(0.6, 1.4))
    return weights / weights.sum()


@dataclass
class Places:
    """Each household's village of registration and of residence (positions in villages)."""

    registered: Array
    residence: Array
    urban: Array  # registered in an urban community


def places(rng: np.random.Generator, state: GeneratorState, households: int) -> Places:
    """Registration by the villages' weights; some live elsewhere, mostly in the town."""
    village_count = len(state.villages)
    urban_village = np.array([v.urban for v in state.villages])
    registered = rng.choice(village_count, size=households, p=state.village_p)
    away = rng.random(households) < AWAY_SHARE
    towards_town = np.where(urban_village, TOWARDS_TOWN, 1.0) * state.village_p
    elsewhere = rng.choice(village_count, size=households, p=towards_town / towards_town.sum())
    elsewhere = np.where(elsewhere == registered, (elsewhere + 1) % village_count, elsewhere)
    residence = np.where(away, elsewhere, registered)
    return Places(registered=registered, residence=residence, urban=urban_village[registered])


def addresses(rng: np.random.Generator, villages: list[Village], residence: Array) -> list[str]:
    """Street addresses: a flat in the town's communities, a house number in a village."""
    count = len(residence)
    door = rng.integers(1, 400, count).tolist()
    building = rng.integers(1, 40, count).tolist()
    unit = rng.integers(1, 5, count).tolist()
    room = (rng.integers(1, 19, count) * 100 + rng.integers(1, 5, count)).tolist()
    out = []
    for i, position in enumerate(residence.tolist()):
        village = villages[position]
        if village.urban:
            out.append(f"{village.address}{building[i]}号楼{unit[i]}单元{room[i]}室")
        else:
            out.append(f"{village.address}{door[i]}号")
    return out
