"""Emulated AWS for the local run: the rendered template, the real handlers, moto underneath."""
