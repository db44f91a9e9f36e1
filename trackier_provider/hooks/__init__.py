"""Hooks for the Trackier Admin API."""
