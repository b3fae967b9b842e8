"""Turns evaluation results into text, JSON and (later) HTML, PDF, EARL and badges."""
