"""Cases: open, list, read, and fire events."""

from flask import g, jsonify, request

from casework.api import api
from casework.api.params import bool_param, check_params, date_param, int_param, json_body
from casework.services.case_views import case_view
from casework.services.cases import (
    case_history,
    get_case,
    open_case,
    read_cases,
    record_read,
)
from casework.services.events import fire_event
from casework.services.partnerships import clock_settings
from casework.services.today import london_today


def _detail(case, on, status=200):
    today = london_today()
    view = case_view(
        g.api_user,
        case,
        on=on or today,
        today=today,
        settings=clock_settings(case.partnership_id),
        history=case_history(case),
    )
    return jsonify(view), status


@api.post("/cases")
def create_case():
    check_params({"on"})
    on = date_param("on")  # read first: a bad date must refuse before anything is saved
    case = open_case(g.api_user, json_body())
    record_read(g.api_user, case, via="api")  # the answer shows the case's detail
    return _detail(case, on, 201)


@api.get("/cases")
def cases_index():
    check_params({"state", "overdue", "on", "page", "per_page"})
    on = date_param("on") or london_today()
    # Each item holds the case's detail (all but its history), so each is an audited read.
    page = read_cases(
        g.api_user,
        via="api_list",
        state=request.args.get("state") or None,
        overdue=bool_param("overdue"),
        on=on,
        page=int_param("page", 1),
        per_page=int_param("per_page", 50),
    )
    settings = clock_settings(g.api_user.partnership_id)
    items = [
        case_view(g.api_user, c, on=on, today=london_today(), settings=settings) for c in page.items
    ]
    return jsonify(
        {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}
    )


@api.get("/cases/<int:case_id>")
def case_show(case_id: int):
    check_params({"on"})
    on = date_param("on")
    return _detail(get_case(g.api_user, case_id), on)


@api.post("/cases/<int:case_id>/events")
def case_fire_event(case_id: int):
    check_params({"on"})
    on = date_param("on")
    body = json_body()
    event = body.pop("event", None)
    case = fire_event(g.api_user, case_id, event if isinstance(event, str) else "", body)
    record_read(g.api_user, case, via="api")  # the answer shows the case's detail
    return _detail(case, on)
