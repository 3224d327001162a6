"""Fixtures for tests that need the local model server."""
