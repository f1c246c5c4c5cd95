import csv

import pytest

from core.csv_safety import Echo, neutralise


@pytest.mark.parametrize("value", ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_start_with_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [(None, ""), (2019, "2019"), ("Chile", "Chile"), ("", "")])
def test_other_cells_are_left_as_they_are(value, expected):
    assert neutralise(value) == expected


def test_echo_makes_csv_rows_to_stream():
    assert csv.writer(Echo()).writerow(["a", "b,c"]) == 'a,"b,c"\r\n'
