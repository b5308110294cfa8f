"""Comparison tables and plots generated from data/*.yaml (see scripts/hooks/data_tables.py)."""
