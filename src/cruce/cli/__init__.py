"""cruce.cli."""
