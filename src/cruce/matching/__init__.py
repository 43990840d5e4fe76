"""cruce.matching: screening names against the lists.

Its hot modules may be compiled at install (see `cruce.matching.build`); before any of them is imported,
a compiled build older than its sources is passed over for the sources themselves.
"""

from cruce.matching.build import prefer_current_sources

prefer_current_sources()
