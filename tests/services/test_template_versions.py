"""A second version of a template loads while a case already under way keeps the first."""

from __future__ import annotations

import json
import shutil
from datetime import date

from casework.extensions import db as _db
from casework.review_templates import registry
from casework.review_templates.loader import DEFINITIONS_PATH, read_definitions
from casework.services.agency_requests import send_requests
from casework.services.returns import request_for
from tests.factories import advance_case, make_case, make_user


def test_a_case_under_way_keeps_v1_when_v2_ships(
    business_manager, leads, partnership, tmp_path, monkeypatch
):
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    first = advance_case(make_case(business_manager).id, business_manager, leads, "rapid_review")
    (old_request,) = send_requests(
        business_manager, first.id, [contributor.agency_id], today=date(2023, 3, 14)
    )

    # Ship v2, which words the first question differently.
    folder = tmp_path / "agency_return"
    shutil.copytree(DEFINITIONS_PATH / "agency_return", folder)
    v2 = json.loads((folder / "v1.json").read_text())
    v2["version"] = 2
    v2["sections"][0]["questions"][0]["label"] = "Version two: any involvement at all?"
    (folder / "v2.json").write_text(json.dumps(v2))
    shipped = registry.Registry(read_definitions(tmp_path))
    monkeypatch.setattr(registry, "load_all", lambda path=None: shipped)

    second = advance_case(make_case(business_manager).id, business_manager, leads, "rapid_review")
    (new_request,) = send_requests(
        business_manager, second.id, [contributor.agency_id], today=date(2023, 3, 14)
    )
    _db.session.expire_all()
    old_view = request_for(contributor, old_request.id)
    new_view = request_for(contributor, new_request.id)
    assert (old_view.template.version, new_view.template.version) == (1, 2)
    first_label = old_view.template.sections[0].questions[0].label
    assert first_label != "Version two: any involvement at all?"
    assert new_view.template.sections[0].questions[0].label == (
        "Version two: any involvement at all?"
    )
