"""Demo step: supervision cases (being built)."""
