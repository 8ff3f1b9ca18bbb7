"""Typical answers to the coach's questions: what a user who answers what was asked writes."""

from __future__ import annotations

from typing import Final

from coach.judgement.answers import Slot
from coach.models import MetricCheck, Question

SECTIONS: Final = {
    "situation": "The export fed the finance reports every morning and kept missing the cut-off.",
    "task": "I was asked to own the fix and get it done before the quarter closed.",
    "action": "I rewrote the slow query and added a regression test for it.",
    "result": "The job now finishes before the reports are due.",
    "leadership_impact": "Two other teams copied the approach for their own jobs.",
    "tradeoffs": "I chose a batch query over a cache because a cache would have gone stale.",
    "lessons": "I learned to measure before changing anything.",
    "future_applications": "Next time I will add the profiling step to our runbook.",
}
CHECKS: Final = {
    MetricCheck.BASELINE: "Before the change it was 40 minutes.",
    MetricCheck.TIME_WINDOW: "That was over the four weeks after launch.",
    MetricCheck.METHOD: "We measured it on the Grafana dashboard.",
    MetricCheck.CONFIDENCE: "It is an estimate, between 11 and 13 minutes.",
    MetricCheck.ATTRIBUTION: "My change did all of it; nothing else shipped that month.",
}
METRICS: Final = {
    "coverage": "It went down by 30%, measured on the team dashboard.",
    "none": "Runtime dropped from 2 hours to 12 minutes.",
    "breadth": "It saved about $20,000 a year in compute and cut support tickets by 15%.",
}
LEVELS: Final = {
    "scope": "Our team owned the export service, and the change touched two adjacent teams. "
    "Teams across three business units adopted it as the company-wide standard.",
    "ambiguity": "Nobody knew the cause at first, so I profiled the job to find out. "
    "I defined the problem myself and set the direction the other teams followed.",
    "influence": "I convinced the database lead, who objected to the index, with the profile. "
    "I brought two directors from other orgs along without authority over them.",
    "time_horizon": "It ran for two quarters and set up the next year of work. "
    "It set a three-year direction for the platform.",
    "judgment": "The alternative was a cache, which I rejected because it would go stale; "
    "I balanced the competing needs of the finance and data teams.",
    "results": "Runtime went from 2 hours to 12 minutes, "
    "and revenue reporting across the company now closes a day earlier.",
    "people": "I mentored a junior engineer, who now owns the job. "
    "I grew two engineers into tech leads across three teams.",
}


def typical_answer(question: Question) -> str:
    """An answer giving what `question` asks for, no more."""
    slot = Slot.parse(question.slot)
    if slot.kind == "section":
        return SECTIONS[slot.name]
    if slot.checks:
        return " ".join(CHECKS[check] for check in slot.checks)
    if slot.kind == "metric":
        return METRICS[slot.name]
    return LEVELS[slot.name.removesuffix(".anti")]
