"""The embedded default: every server and service on one machine, from pip packages."""
