"""Data shipped with the coordinator (the communes referential)."""
