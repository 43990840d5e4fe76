"""Shipped mutual-recognition agreements (YAML), read by `cruce.programs.recognition`."""
