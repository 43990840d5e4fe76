"""cruce.web."""
