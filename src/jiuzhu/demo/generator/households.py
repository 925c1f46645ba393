"""Household composition: templates of who lives together, drawn column-wise.

A template is a household shape (the head's age range, the other members' relations in
order); for each template, every household of that shape gets its members' relation, age,
sex and surname in one set of draws. The Python loops run over templates and member
slots, never over households.
"""

from dataclasses import dataclass, field

import numpy as np

from jiuzhu.demo import pools
from jiuzhu.demo.generator.arrays import Array
from jiuzhu.registry.models import Relation

HEAD, SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT = (
    Relation.HEAD,
    Relation.SPOUSE,
    Relation.CHILD,
    Relation.CHILD_IN_LAW,
    Relation.GRANDCHILD,
    Relation.PARENT,
)
RELATIONS = tuple(Relation.values)
RELATION_INDEX = {relation: i for i, relation in enumerate(RELATIONS)}
BOYS_SHARE = 0.53  # of children born


@dataclass(frozen=True)
class Template:
    """A household shape: the head's age range and the other members' relations in order."""

    weight: float
    head_ages: tuple[int, int]
    head_male: float
    members: tuple[str, ...]
    single_parent: bool = False


# Weights give sizes 1-6 of about 19/29/18/16/9/4 % (mean ≈ 2.8, near the county's 2.9).
S, C, L, G, P = SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT  # short, for the table only
TEMPLATES: tuple[Template, ...] = (
    Template(0.12, (60, 90), 0.45, ()),  # elderly person living alone
    Template(0.07, (25, 59), 0.65, ()),
    Template(0.17, (60, 88), 0.85, (S,)),  # elderly couple
    Template(0.07, (25, 59), 0.85, (S,)),
    Template(0.03, (28, 55), 0.35, (C,), single_parent=True),
    Template(0.02, (30, 60), 0.70, (P,)),
    Template(0.14, (26, 60), 0.85, (S, C)),
    Template(0.01, (30, 55), 0.35, (C, C), single_parent=True),
    Template(0.03, (30, 62), 0.85, (S, P)),
    Template(0.10, (30, 55), 0.85, (S, C, C)),
    Template(0.04, (30, 60), 0.85, (S, C, P)),
    Template(0.02, (48, 70), 0.85, (S, C, L)),
    Template(0.04, (32, 58), 0.85, (S, C, C, P)),
    Template(0.04, (48, 72), 0.85, (S, C, L, G)),
    Template(0.01, (32, 58), 0.85, (S, C, P, P)),
    Template(0.02, (34, 56), 0.85, (S, C, C, P, P)),
    Template(0.02, (50, 72), 0.85, (S, C, L, G, G)),
)
del S, C, L, G, P
TEMPLATE_P = np.array([t.weight for t in TEMPLATES]) / sum(t.weight for t in TEMPLATES)
SINGLE_PARENT = np.array([t.single_parent for t in TEMPLATES])

Member = tuple[Array, Array, Array]  # age, male, surname (index into pools.SURNAMES)


@dataclass
class People:
    """Members as parallel arrays, template by template, before sorting into household order."""

    household: list[Array] = field(default_factory=list)
    slot: list[Array] = field(default_factory=list)  # 0 for the head, then 1, 2 … in order
    relation: list[Array] = field(default_factory=list)  # index into RELATIONS
    age: list[Array] = field(default_factory=list)
    male: list[Array] = field(default_factory=list)
    surname: list[Array] = field(default_factory=list)

    def add(self, household: Array, slot: int, relation: str, member: Member) -> None:
        """Add one member slot of every household in `household`."""
        age, male, surname = member
        self.household.append(household)
        self.slot.append(np.full(len(household), slot))
        self.relation.append(np.full(len(household), RELATION_INDEX[relation]))
        self.age.append(np.asarray(age, dtype=np.int64))
        self.male.append(np.asarray(male, dtype=bool))
        self.surname.append(np.asarray(surname, dtype=np.int64))


