"""Renderers: pure functions from findings to text or JSON."""
