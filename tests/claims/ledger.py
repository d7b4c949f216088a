"""The claims ledger's machinery, shared by tests/claims/test_lab*.py.

A :class:`Claim` names the file(s) that make a sentence, a quote that must still be there
(whitespace, case and Markdown marks ignored), and a check of the shipped data that returns
``(holds, numbers)``. :func:`check_quote` and :func:`check_data` fail with the sentence and the
numbers; :func:`markdown` renders a lab's section of course/claims.md,
:func:`check_course_section` keeps that section equal to it, and :func:`write_course_sections`
(``python -m tests.claims``) rewrites every section from the entries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Claim:
    id: str
    where: str | tuple[str, ...]
    quote: str
    check: Callable[[], tuple[bool, str]]
    source: str = ""

    @property
    def wheres(self) -> tuple[str, ...]:
        return (self.where,) if isinstance(self.where, str) else tuple(self.where)


def _norm(s: str) -> str:
    s = re.sub(r"[*_`$]", "", s)  # Markdown emphasis, code marks and inline maths
    s = s.replace("\\|", "|").replace("{,}", ",")
    return re.sub(r"\s+", " ", s).lower()


def text_of(where: str) -> str:
    """The prose of a file, normalised: a notebook's Markdown cells, or a Markdown file."""
    path = ROOT / where
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        raw = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    else:
        raw = path.read_text(encoding="utf-8")
    return _norm(raw)


def check_quote(claim: Claim) -> None:
    for where in claim.wheres:
        if _norm(claim.quote) not in text_of(where):
            pytest.fail(f"{claim.id}: the ledger quotes a sentence that {where} no longer says: "
                        f"{claim.quote!r}. Update the ledger entry (and its check) with the page.", pytrace=False)


def check_data(claim: Claim) -> None:
    ok, numbers = claim.check()
    if not ok:
        pytest.fail(f"{claim.id} ({', '.join(claim.wheres)}) says: {claim.quote!r}; the shipped data say: {numbers}",
                    pytrace=False)


def markdown(claims) -> str:
    rows = ["| id | where | what is said | source it restates |", "| --- | --- | --- | --- |"]
    for c in claims:
        where = ", ".join(f"`{w}`" for w in c.wheres)
        quote = c.quote.replace("|", "\\|")
        rows.append(f"| `{c.id}` | {where} | {quote} | {c.source or 'this lab'} |")
    return "\n".join(rows)


def check_course_section(lab: str, claims) -> None:
    """course/claims.md holds ``markdown(claims)`` between ``<!-- {lab}:begin/end -->``."""
    text = (ROOT / "course" / "claims.md").read_text(encoding="utf-8")
    begin, end = f"<!-- {lab}:begin -->", f"<!-- {lab}:end -->"
    assert begin in text and end in text, f"course/claims.md has no {lab} section"
    section = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert section == markdown(claims), (
        f"course/claims.md's {lab} section is out of date: regenerate it with `.venv/bin/python -m tests.claims`")
    assert len({c.id for c in claims}) == len(claims), "two claims share an id"


def ledger_tests(lab: str, claims):
    """The three tests of a lab's ledger, to bind at module level in tests/claims/test_<lab>.py:
    each quote is on its page, each check holds on the shipped data, course/claims.md is current."""

    @pytest.mark.parametrize("claim", claims, ids=[c.id for c in claims])
    def test_the_sentence_is_on_the_page(claim):
        check_quote(claim)

    @pytest.mark.parametrize("claim", claims, ids=[c.id for c in claims])
    def test_the_data_support_the_sentence(claim):
        check_data(claim)

    def test_the_course_ledger_is_generated_from_the_claims():
        check_course_section(lab, claims)

    return (test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
            test_the_course_ledger_is_generated_from_the_claims)


LABS = ("lab1", "lab2", "lab3", "lab4")


def write_course_sections() -> Path:
    """Rewrite each ``<!-- labN:begin/end -->`` section of course/claims.md from its entries."""
    import importlib

    path = ROOT / "course" / "claims.md"
    text = path.read_text(encoding="utf-8")
    for lab in LABS:
        claims = importlib.import_module(f"tests.claims.test_{lab}").CLAIMS
        begin, end = f"<!-- {lab}:begin -->", f"<!-- {lab}:end -->"
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + markdown(claims) + "\n" + end + rest.split(end, 1)[1]
    path.write_text(text, encoding="utf-8")
    return path
