"""Shared contracts of the aitrain services: events, subjects and bus conventions."""
