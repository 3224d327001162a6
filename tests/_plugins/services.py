"""Fixtures for services tests."""
