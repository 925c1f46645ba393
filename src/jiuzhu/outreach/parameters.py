"""The outreach parameters in force on a day (policy/data/09-outreach.toml); each key is
written here once."""

import datetime as dt
from dataclasses import dataclass
from typing import Self

from jiuzhu.core.models import RegionLevel
from jiuzhu.outreach.models import Post, TargetGroup
from jiuzhu.policy.parameters import ParameterSet

_VISIT_INTERVAL = {group: f"outreach.visit_interval_days.{group}" for group in TargetGroup.values}


@dataclass(frozen=True)
class Outreach:
    triage_working_days: int
    referral_answer_working_days: int
    visit_interval_days: dict[str, int]

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            triage_working_days=int(parameters["outreach.lead_triage_working_days"]),
            referral_answer_working_days=int(parameters["outreach.referral_answer_working_days"]),
            visit_interval_days={
                group: int(parameters[key]) for group, key in _VISIT_INTERVAL.items()
            },
        )


@dataclass(frozen=True)
class Monitoring:
    """The warning rules' thresholds and the towns' handling limit."""

    death_lookback_days: int
    benefit_lost_min_fen: int
    school_leaver_max_age: int
    handling_working_days: int
    # Working age, as the policy defines incapacity (under the first age or from the second).
    working_age: tuple[int, int]
    medical_out_of_pocket_min_fen: int
    severe_disability_max_grade: int
    disability_lookback_days: int
    disaster_loss_min_fen: int
    disaster_lookback_days: int

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            death_lookback_days=int(parameters["outreach.warning.death_lookback_days"]),
            benefit_lost_min_fen=parameters.fen("outreach.warning.benefit_lost_min"),
            school_leaver_max_age=int(parameters["outreach.warning.school_leaver_max_age"]),
            handling_working_days=int(parameters["outreach.warning_handling_working_days"]),
            working_age=(
                int(parameters["tekun.incapacity_under_age"]),
                int(parameters["tekun.incapacity_min_age"]),
            ),
            medical_out_of_pocket_min_fen=parameters.fen(
                "outreach.warning.medical_out_of_pocket_min"
            ),
            severe_disability_max_grade=int(
                parameters["outreach.warning.severe_disability_max_grade"]
            ),
            disability_lookback_days=int(parameters["outreach.warning.disability_lookback_days"]),
            disaster_loss_min_fen=parameters.fen("outreach.warning.disaster_loss_min"),
            disaster_lookback_days=int(parameters["outreach.warning.disaster_lookback_days"]),
        )


@dataclass(frozen=True)
class Staffing:
    """The staff each level must have (POLICY.md §5): (post, at least, at most)."""

    town_assistants: tuple[int, int]
    village_coordinators: int
    social_workers: dict[str, int]  # by region level

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            town_assistants=(
                int(parameters["outreach.staff.town_assistants_min"]),
                int(parameters["outreach.staff.town_assistants_max"]),
            ),
            village_coordinators=int(parameters["outreach.staff.village_coordinators"]),
            social_workers={
                level: int(parameters[f"outreach.staff.social_workers.{level}"])
                for level in RegionLevel.values
            },
        )

    def required(self, level: RegionLevel) -> list[tuple[str, int, int]]:
        workers = self.social_workers[level]
        posts = [(Post.SOCIAL_WORKER.value, workers, workers)]
        if level == RegionLevel.TOWN:
            posts.insert(0, (Post.ASSISTANT.value, *self.town_assistants))
        if level == RegionLevel.VILLAGE:
            posts.insert(
                0, (Post.COORDINATOR.value, self.village_coordinators, self.village_coordinators)
            )
        return posts
