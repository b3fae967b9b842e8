"""Data only: the versioned VCSC criteria sets, their vocabulary and meta-schemas."""

from pathlib import Path

CRITERIA_DIR = Path(__file__).resolve().parent
