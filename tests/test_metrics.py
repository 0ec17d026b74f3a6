"""The metric rules of DESIGN.md §2: table tests of the edges, properties over all values."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxbridge.detection.question_metrics import option_values
from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec, coerce, net_promoter_score, satisfied_share, score, shown_number
from cxbridge.scales import Scale
from cxbridge.quoted_values import quoted

NPS = MetricSpec(metric="nps")


@pytest.mark.parametrize(
    ("value", "group"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_groups_at_the_edges(value, group):
    scored = score(value, NPS)
    assert scored.category == group
    assert scored.normalized == value * 10


@pytest.mark.parametrize("value", [-1, 11, 10.5, 6.5])
def test_nps_off_scale_or_fractional_is_a_data_error(value):
    with pytest.raises(DataError):
        score(value, NPS)


def test_nps_is_promoters_minus_detractors_over_all():
    assert net_promoter_score([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 - 2) / 6)
    assert net_promoter_score([10, 10, 10, 0]) == 50.0
    assert net_promoter_score([]) is None


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ((1, 2), ["dissatisfied", "satisfied"]),
        ((1, 3), ["dissatisfied", "neutral", "satisfied"]),
        ((1, 4), ["dissatisfied", "dissatisfied", "satisfied", "satisfied"]),  # no middle answer: halves
        ((0, 3), ["dissatisfied", "dissatisfied", "satisfied", "satisfied"]),
        ((1, 5), ["dissatisfied", "dissatisfied", "neutral", "satisfied", "satisfied"]),
        ((1, 7), ["dissatisfied", "dissatisfied", "neutral", "neutral", "neutral", "satisfied", "satisfied"]),
        ((1, 10), ["dissatisfied"] * 2 + ["neutral"] * 6 + ["satisfied"] * 2),
    ],
)
def test_csat_boxes_top_two_on_four_plus_points_top_one_below(scale, expected):
    spec = MetricSpec(metric="csat", scale=scale)
    low, high = scale
    assert [score(v, spec).category for v in range(low, high + 1)] == expected


def _boxes_by_share(low, high, top, bottom):
    """The boxes of each whole answer of a wide scale, counted from the decision: the top box from
    75 % of the range (4 of 1–5), the bottom one up to 25 % (2 of 1–5)."""
    span = high - low
    return [top if v - low >= 0.75 * span else bottom if v - low <= 0.25 * span else "neutral"
            for v in range(low, high + 1)]  # fmt: skip


@pytest.mark.parametrize("scale", [(0, 100), (1, 20), (0, 11), (-50, 50)])
def test_csat_boxes_on_a_scale_of_more_than_eleven_points_are_shares_of_its_range(scale):
    """Top-2-box taken literally on 0–100 counted only 99 and 100 as satisfied: 95 was neutral."""
    spec = MetricSpec(metric="csat", scale=scale)
    low, high = scale
    expected = _boxes_by_share(low, high, "satisfied", "dissatisfied")
    assert [score(v, spec).category for v in range(low, high + 1)] == expected
    if scale == (0, 100):
        assert expected.count("satisfied") == 26 and expected.count("dissatisfied") == 26  # 75–100, 0–25
        assert [score(v, spec).category for v in (95, 75, 74.5, 25.5, 25)] == [
            "satisfied", "satisfied", "neutral", "neutral", "dissatisfied",
        ]  # fmt: skip


@pytest.mark.parametrize("direction", ["higher_is_better", "lower_is_better"])
def test_ces_boxes_on_a_scale_of_more_than_eleven_points_are_shares_of_its_range(direction):
    spec = MetricSpec(metric="ces", scale=(0, 100), direction=direction)
    expected = _boxes_by_share(0, 100, "low_effort", "high_effort")
    if direction == "lower_is_better":
        expected.reverse()  # 0 is the least effort
    assert [score(v, spec).category for v in range(0, 101)] == expected


@pytest.mark.parametrize("metric", ["csat", "ces"])
def test_boxes_on_a_continuous_scale_are_shares_of_its_range(metric):
    """A scale with ends that are not whole numbers (0.5–4.5) has no options to count two of: its
    boxes are the shares of its range a 1–5 scale's are, as a wide scale's (before, two-fifths of
    the range: 3.0, at 62.5 %, was satisfied)."""
    spec = MetricSpec(metric=metric, scale=(0.5, 4.5))
    top, bottom = ("satisfied", "dissatisfied") if metric == "csat" else ("low_effort", "high_effort")
    answers = [0.5 + step / 10 for step in range(41)]  # 0.5, 0.6, …, 4.5
    expected = [top if (a - 0.5) / 4 >= 0.75 else bottom if (a - 0.5) / 4 <= 0.25 else "neutral" for a in answers]
    assert [score(a, spec).category for a in answers] == expected
    assert (expected.count(top), expected.count(bottom)) == (11, 11)  # 3.5–4.5 and 0.5–1.5
    assert [score(a, spec).category for a in (3.0, 3.7)] == ["neutral", top]


def test_an_eleven_point_csat_keeps_its_top_two_boxes():
    spec = MetricSpec(metric="csat", scale=(0, 10))
    assert [score(v, spec).category for v in range(11)] == ["dissatisfied"] * 2 + ["neutral"] * 7 + ["satisfied"] * 2


def test_csat_normalized_is_position_on_the_scale():
    spec = MetricSpec(metric="csat", scale=(1, 5))
    assert [score(v, spec).normalized for v in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]


def test_csat_share_satisfied():
    assert satisfied_share(["satisfied", "neutral", "dissatisfied", "satisfied"]) == 50.0
    assert satisfied_share([]) is None


@pytest.mark.parametrize(
    ("direction", "value", "category", "normalized"),
    [
        ("higher_is_better", 7, "low_effort", 100.0),
        ("higher_is_better", 6, "low_effort", pytest.approx(83.333333)),
        ("higher_is_better", 4, "neutral", 50.0),
        ("higher_is_better", 2, "high_effort", pytest.approx(16.666667)),
        ("lower_is_better", 1, "low_effort", 100.0),
        ("lower_is_better", 2, "low_effort", pytest.approx(83.333333)),
        ("lower_is_better", 7, "high_effort", 0.0),
    ],
)
def test_ces_seven_point_in_both_directions(direction, value, category, normalized):
    scored = score(value, MetricSpec(metric="ces", scale=(1, 7), direction=direction))
    assert (scored.category, scored.normalized) == (category, normalized)


def test_ces_five_point_reversed_expectation_scale():
    spec = MetricSpec(metric="ces", scale=(1, 5), direction="lower_is_better")
    assert [score(v, spec).category for v in (1, 2, 3, 4, 5)] == [
        "low_effort", "low_effort", "neutral", "high_effort", "high_effort",
    ]  # fmt: skip


def test_ces_four_point_scale_splits_in_halves_in_both_directions():
    """A 4-point scale has no middle answer: the two best options are low effort, in either direction."""
    easy = MetricSpec(metric="ces", scale=(1, 4))
    hard = MetricSpec(metric="ces", scale=(1, 4), direction="lower_is_better")
    assert [score(v, easy).category for v in (1, 2, 3, 4)] == ["high_effort", "high_effort", "low_effort", "low_effort"]
    assert [score(v, hard).category for v in (1, 2, 3, 4)] == ["low_effort", "low_effort", "high_effort", "high_effort"]


def test_audit_points_become_percent_of_max():
    spec = MetricSpec(metric="audit", scale=(0, 40))
    assert score(30, spec).normalized == 75.0
    assert score(30, spec).category is None
    with pytest.raises(DataError, match="outside its scale 0–40"):
        score(41, spec)


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("10 - Extremely likely", 10),
        ("0 = Not at all likely", 0),
        ("  7 ", 7),
        ("Очень доволен", 5),
        ("BARDZO ZADOWOLONY", 5),
        ("4,5", 4.5),
        (3, 3),
    ],
)
def test_labels_and_leading_numbers_become_values(answer, value):
    spec = MetricSpec(metric="csat", scale=(1, 10), labels={"Очень доволен": 5, "Bardzo zadowolony": 5})
    assert coerce(answer, spec) == value


AMOUNTS = {
    "en": ["5 or more", "2 to 3", "1 - 2 times a month", "5 and over"],
    "ru": ["5 или более", "5 и более", "1–2 раза в месяц"],
    "pl": ["5 lub więcej", "5 i więcej", "3 do 4 razy"],
    "de": ["5 oder mehr", "5 und mehr", "3 bis 4 Mal", "1–2 Mal pro Monat"],
    "es": ["5 o más", "5 y más", "3 a 4 veces"],
    "fr": ["5 ou plus", "5 et plus", "3 à 4 fois"],
    "pt": ["5 ou mais", "5 e mais", "3 a 4 vezes"],
}
NUMBERED = {"5 - Sehr zufrieden": 5, "1 – Очень недоволен": 1, "5 Bardzo zadowolony": 5, "1 - Muy insatisfecho": 1,
            "5 : Très satisfait": 5, "1 - Nada satisfeito": 1, "4 A lot": 4, "10 - Extremely likely": 10}  # fmt: skip


@pytest.mark.parametrize("language", sorted(AMOUNTS))
def test_an_option_naming_an_amount_is_no_point_of_a_scale_in_any_language(language):
    """"5 oder mehr" is five times or more, not the point 5: amongst options "1" … "4" it makes
    them no scale, as "5 or more" does."""
    for amount in AMOUNTS[language]:
        assert shown_number(amount) is None, amount
        assert option_values(["1", "2", "3", "4", amount]) == {}, amount


@pytest.mark.parametrize("language", sorted(AMOUNTS))
def test_a_mapped_answer_naming_an_amount_is_no_point_of_its_scale(language):
    """A hand-written `metric` reads "5 oder mehr" as detection does: no 5, but an answer its
    labels or ignore_values must name, else a DataError naming it and the fix."""
    for amount in AMOUNTS[language]:
        with pytest.raises(DataError, match=f"answer {re.escape(quoted(amount))} names an amount, not a point of this "
                                            "csat scale; .* map it to its value in 'labels'"):  # fmt: skip
            coerce(amount, MetricSpec(metric="csat", scale=(1, 5)))
        assert coerce(amount, MetricSpec(metric="csat", scale=(1, 5), labels={amount.upper(): 4})) == 4
        assert coerce(amount, MetricSpec(metric="csat", ignore_values=[amount])) is None


@pytest.mark.parametrize(("label", "number"), sorted(NUMBERED.items()))
def test_a_numbered_label_shows_its_number_in_any_language(label, number):
    assert shown_number(label) == number


CODED = {"0": 1, "1": 2, "2": 3, "3": 4, "4": 5}  # a 1–5 scale an export codes 0–4


@pytest.mark.parametrize("ignore_values", [[], [-1]])
@pytest.mark.parametrize("written", ["3", " 3", "3 ", "03", "3.0", "3,0"])
def test_an_answer_written_as_a_code_the_labels_name_reads_as_the_labels_value(written, ignore_values):
    """However the code is spaced or spelled, and whether or not the question ignores values: the
    labels' "3" = 4 reads every "3" as 4, never some as 3."""
    spec = MetricSpec(metric="csat", scale=(1, 5), labels=CODED, ignore_values=ignore_values)
    assert coerce(written, spec) == 4
    assert score(written, spec).category == "satisfied"
    assert coerce("7", spec) == 7  # a number the labels do not name reads as itself


