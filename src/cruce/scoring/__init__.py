"""cruce.scoring."""
