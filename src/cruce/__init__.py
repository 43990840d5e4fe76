"""cruce: screening, risk routing and partner intelligence sharing for a shared land border."""

__version__ = "0.1.0"
