"""cruce.core."""
