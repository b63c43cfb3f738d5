"""The document submitted to the Panel with the rapid review (being built)."""

from __future__ import annotations

from casework.models import Case, CaseEvent


def produce_submission_document(case: Case, entry: CaseEvent) -> None:
    """Produce and store the submission document for this submission (not yet built)."""
