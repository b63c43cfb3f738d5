"""Cases: open, list, read, and fire events.

Refusals come in the domain reference's order (401, 404, 403, 422, 409): the views check their
input only once the services have found the case and allowed the user to act, so a case the
user may not see is 404 and an action their role may not take is 403, whatever the input.
"""

from flask import g, jsonify, request

from casework.api import api
from casework.api.params import (
    body_fields,
    bool_param,
    check_request,
    date_param,
    int_param,
    json_body,
)
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
from casework.services.permissions import require_case_reader, require_may_open_cases
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


def _check_case_query() -> None:
    """A case's own routes take `?on=` and nothing else."""
    check_request({"on"})
    date_param("on")


def _check_event_input() -> None:
    _check_case_query()
    json_body()  # the facts themselves are the service's to check


@api.post("/cases")
def create_case():
    require_may_open_cases(g.api_user)  # 403 before 422 (the service checks it again)
    check_request({"on"})
    on = date_param("on")  # read before opening: a bad date must refuse before anything is saved
    case = open_case(g.api_user, json_body())
    record_read(g.api_user, case, via="api")  # the answer shows the case's detail
    return _detail(case, on, 201)


@api.get("/cases")
def cases_index():
    require_case_reader(g.api_user)  # 403 before 422 (the service checks it again)
    check_request({"state", "overdue", "on", "page", "per_page"})
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
    # The service runs the check once it has found the case and before it records the read.
    case = get_case(g.api_user, case_id, check_input=_check_case_query)
    return _detail(case, date_param("on"))


@api.post("/cases/<int:case_id>/events")
def case_fire_event(case_id: int):
    raw = body_fields()
    event = raw.pop("event", None)
    # The service runs the check once it has found the case and allowed the user to fire the
    # event, and before it writes anything.
    case = fire_event(
        g.api_user,
        case_id,
        event if isinstance(event, str) else "",
        raw,
        check_input=_check_event_input,
    )
    record_read(g.api_user, case, via="api")  # the answer shows the case's detail
    return _detail(case, date_param("on"))
