"""cruce.lists."""
