"""Versions: a new one loads beside the old, and a case pinned to the old still gets it."""

from __future__ import annotations

import pytest

from casework.review_templates import UnknownTemplate, load_all
from casework.review_templates import get as get_shipped


@pytest.fixture
def two_versions(agency_return, write, definitions):
    write(agency_return, "agency_return/v1.json")
    v2 = dict(agency_return, version=2, title="Rapid review: agency return (2025)")
    v2["sections"] = [*agency_return["sections"][:-1]]  # v2 drops the parallel processes
    write(v2, "agency_return/v2.json")
    return load_all(definitions)


def test_a_second_version_loads_beside_the_first(two_versions):
    assert two_versions.versions("agency_return") == [1, 2]
    assert two_versions.latest("agency_return").version == 2
    assert two_versions.latest("agency_return").title == "Rapid review: agency return (2025)"
    pinned = two_versions.get("agency_return", 1)
    assert pinned.version == 1 and pinned.section("parallel_processes")
    assert pinned.digest != two_versions.get("agency_return", 2).digest
    assert two_versions.summary() == "1 template, 2 versions: all valid"


def test_unknown_templates_and_versions(two_versions):
    with pytest.raises(UnknownTemplate, match="'agency_return' version 3"):
        two_versions.get("agency_return", 3)
    with pytest.raises(UnknownTemplate):
        two_versions.latest("panel_meeting")
    assert two_versions.versions("panel_meeting") == []
    assert two_versions.template_ids() == ["agency_return"]


def test_the_shipped_registry_is_read_once():
    assert load_all() is load_all()
    assert get_shipped("agency_return", 1) is load_all().latest("agency_return")
