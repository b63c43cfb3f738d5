"""Definitions written into a temporary folder, to break them one way at a time."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casework.review_templates import DEFINITIONS_PATH

SHIPPED_V1 = json.loads((DEFINITIONS_PATH / "agency_return" / "v1.json").read_text())


@pytest.fixture
def agency_return() -> dict[str, Any]:
    """A fresh copy of the shipped agency return v1, to change."""
    return copy.deepcopy(SHIPPED_V1)


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    folder = tmp_path / "definitions"
    folder.mkdir()
    return folder


@pytest.fixture
def write(definitions: Path) -> Callable[..., Path]:
    """write(document, "agency_return/v1.json"): put a definition in the temporary folder."""

    def write_definition(
        document: dict[str, Any] | str, name: str = "agency_return/v1.json"
    ) -> Path:
        path = definitions / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = document if isinstance(document, str) else json.dumps(document, indent=2)
        path.write_text(text, encoding="utf-8")
        return path

    return write_definition
