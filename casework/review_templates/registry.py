"""Every version of every review template, loaded once and kept.

A case pins (template id, version) on its first request; `get` returns that version for as long
as the case lives, whatever newer versions exist. New requests use `latest`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from casework.review_templates.loader import DEFINITIONS_PATH, read_definitions
from casework.review_templates.model import Template


class UnknownTemplate(LookupError):
    """No such template, or no such version of it."""


class Registry:
    def __init__(self, templates: dict[tuple[str, int], Template]):
        self._templates = dict(templates)

    def get(self, template_id: str, version: int) -> Template:
        try:
            return self._templates[(template_id, version)]
        except KeyError:
            raise UnknownTemplate(f"no review template {template_id!r} version {version}") from None

    def latest(self, template_id: str) -> Template:
        found = self.versions(template_id)
        if not found:
            raise UnknownTemplate(f"no review template {template_id!r}")
        return self._templates[(template_id, found[-1])]

    def versions(self, template_id: str) -> list[int]:
        """The versions of a template, oldest first ([] for an unknown template)."""
        return sorted(version for tid, version in self._templates if tid == template_id)

    def template_ids(self) -> list[str]:
        return sorted({tid for tid, _ in self._templates})

    def summary(self) -> str:
        """'1 template, 2 versions: all valid', as `check-templates` prints it."""
        ids, count = len(self.template_ids()), len(self._templates)
        return (
            f"{ids} template{'s' if ids != 1 else ''}, "
            f"{count} version{'s' if count != 1 else ''}: all valid"
        )


def load_all(path: str | Path | None = None) -> Registry:
    """Load and check every definition; TemplateError lists every problem found.

    Without `path`, the shipped definitions: read once per process, then the same Registry is
    returned (create_app calls this so that the application refuses to start with a broken
    definition). With `path`, that folder, read afresh each time (tests, check-templates --path).
    """
    if path is None:
        return _shipped()
    return Registry(read_definitions(Path(path)))


@cache
def _shipped() -> Registry:
    return Registry(read_definitions(DEFINITIONS_PATH))


def get(template_id: str, version: int) -> Template:
    """A shipped template at the version a case pinned."""
    return load_all().get(template_id, version)


def latest(template_id: str) -> Template:
    """The newest shipped version of a template: the one a new request pins."""
    return load_all().latest(template_id)


def versions(template_id: str) -> list[int]:
    return load_all().versions(template_id)
