"""Fixtures for store tests."""
