"""The terminal side of snowsim: the live run screen, progress lines, summaries, and the views of `sim`."""
