"""Training stages (Lightning modules and the functions the CLI calls)."""
