"""Console accounts: roles, users and their API tokens, passwords, sessions, login throttling."""
