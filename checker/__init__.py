"""Everything that judges: criteria sets, self-assessments and (later) probes. No HTTP, no database."""
