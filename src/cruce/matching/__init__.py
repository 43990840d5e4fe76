"""cruce.matching."""
