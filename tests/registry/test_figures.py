"""Public figures: only consented cases, cells under five hidden, and no hidden cell recoverable: an attacker
with an integer-programming solver and every published figure tries to pin each hidden one down."""

import itertools

import pytest
from django.urls import reverse

from registry import figures
from registry.models import Case
from tests import factories
from tests.registry.helpers import make_case

pytestmark = pytest.mark.django_db


def attack(values: dict, equations: list, hidden: set) -> dict:
    """For each hidden cell, the least and greatest value consistent with everything published (integers,
    not negative)."""
    scipy_optimize = pytest.importorskip("scipy.optimize")
    import numpy as np

    unknown = sorted(hidden, key=repr)
    index = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []
    for equation in equations:
        row = np.zeros(len(unknown))
        constant = 0
        for cell, coefficient in equation:
            if cell in index:
                row[index[cell]] += coefficient
            else:
                constant -= coefficient * values[cell]
        if row.any():
            rows.append(row)
            rhs.append(constant)
    constraint = scipy_optimize.LinearConstraint(np.array(rows), rhs, rhs)
    bounds = scipy_optimize.Bounds(0, values[(figures.TOTAL, figures.TOTAL)] + 1)
    found = {}
    for cell, i in index.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1
        ends = []
        for sign in (1, -1):
            result = scipy_optimize.milp(
                sign * objective, constraints=[constraint], bounds=bounds, integrality=np.ones(len(unknown))
            )
            assert result.success
            ends.append(round(sign * result.fun))
        found[cell] = tuple(ends)
    return found


def cases(keeper, spec):
    """spec: {(year, country, kind): count}."""
    for (year, country, kind), count in spec.items():
        for _ in range(count):
            make_case(keeper, identity=None, year=year, country=country, kind=kind)


@pytest.fixture
def regions(db):
    factories.MemberFactory(country="FR", regional_group="weog")
    factories.MemberFactory(country="BR", regional_group="grulac")
    factories.MemberFactory(country="GH", regional_group="african")


def test_the_suppression_engine_on_a_small_table():
    # One row: a + b = total, with a = 3 and b = 9: hiding a alone would give it away.
    values = {("r", 1, "a"): 3, ("r", 1, "b"): 9, ("y", 1, "total"): 12}
    equations = [[(("r", 1, "a"), 1), (("r", 1, "b"), 1), (("y", 1, "total"), -1)]]
    assert figures.suppress(values, equations) == {("r", 1, "a"), ("r", 1, "b")}


SCENARIOS = [
    # A lone small cell among large ones.
    {
        (2024, "FR", "threat"): 12,
        (2024, "BR", "threat"): 9,
        (2024, "GH", "smear"): 3,
        (2024, "FR", "smear"): 8,
    },
    # Several years, small cells scattered, a non-member country.
    {
        (2023, "FR", "threat"): 7,
        (2023, "BR", "harassment"): 2,
        (2023, "LB", "detention"): 6,
        (2024, "FR", "threat"): 11,
        (2024, "GH", "killing"): 1,
        (2024, "BR", "harassment"): 5,
        (2025, "LB", "threat"): 4,
        (2025, "FR", "smear"): 9,
    },
]


@pytest.mark.parametrize("spec", SCENARIOS)
def test_no_hidden_figure_can_be_recovered_from_the_published_ones(keeper, registry_keys, regions, spec):
    cases(keeper, spec)
    result = figures.public_figures()
    values, equations, hidden = result["values"], result["equations"], result["hidden"]
    for cell, value in values.items():
        if value < figures.THRESHOLD:
            assert cell in hidden, cell
    for cell, (least, greatest) in attack(values, equations, hidden).items():
        if values[cell] > 0:
            assert least < greatest, f"{cell} = {values[cell]} recovered"


def test_the_public_page_shows_only_consented_cases_and_hides_small_cells(
    client, keeper, registry_keys, regions
):
    cases(keeper, {(2024, "FR", "threat"): 6, (2024, "BR", "threat"): 7, (2024, "GH", "threat"): 2})
    make_case(keeper, identity=None, year=2024, country="FR", kind="threat", consent_aggregate=False)
    html = client.get(reverse("reprisals:figures")).content.decode()
    assert "<h1>Reprisals against people who cooperate with the UN: figures</h1>" in html
    assert "<td>6</td>" in html or "<td>7</td>" in html
    assert "<td>2</td>" not in html
    assert "hidden</td>" in html
    # 15 cases consented: the total counts only them.
    assert "<td>16</td>" not in html


def test_with_no_consented_case_the_page_says_so(client, keeper, registry_keys):
    make_case(keeper, consent_aggregate=False)
    assert "No figures are published yet." in client.get(reverse("reprisals:figures")).content.decode()


def test_the_public_page_follows_a_withdrawal_at_once(
    client, keeper, registry_keys, regions, django_capture_on_commit_callbacks
):
    from registry import services

    cases(keeper, {(2024, "FR", "threat"): 5})
    assert "<td>5</td>" in client.get(reverse("reprisals:figures")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_withdraw_consent(actor=keeper, case_id=Case.objects.first().pk)
    assert "<td>5</td>" not in client.get(reverse("reprisals:figures")).content.decode()


def test_nothing_about_a_case_reaches_open_data_feeds_sitemap_or_search(client, keeper, registry_keys):
    case = make_case(keeper, follow_up="Smear campaign in the press after the UPR session")
    paths = [
        "/sitemap.xml",
        "/en/feeds/stories/",
        "/en/api/stories.json",
        "/en/api/cooperation.json",
        "/en/api/recommendations.json",
        "/en/stories/?q=smear",
        "/en/",
    ]
    for path in paths:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert case.code.encode() not in body, path
        assert b"Smear campaign in the press" not in body, path


def test_months_are_never_published(keeper, registry_keys, client, regions):
    cases(keeper, {(2024, "FR", "threat"): 5})
    html = client.get(reverse("reprisals:figures")).content.decode()
    assert "2024-03" not in html and "March" not in html


def test_region_of_a_non_member_is_other():
    assert figures.region_of("LB", {"FR": "weog"}) == "other"
    assert figures.region_of("FR", {"FR": "weog"}) == "weog"
    assert list(itertools.islice((k for k, _l in figures.region_labels()), 6))[-1] == "other"
