"""``python -m tests.claims``: regenerate the tables of course/claims.md from the ledger entries."""

from .ledger import write_course_sections

print(f"wrote {write_course_sections()}")
