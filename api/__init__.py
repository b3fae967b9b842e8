"""The service: settings, database, people and roles, HTTP routes and the CLI."""
