"""Clocks across the partnership: `GET /api/v1/clocks?status=overdue&on=YYYY-MM-DD`."""

from flask import g, jsonify, request

from casework.api import api
from casework.api.params import check_request, date_param, int_param
from casework.services.case_views import clock_view
from casework.services.clocks import list_clocks
from casework.services.partnerships import clock_settings
from casework.services.permissions import require_case_reader
from casework.services.today import london_today


@api.get("/clocks")
def clocks_index():
    require_case_reader(g.api_user)  # 403 before 422 (the service checks it again)
    check_request({"status", "on", "page", "per_page"})
    on = date_param("on") or london_today()
    page = list_clocks(
        g.api_user,
        status=request.args.get("status") or None,
        on=on,
        page=int_param("page", 1),
        per_page=int_param("per_page", 100),
    )
    settings = clock_settings(g.api_user.partnership_id)
    items = [
        {"case_id": c.case_id, "case_reference": c.case.reference, **clock_view(c, on, settings)}
        for c in page.items
    ]
    return jsonify(
        {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}
    )
