"""Repository-wide pytest configuration (fixtures live in tests/ and each app's tests/)."""
