"""`python -m api.cli …` runs the `vcsc` command line (as the installed `vcsc` script does)."""

from api.cli import main

main()