@pytest.mark.parametrize("answer", [None, "", "N/A", "No opinion", " n/a ", -1, "-1"])
def test_no_answer_carries_no_score(answer):
    assert score(answer, MetricSpec(metric="csat", ignore_values=[-1])) is None


def test_unknown_label_says_what_to_do():
    with pytest.raises(DataError, match="in the question's settings, map it to its value in 'labels'"):
        score("Kinda ok", MetricSpec(metric="csat"))


@pytest.mark.parametrize("answer", [True, False])
def test_a_yes_no_answer_is_never_a_score_nor_silently_no_answer(answer):
    for metric in ("nps", "csat", "ces"):
        with pytest.raises(DataError, match=f"answer {str(answer).lower()} is a yes/no value, not a score of this {metric}"):
            score(answer, MetricSpec(metric=metric))


def test_a_yes_no_answer_takes_the_value_its_labels_give_or_is_ignored():
    resolved = MetricSpec(metric="custom:resolved", scale=(0, 1), labels={"Yes": 1, "No": 0})
    assert (coerce(True, resolved), coerce(False, resolved)) == (1, 0)
    assert coerce(True, MetricSpec(metric="custom:resolved", scale=(0, 1), labels={"TRUE": 1})) == 1
    assert score(False, MetricSpec(metric="csat", ignore_values=["no"])) is None
    with pytest.raises(DataError, match="yes/no value"):  # a label for one of the two says nothing of the other
        coerce(False, MetricSpec(metric="custom:resolved", scale=(0, 1), labels={"yes": 1}))


