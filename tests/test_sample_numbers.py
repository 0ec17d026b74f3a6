"""The headline numbers of files and API payloads no one on this project wrote (tests/data/samples,
tests/data/vendor: sources and licences in their READMEs), worked out here from the raw files by
the documented rules — NPS = % promoters (9–10) − % detractors (0–6), CSAT % = share of the top
box(es), half away from zero — and compared with what users read: `cxbridge report` (table and
JSON), `cxbridge status`, the views; and what the summary says of an answer it cannot score."""

from __future__ import annotations

from pathlib import Path

from tests.sqlite_runs import query
from tests.test_typeform_vendor import load, serve, token  # noqa: F401 — the fixture

VENDOR = Path(__file__).parent / "data" / "vendor"


def test_typeform_scale_answers_of_fields_the_form_does_not_define_are_named_in_the_summary(tmp_path):
    """Airbyte's recorded response of form kRt99jlK answers an opinion scale and five star ratings
    that the (edited) form no longer defines: without `steps` no scale is known and nothing is
    guessed — but the sync said nothing of six numbers left unscored. Each is named, with the
    override that scores it; so configured, the five ratings score as the file holds them."""
    page = load("airbyte_responses_kRt99jlK.json")
    form = {"id": "kRt99jlK", "title": "Edited form", "fields": [], "_links": {}}
    scales = {a["field"]["id"]: a["number"] for a in page["items"][0]["answers"]
              if a["field"]["type"] in ("opinion_scale", "rating")}  # fmt: skip
    assert len(scales) == 6
    result, _ = serve(tmp_path / "plain", form, page)
    assert (result.status, result.written) == ("success", 1), result.error
    for field_id in scales:
        [warning] = [w for w in result.warnings if f"question {field_id} " in w]
        assert (
            "the form's definition gives no scale" in warning and f"sources.city.questions.{field_id}.metric" in warning
        )
    stars = {fid: n for fid, n in scales.items() if fid != "vV7ISYSgZ94I"}  # vV7ISYSgZ94I is the opinion scale
    configured, _ = serve(
        tmp_path / "configured", form, page, questions={fid: {"metric": "rating", "scale": [1, 5]} for fid in stars}
    )
    assert not [w for w in configured.warnings if "gives no scale" in w and "vV7ISYSgZ94I" not in w]
    assert sorted(
        query(tmp_path / "configured", "SELECT question_id, value, normalized FROM feedback_scores")
    ) == sorted((fid, float(n), 100 * (n - 1) / 4) for fid, n in stars.items())
