"""cruce.api."""
