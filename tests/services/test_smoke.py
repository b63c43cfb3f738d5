from tests.factories import advance_case, make_case


def test_happy_path_to_closed(business_manager, leads):
    case = make_case(business_manager)
    case = advance_case(case.id, business_manager, leads, "closed")
    assert case.state == "closed"
