"""Duplicates beyond the ID number: persons in different households with the same name and
birth date, or the same name and an ID number one digit apart (scan.py, run nightly); the
county's list and side-by-side comparison (selectors.py, views.py); merging two records
with both histories kept, and dismissing a pair (merge.py)."""
