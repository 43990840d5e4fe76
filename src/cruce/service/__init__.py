"""cruce.service."""
