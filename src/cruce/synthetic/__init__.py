"""cruce.synthetic."""
