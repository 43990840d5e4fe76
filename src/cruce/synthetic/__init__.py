"""Reproducible synthetic screening data for `cruce demo`, tests and benchmarks: no network, no real people.

`generate_watchlist(seed)` invents a list shaped like the real ones (Mexican, Colombian, US, Canadian and
Arabic names with their structure; companies; a few vessels and aircraft). `generate_travelers(seed, list)`
invents a day of border crossings in which a known share are listed parties in disguise.
"""

from cruce.synthetic.travelers import SyntheticTraveler, generate_travelers
from cruce.synthetic.watchlist import LIST_ID, PROGRAM, SYNTHETIC_LIST, generate_watchlist

__all__ = [
    "LIST_ID",
    "PROGRAM",
    "SYNTHETIC_LIST",
    "SyntheticTraveler",
    "generate_travelers",
    "generate_watchlist",
]
