"""What every room of the service uses: settings, the database and its tables, problem+json errors."""
