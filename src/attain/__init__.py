"""Attain — sales performance management."""
