"""cruce.storage."""