@dataclass
class _Kin:
    """The members of one template's households drawn so far, which the next ones follow."""

    rng: np.random.Generator
    template: Template
    surname_p: Array
    head: Member
    father_surname: Array  # children take the father's surname: the head's or a husband's
    children: list[Member] = field(default_factory=list)
    in_law: Member | None = None
    grandchild_age: Array | None = None
    parent_ages: list[Array] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.head[0])

    def surnames(self) -> Array:
        return self.rng.choice(len(self.surname_p), size=self.count, p=self.surname_p)

    def spouse(self) -> Member:
        """Of the other sex, about the head's age (a wife a couple of years younger)."""
        rng, count = self.rng, self.count
        head_age, head_male, head_surname = self.head
        age = np.clip(head_age + np.round(rng.normal(0, 3, count)) - 2 * head_male + 1, 20, 99)
        surname = self.surnames()
        self.father_surname = np.where(head_male, head_surname, surname)
        return age, ~head_male, surname

    def child(self) -> Member:
        """The first child 22-36 years younger than the head; each next one a little younger."""
        rng, count = self.rng, self.count
        head_age = self.head[0]
        married_child = CHILD_IN_LAW in self.template.members
        if not self.children:
            if married_child:
                age = np.maximum(head_age - rng.integers(22, 31, count), 22)
            else:
                age = head_age - rng.integers(22, 37, count)
                age = np.where(age < 0, rng.integers(0, 4, count), age)
            # The married son stays with his parents, as is usual in rural Shandong.
            male = rng.random(count) < (0.85 if married_child else BOYS_SHARE)
        else:
            age = np.maximum(self.children[-1][0] - rng.integers(1, 9, count), 0)
            male = rng.random(count) < BOYS_SHARE
        child = (age, male, self.father_surname)
        self.children.append(child)
        return child

    def child_in_law(self) -> Member:
        """The first child's spouse: of the other sex, about the same age."""
        child_age, child_male, _ = self.children[0]
        age = np.clip(
            child_age + np.round(self.rng.normal(0, 2, self.count)) + 2 * child_male - 1, 20, 99
        )
        self.in_law = (age, ~child_male, self.surnames())
        return self.in_law

    def grandchild(self) -> Member:
        """A child of the first child and their spouse, with the father's surname."""
        rng, count = self.rng, self.count
        assert self.in_law is not None, "a grandchild's template lists the child-in-law first"
        child_age, child_male, child_surname = self.children[0]
        if self.grandchild_age is None:
            age = np.minimum(child_age, self.in_law[0]) - rng.integers(22, 33, count)
            age = np.where(age < 0, rng.integers(0, 6, count), age)
        else:
            age = np.maximum(self.grandchild_age - rng.integers(1, 7, count), 0)
        self.grandchild_age = age
        male = rng.random(count) < BOYS_SHARE
        return age, male, np.where(child_male, child_surname, self.in_law[2])

    def parent(self) -> Member:
        """A parent of the head: a couple (father first), or more often a widowed mother."""
        rng, count = self.rng, self.count
        head_age, _, head_surname = self.head
        both_parents = self.template.members.count(PARENT) == 2
        if both_parents and self.parent_ages:
            age = np.clip(self.parent_ages[0] + np.round(rng.normal(-2, 2, count)), 40, 99)
            male = np.zeros(count, dtype=bool)
        else:
            age = np.clip(head_age + rng.integers(22, 35, count), 40, 99)
            male = np.ones(count, dtype=bool) if both_parents else rng.random(count) < 0.3
        self.parent_ages.append(age)
        return age, male, np.where(male, head_surname, self.surnames())

    def member(self, relation: str) -> Member:
        """The next member of the template, by relation to the head."""
        draw = {
            SPOUSE: self.spouse,
            CHILD: self.child,
            CHILD_IN_LAW: self.child_in_law,
            GRANDCHILD: self.grandchild,
            PARENT: self.parent,
        }[Relation(relation)]
        return draw()


def compose(rng: np.random.Generator, template_of: Array) -> People:
    """Relations, ages, sexes and surnames of everyone, template by template."""
    people = People()
    surname_p = pools.surname_weights()
    for index, template in enumerate(TEMPLATES):
        households = np.flatnonzero(template_of == index)
        count = households.size
        if count == 0:
            continue
        low, high = template.head_ages
        head_age = rng.integers(low, high + 1, count)
        head_male = rng.random(count) < template.head_male
        head_surname = rng.choice(len(surname_p), size=count, p=surname_p)
        head = (head_age, head_male, head_surname)
        people.add(households, 0, HEAD, head)
        kin = _Kin(rng, template, surname_p, head, father_surname=head_surname)
        for slot, relation in enumerate(template.members, start=1):
            people.add(households, slot, relation, kin.member(relation))
    return people
