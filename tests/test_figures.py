"""Figures with their exact spans, kinds and before/after pairs, in the spellings people use."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.judgement.changes import pair_changes
from coach.judgement.figure_words import PERCENTILE
from coach.judgement.figures import _ASCII_DIGIT_OR_DOLLAR, _DIGIT_OR_CURRENCY
from coach.judgement.rubrics import RubricSet
from coach.models import MetricKind
from tests.strategies import joined_pieces

from .conftest import figures_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saved $4.2M/yr", [("$4.2M/yr", MetricKind.MONEY, 4_200_000)]),
        ("cut $310k of spend", [("$310k", MetricKind.MONEY, 310_000)]),
        ("error rate 0.5%", [("0.5%", MetricKind.PERCENT, 0.5)]),
        ("p99 850ms at peak", [("p99 850ms", MetricKind.PERCENTILE, 850)]),
        ("P95 response time: 380ms", [("P95 response time: 380ms", MetricKind.PERCENTILE, 380)]),
        ("took 3 seconds", [("3 seconds", MetricKind.LATENCY, 3)]),
        ("within 36 hours", [("36 hours", MetricKind.DURATION, 36)]),
        ("merged 14 services", [("14 services", MetricKind.COUNT, 14)]),
        ("12 critical queries", [("12 critical queries", MetricKind.COUNT, 12)]),
        ("three teams agreed", [("three teams", MetricKind.COUNT, 3)]),
        ("eleven teams adopted it", [("eleven teams", MetricKind.COUNT, 11)]),
        ("a dozen repos", [("a dozen repos", MetricKind.COUNT, 12)]),
        ("~30 engineers", [("~30 engineers", MetricKind.COUNT, 30)]),
        ("about 4% of traffic", [("about 4%", MetricKind.PERCENT, 4)]),
        ("10x throughput", [("10x", MetricKind.RATIO, 10)]),
        ("complaints roughly halved", [("roughly halved", MetricKind.RATIO, 0.5)]),
        ("CSAT 4.5/5", [("4.5/5", MetricKind.SCORE, 4.5)]),
        (
            "1.5M transactions per minute",
            [("1.5M transactions per minute", MetricKind.RATE, 1.5e6)],
        ),
        ("Zero security incidents", [("Zero security incidents", MetricKind.COUNT, 0)]),
        # What people write around a figure and count as part of it.
        ("infra +31% for tier 0", [("+31%", MetricKind.PERCENT, 31)]),
        ("kept under 200ms+ p50", [("under 200ms+", MetricKind.LATENCY, 200)]),
        ("keys rotated every 30 days", [("every 30 days", MetricKind.RATE, 30)]),
        ("fees of ~$0.90 per dispute", [("~$0.90 per dispute", MetricKind.MONEY, 0.9)]),
        ("a chip at ~$0.40/unit", [("~$0.40/unit", MetricKind.MONEY, 0.4)]),
        ("losses fell to $264K monthly", [("$264K monthly", MetricKind.MONEY, 264_000)]),
    ],
)
def test_figure_kinds_and_spans(
    text: str, expected: list[tuple[str, MetricKind, float]], rubrics: RubricSet
) -> None:
    found = figures_in(text, rubrics)
    assert [(f.text, f.kind, f.value) for f in found] == [
        (t, k, pytest.approx(v)) for t, k, v in expected
    ]


@pytest.mark.parametrize(
    "text",
    [
        "SOC 2 Type II with OAuth2",
        "patched Log4j for CVE-2021-44228",
        "in 2023 we moved to Java 17",
        "one of the first to try it",
        "a Sev 2 at 10:30",
        "found N+1 queries in the pricing service",
        "wrote a 2-pager on a 3-tier design with 2-phase commit",
    ],
)
def test_names_versions_years_and_prose_are_notfigures_in(text: str, rubrics: RubricSet) -> None:
    assert figures_in(text, rubrics) == []


def test_approximate_figures_are_marked(rubrics: RubricSet) -> None:
    flags = {
        f.text: f.approximate
        for f in figures_in("~30 services, 3+ seconds, exactly 7 teams", rubrics)
    }
    assert flags == {"~30 services": True, "3+ seconds": True, "7 teams": False}
    assert [f.approximate for f in figures_in("p50 at 200ms+", rubrics)] == [True]


@pytest.mark.parametrize(
    ("text", "change", "before", "after", "relative"),
    [
        ("cut p99 from 850ms to 620ms", "from 850ms to 620ms", "850ms", "620ms", None),
        ("latency 850 ms -> 300 ms", "850 ms -> 300 ms", "850 ms", "300 ms", None),
        ("errors 2.1% → 0.03%", "2.1% → 0.03%", "2.1%", "0.03%", None),
        ("costs ($2.8M to $1.6M)", "$2.8M to $1.6M", "$2.8M", "$1.6M", None),
        ("spend went down 38% to $5.6M", "down 38% to $5.6M", None, "$5.6M", "38%"),
        (
            "P95: 380ms (down from 5.2 seconds)",
            "P95: 380ms (down from 5.2 seconds)",
            "5.2 seconds",
            "P95: 380ms",
            None,
        ),
        ("CPU 45% (up from 30%)", "45% (up from 30%)", "30%", "45%", None),
        (
            "deploys went from two weeks to two days",
            "from two weeks to two days",
            "two weeks",
            "two days",
            None,
        ),
        ("reduced tickets by 85%", "85%", None, None, "85%"),
        ("a 94% improvement", "94%", None, None, "94%"),
    ],
)
def test_before_after_spellings(
    text: str,
    change: str,
    before: str | None,
    after: str | None,
    relative: str | None,
    rubrics: RubricSet,
) -> None:
    [found] = pair_changes(text, figures_in(text, rubrics))
    assert text[found.start : found.end] == change
    assert (found.before.text if found.before else None) == before
    assert (found.after.text if found.after else None) == after
    assert (found.relative.text if found.relative else None) == relative


def test_a_range_is_not_a_change(rubrics: RubricSet) -> None:
    assert (
        pair_changes("it took 2 to 3 minutes", figures_in("it took 2 to 3 minutes", rubrics)) == []
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tiles now load in 2 to 4 seconds", ["2 to 4 seconds"]),
        ("a fix took three to six weeks to land", ["three to six weeks"]),
        ("the forecast was 250k to 400k concurrent", ["250k to 400k"]),
        ("sidecars added around 2 to 4 ms per hop", ["around 2 to 4 ms per hop"]),
        ("a 10 to 12% under-delivery", ["10 to 12%"]),
        ("cut it from 2 to 4 seconds", ["2", "4 seconds"]),  # "from": a change, not a range
        ("incidents went 14 to 1 incidents", ["14", "1 incidents"]),  # falling: a change
    ],
)
def test_a_range_is_one_figure(text: str, expected: list[str], rubrics: RubricSet) -> None:
    assert [f.text for f in figures_in(text, rubrics)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("down for 3 hours 40 minutes at worst", "3 hours 40 minutes"),
        ("Duration: 2h 25m of degraded login", "2h 25m"),
        ("median queue 4m 30s", "4m 30s"),
        ("the ORM version took 4 min 10 s", "4 min 10 s"),
    ],
)
def test_a_duration_in_two_units_is_one_figure(
    text: str, expected: str, rubrics: RubricSet
) -> None:
    assert [f.text for f in figures_in(text, rubrics)] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pitched spending a quarter on it", ["a quarter"]),
        ("I got the ticket, one sprint", ["one sprint"]),
        ("deny nothing for a full quarter per org", ["a full quarter"]),
        ("took about a week", ["about a week"]),
        ("closes a day earlier", ["a day"]),
        ("the dumps ran for 3 hours a night", ["3 hours"]),  # the base of a rate
        ("it took half a year", ["half a year"]),
        ("took about a week and a half", ["about a week and a half"]),
        ("complaining for a yr+", ["a yr+"]),
        ("runs about 20 A/B tests a quarter", ["about 20"]),  # the base of a rate, after a noun
        ("a test that flakes 3 times in a week", ["3 times"]),
        ("31 money-movement incidents in a year", ["31 money-movement incidents", "a year"]),
        ("asked for an hour a week from each lead", ["an hour a week"]),
        ("a quarter of the teams", ["a quarter"]),  # a fraction, not a duration
        ("a year-2 item", []),
        ("a day in the life of an SRE", []),
    ],
)
def test_one_unit_of_time_is_an_amount(text: str, expected: list[str], rubrics: RubricSet) -> None:
    assert [f.text for f in figures_in(text, rubrics)] == expected


@pytest.mark.parametrize(
    ("text", "expected", "value"),
    [
        ("conversion +31% on the first campaign", "+31%", 31),
        ("infra (+~30%) for tier 0", "+~30%", 30),
        ("each +1s of cold start", "+1s", 1),
        ("within the interval (-0.3%)", "-0.3%", -0.3),
        ("- 30% fewer pages", "30%", 30),  # a bullet's dash is no sign
        ("matched within a ±2 day window", "±2 day", 2),
        ("target 95%+ before launch", "95%+", 95),  # "+" after the unit qualifies the amount
        ("the 100MB+ download prompt", "100MB+", 100),
    ],
)
def test_a_sign_belongs_to_its_figure(
    text: str, expected: str, value: float, rubrics: RubricSet
) -> None:
    [found] = figures_in(text, rubrics)
    assert (found.text, found.value) == (expected, pytest.approx(value))


def test_a_number_with_a_thousands_comma_is_no_year(rubrics: RubricSet) -> None:
    text = "in 2019 we counted 2,000 journal entries"
    assert [f.text for f in figures_in(text, rubrics)] == ["2,000 journal entries"]


def test_a_percentile_label_joins_no_figure_on_another_line(rubrics: RubricSet) -> None:
    text = "autocomplete p99\n- autocomplete p99 was ~380ms"
    assert [f.text for f in figures_in(text, rubrics)] == ["p99 was ~380ms"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("roughly 1 in 2,000 refunds went out double", "roughly 1 in 2,000 refunds"),
        ("about 1 in 10 nightly runs still flake", "about 1 in 10 nightly runs"),
        ("and 1 in 7 never arrived", "1 in 7"),  # a verb after the base is no counted noun
        ("paged maybe 1 in 4 times", "1 in 4 times"),
    ],
)
def test_an_n_in_m_rate_ends_on_the_noun_it_counts(
    text: str, expected: str, rubrics: RubricSet
) -> None:
    assert [f.text for f in figures_in(text, rubrics)] == [expected]


def test_a_preposition_ends_a_counts_reach(rubrics: RubricSet) -> None:
    text = "the team went from 2 to 7 through internal moves"
    assert [f.text for f in figures_in(text, rubrics)] == ["2", "7"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("polling over I2C at 100 Hz even when idle", "100 Hz"),
        ("the subsystem now draws ~9 µA at rest", "~9 µA"),
        ("the thermal chamber at 50°C overnight", "50°C"),
        ("powered by the HVAC's 24V line", "24V"),  # a unit's amount counts no noun after it
        ("the hero textures at 4096px everywhere", "4096px"),
        ("the token is now 256-bit random", "256-bit"),
        ("orders db: 40TB postgres on EC2", "40TB"),
    ],
)
def test_hardware_and_media_units(text: str, expected: str, rubrics: RubricSet) -> None:
    assert [f.text for f in figures_in(text, rubrics)] == [expected]


def test_hyphenated_units_and_count_nouns_stay_figures(rubrics: RubricSet) -> None:
    text = "a 5-minute job, a 6-engineer team and a 3-week rollout"
    assert [f.text for f in figures_in(text, rubrics)] == ["5-minute", "6-engineer", "3-week"]


@settings(max_examples=800, deadline=None)
@given(
    joined_pieces(["p99", "P95", "p999", "p99.9", "x", "é", "_", "-", " ", "1", "\n"], 8),
    st.integers(0, 4),
)
def test_percentile_labels_are_those_of_the_plain_pattern(text: str, start: int) -> None:
    plain = re.compile(r"\b[pP](?P<pct>50|75|90|95|99|99\.9|99\.99|999)\b")
    assert [m.span() for m in PERCENTILE.finditer(text, start)] == [
        m.span() for m in plain.finditer(text, start)
    ]


@given(st.text(alphabet=string.printable, max_size=40))
def test_the_ascii_digit_scan_finds_what_the_unicode_one_finds(text: str) -> None:
    assert [m.start() for m in _ASCII_DIGIT_OR_DOLLAR.finditer(text)] == [
        m.start() for m in _DIGIT_OR_CURRENCY.finditer(text)
    ]
