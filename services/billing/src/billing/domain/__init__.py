"""Billing's rules as pure code: prices, account state, and what each request does to it."""
