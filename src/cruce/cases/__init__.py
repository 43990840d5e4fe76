"""cruce.cases."""
