"""The gateway's rules, pure: statuses, keywords, uploads, what each fact changes."""
