"""The UHRI importer: good files (CSV and XLSX), a repeated import, a changed row, malformed rows, the choice
of states, files it cannot read, and what the command prints."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command

from recommendations import importer
from recommendations.families import family_key
from recommendations.importer import ImportFileError, import_recommendations
from recommendations.models import ImportRun, Recommendation, RecommendationEvent
from stories.models import Theme
from tests import factories
from tests.recommendations.uhri_files import HEADERS, treaty_row, upr_row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def bumps(monkeypatch):
    calls = []
    monkeypatch.setattr(importer, "bump_generation", lambda: calls.append(1))
    return calls


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_recommendations", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def good_rows():
    return [upr_row(), upr_row(**{"UPR Position": "- Noted"}), treaty_row()]


def check_good_import(run: ImportRun, rows) -> None:
    assert (run.created, run.updated, run.unchanged, run.skipped) == (3, 0, 0, 0)
    assert run.finished_at is not None
    assert Recommendation.objects.count() == 3
    first = Recommendation.objects.get(uhri_id=rows[0]["OHCHR Annotation Id"])
    assert first.country.code == "UY"
    assert (first.mechanism, first.body, first.symbol) == ("upr", "UPR", "A/HRC/38/4")
    assert first.paragraph == rows[0]["Text"].split()[0]
    assert (first.upr_cycle, first.session) == (3, "29")
    assert first.recommending_states == ["Chile", "Costa Rica"]
    assert first.response == "supported"
    assert first.published_on == datetime.date(2018, 4, 20)
    assert first.text == rows[0]["Text"]
    assert first.language == "en"
    assert first.uhri_themes == [
        "Torture and other cruel, inhuman or degrading treatment",
        "Scope of international obligations",
    ]
    assert first.affected_groups == ["Persons deprived of their liberty"]
    assert sorted(first.sdg_targets.values_list("code", flat=True)) == ["16.3", "16.a"]
    assert list(first.themes.values_list("sdg_number", flat=True)) == [16]
    assert first.family == family_key(first.text)
    assert first.is_demo is False
    assert Recommendation.objects.get(uhri_id=rows[1]["OHCHR Annotation Id"]).response == "noted"
    cedaw = Recommendation.objects.get(uhri_id=rows[2]["OHCHR Annotation Id"])
    assert (cedaw.country.code, cedaw.mechanism, cedaw.body) == ("CL", "treaty_body", "CEDAW")
    assert cedaw.paragraph == rows[2]["Text"].split(".")[0]
    assert (cedaw.response, cedaw.upr_cycle) == ("", None)
    assert list(cedaw.themes.all()) == [Theme.objects.get(sdg_number=5)]
    assert not cedaw.sdg_targets.exists()


def test_a_good_csv_file(tmp_path, bumps):
    rows = good_rows()
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows))
    check_good_import(run, rows)
    assert run.file_name == "uhri.csv"
    assert "UY" in run.states and "CL" in run.states
    event = RecommendationEvent.objects.get(action="imported")
    assert event.comment == "uhri.csv: 3 new, 0 updated, 0 unchanged, 0 skipped"
    assert bumps == [1]


def test_a_good_xlsx_file(tmp_path):
    rows = good_rows()
    check_good_import(import_recommendations(path=write_xlsx(tmp_path / "search.xlsx", rows)), rows)


def test_a_csv_file_with_semicolons_and_excel_date_serials(tmp_path):
    rows = [upr_row(**{"Document Publication Date": "43210"}), upr_row()]
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows, delimiter=";"))
    assert run.created == 2
    serial = Recommendation.objects.get(uhri_id=rows[0]["OHCHR Annotation Id"])
    assert serial.published_on == datetime.date(2018, 4, 20)


def test_special_procedures_and_other_annotations(tmp_path):
    rows = [
        upr_row(
            **{"Reccomending Body": "- SR on torture\n- Special Procedures", "Document Symbol": "A/HRC/40/59"}
        ),
        upr_row(**{"Type": "- Concerns/Observations"}),
    ]
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows))
    rec = Recommendation.objects.get()
    assert (rec.mechanism, rec.body, rec.response) == ("special_procedures", "SR on torture", "")
    assert run.report == [{"reason": "not a recommendation (Concerns/Observations)", "rows": 1}]


def test_a_repeated_import_changes_nothing(tmp_path, bumps):
    path = write_xlsx(tmp_path / "uhri.xlsx", good_rows())
    import_recommendations(path=path)
    before = {rec.pk: rec.updated_at for rec in Recommendation.objects.all()}
    run = import_recommendations(path=path)
    assert (run.created, run.updated, run.unchanged, run.skipped) == (0, 0, 3, 0)
    assert {rec.pk: rec.updated_at for rec in Recommendation.objects.all()} == before
    assert ImportRun.objects.count() == 2
    assert bumps == [1]  # only the first import changed what the public sees


def test_a_changed_row_is_updated_not_duplicated(tmp_path):
    rows = good_rows()
    import_recommendations(path=write_csv(tmp_path / "first.csv", rows))
    rec = Recommendation.objects.get(uhri_id=rows[0]["OHCHR Annotation Id"])
    rows[0] = {**rows[0], "UPR Position": "- Noted", "Sdgs": "- 5.1 - End discrimination against women"}
    run = import_recommendations(path=write_csv(tmp_path / "second.csv", rows))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 2)
    assert Recommendation.objects.count() == 3
    changed = Recommendation.objects.get(pk=rec.pk)
    assert changed.response == "noted"
    assert changed.updated_at > rec.updated_at
    assert list(changed.sdg_targets.values_list("code", flat=True)) == ["5.1"]
    assert list(changed.themes.values_list("sdg_number", flat=True)) == [5]


def test_rows_without_identifier_are_known_by_state_symbol_and_paragraph(tmp_path):
    stored = factories.RecommendationFactory(country="UY", symbol="A/HRC/38/4", paragraph="116.5", text="Old")
    row = upr_row(**{"Text": "116.5 Ratify the Optional Protocol (Chile);", "OHCHR Annotation Id": ""})
    run = import_recommendations(
        path=write_csv(tmp_path / "uhri.csv", [row, {**row, "UPR Position": "Noted"}])
    )
    assert (run.created, run.updated) == (0, 1)
    stored.refresh_from_db()
    assert stored.text == row["Text"]
    assert run.report == [{"line": 3, "reason": "the same recommendation as line 2"}]


def test_malformed_rows_are_reported_and_the_others_imported(tmp_path):
    rows = [
        upr_row(),  # line 2
        upr_row(Text=""),  # line 3
        upr_row(**{"Countries Concerned": "- Atlantis"}),  # line 4
        upr_row(**{"Document Publication Date": "31/31/2018"}),  # line 5
        upr_row(**{"Reccomending Body": "- XYZ"}),  # line 6
        upr_row(**{"Document Symbol": ""}),  # line 7
        treaty_row(),  # line 8
    ]
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows))
    assert (run.created, run.skipped) == (2, 5)
    assert run.report == [
        {"line": 3, "reason": "no text"},
        {"line": 4, "reason": 'unknown country "Atlantis"'},
        {"line": 5, "reason": 'bad date "31/31/2018"'},
        {"line": 6, "reason": 'unknown treaty body or mechanism "XYZ"'},
        {"line": 7, "reason": "no document symbol"},
    ]
    assert Recommendation.objects.count() == 2


def test_only_the_chosen_states(tmp_path):
    rows = [upr_row(), treaty_row(), upr_row(**{"Countries Concerned": "- France"})]
    path = write_csv(tmp_path / "uhri.csv", rows)
    run = import_recommendations(path=path, states=["uy"])
    assert run.states == ["UY"]
    assert [rec.country.code for rec in Recommendation.objects.all()] == ["UY"]
    assert run.report == [{"reason": "not a chosen state", "rows": 2}]
    # By default, every current member: France is not one.
    run = import_recommendations(path=path)
    assert (run.created, run.unchanged, run.skipped) == (1, 1, 1)


def test_un_style_names_and_iso_codes(tmp_path):
    factories.MemberFactory(country="BO")
    factories.MemberFactory(country="GB")
    rows = [
        upr_row(**{"Countries Concerned": "- Bolivia (Plurinational State of)"}),
        upr_row(**{"Countries Concerned": "- United Kingdom of Great Britain and Northern Ireland"}),
        upr_row(**{"Countries Concerned": "UY"}),
    ]
    import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows))
    assert sorted(rec.country.code for rec in Recommendation.objects.all()) == ["BO", "GB", "UY"]


def test_a_file_without_the_needed_columns(tmp_path):
    path = write_csv(tmp_path / "other.csv", [{"Text": "A text"}], headers=["Text", "Symbol"])
    with pytest.raises(CommandError) as error:
        run_command(str(path))
    assert str(error.value).startswith(
        'The file lacks the column(s) "Countries Concerned", "Reccomending Body"'
    )
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "neither an Excel (.xlsx) file nor"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel (.xls) file"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable Excel (.xlsx) file"),
    ],
)
def test_a_file_that_is_not_csv_or_xlsx(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=re.escape(message)):
        import_recommendations(path=path)
    with pytest.raises(CommandError):
        run_command(str(path))


def test_the_command_prints_a_summary(tmp_path):
    user = factories.SecretariatFactory(email="importer@example.org")
    rows = [upr_row(), upr_row(), upr_row(**{"Countries Concerned": "- France"})]
    rows += [upr_row(Text="") for _ in range(55)]
    path = write_csv(tmp_path / "uhri.csv", rows)
    out = run_command(str(path), "--state", "UY", "--state", "CL", "--demo", "--as", "Importer@example.org")
    assert "new: 2   updated: 0   unchanged: 0   skipped: 56" in out
    assert "skipped, not a chosen state: 1" in out
    assert "skipped, malformed: 55" in out
    assert "    line 5: no text" in out
    assert "    ... and 5 more" in out
    assert out.count("no text") == 50
    run = ImportRun.objects.get()
    assert (run.actor, run.states) == (user, ["CL", "UY"])
    assert all(Recommendation.objects.values_list("is_demo", flat=True))
    assert RecommendationEvent.objects.get(action="imported").actor == user


def test_the_command_refuses_unknown_states_and_people(tmp_path):
    path = write_csv(tmp_path / "uhri.csv", [upr_row()])
    with pytest.raises(CommandError, match="Unknown state"):
        run_command(str(path), "--state", "Atlantis")
    with pytest.raises(CommandError, match="Nobody has the e-mail address"):
        run_command(str(path), "--as", "nobody@example.org")


def test_batches(tmp_path, monkeypatch):
    """2,000 rows in batches of 300: one search-vector update per batch, every row once."""
    monkeypatch.setattr(importer, "BATCH", 300)
    updates = []
    monkeypatch.setattr(importer, "update_search_vectors", lambda ids: updates.append(len(ids)))
    rows = [upr_row() for _ in range(2000)]
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows))
    assert run.created == 2000
    assert updates == [300] * 6 + [200]
    assert Recommendation.objects.count() == 2000
    assert Recommendation.sdg_targets.through.objects.count() == 4000
    run = import_recommendations(path=write_csv(tmp_path / "again.csv", rows))
    assert (run.created, run.unchanged) == (0, 2000)


def test_progress_is_reported(tmp_path):
    calls = []
    rows = [upr_row() for _ in range(1500)]
    import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows), progress=lambda *a: calls.append(a))
    assert calls == [(1000, 1500), (1500, 1500)]


def test_headers_match_whatever_their_case_and_spacing(tmp_path):
    headers = [h.upper().replace(" ", "_") for h in HEADERS]
    rows = [dict(zip(headers, upr_row().values(), strict=True))]
    run = import_recommendations(path=write_csv(tmp_path / "uhri.csv", rows, headers=headers))
    assert run.created == 1
