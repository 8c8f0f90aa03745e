"""`python -m bot` is the same as the `dondoc` command."""

from bot.cli import main

main()