def test_specs_reject_impossible_scales():
    with pytest.raises(ValueError):
        MetricSpec(metric="nps", scale=(1, 5))
    with pytest.raises(ValueError):
        MetricSpec(metric="csat", scale=(5, 1))
    with pytest.raises(ValueError):
        MetricSpec(metric="nps", direction="lower_is_better")


# --- properties --------------------------------------------------------------------------------

scales = st.tuples(st.integers(-110, 100), st.integers(1, 210)).map(lambda t: (t[0], t[0] + t[1]))
directions = st.sampled_from(["higher_is_better", "lower_is_better"])


@given(st.integers(0, 10))
def test_property_nps_group_matches_value(value):
    category = score(value, NPS).category
    assert category == ("promoter" if value >= 9 else "passive" if value >= 7 else "detractor")


@given(st.lists(st.integers(0, 10), min_size=1))
def test_property_nps_within_bounds_and_matches_counts(values):
    nps = net_promoter_score(values)
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    assert -100 <= nps <= 100
    assert nps == pytest.approx(100 * (promoters - detractors) / len(values))


@given(scales, directions, st.data())
def test_property_on_scale_values_normalize_into_0_100(bounds, direction, data):
    low, high = bounds
    value = data.draw(st.integers(low, high))
    for metric in ("csat", "ces", "rating"):
        scored = score(value, MetricSpec(metric=metric, scale=bounds, direction=direction))
        assert 0 <= scored.normalized <= 100


