"""cruce.assess."""
