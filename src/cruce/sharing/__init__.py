"""cruce.sharing."""