@given(scales, directions, st.data())
def test_property_off_scale_values_are_never_clamped(bounds, direction, data):
    low, high = bounds
    value = data.draw(st.one_of(st.integers(high + 1, high + 1000), st.integers(low - 1000, low - 1)))
    with pytest.raises(DataError):
        score(value, MetricSpec(metric="csat", scale=bounds, direction=direction))


@given(scales, st.data())
def test_property_reversing_a_scale_mirrors_every_answer(bounds, data):
    low, high = bounds
    value = data.draw(st.integers(low, high))
    up = score(value, MetricSpec(metric="ces", scale=bounds))
    down = score(low + high - value, MetricSpec(metric="ces", scale=bounds, direction="lower_is_better"))
    assert up.normalized == pytest.approx(down.normalized)
    assert up.category == down.category


@given(scales, st.data())
def test_property_boxes_are_ordered(bounds, data):
    low, high = bounds
    a, b = sorted(data.draw(st.lists(st.integers(low, high), min_size=2, max_size=2)))
    order = {"dissatisfied": 0, "neutral": 1, "satisfied": 2}
    spec = MetricSpec(metric="csat", scale=bounds)
    assert order[score(a, spec).category] <= order[score(b, spec).category]


def test_scale_points():
    assert Scale(1, 5).points == 5
    assert Scale(0, 10).points == 11
    assert Scale(0.5, 4.5).points is None
