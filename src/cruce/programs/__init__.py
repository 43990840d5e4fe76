"""cruce.programs."""
