"""Edges of the scrubber that mutation testing found unguarded (each test kills a surviving mutant)."""

from __future__ import annotations

from trackier_provider.scrubbing import redact_url, scrub


def test_the_login_key_is_removed_by_its_path_inside_a_list_too() -> None:
    """``data.key`` is a credential by its path; a list under ``data`` keeps that path for its objects, while
    ``key`` elsewhere stays data."""
    answer = {"data": [{"key": "k-1", "name": "a"}, {"key": "k-2"}], "items": [{"key": "kept"}]}
    assert scrub(answer) == {"data": [{"name": "a"}, {}], "items": [{"key": "kept"}]}


def test_a_fragment_spanning_lines_is_redacted_whole() -> None:
    """Everything after ``#`` goes, a line break in the fragment included."""
    assert redact_url("https://panel.example/p#token=abc\nsecond-line-secret") == "https://panel.example/p#***"
