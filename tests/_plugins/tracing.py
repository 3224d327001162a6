"""Fixtures for tracing tests."""
