"""Humanitarian operations at the border: search and rescue, safe repatriation, and the privacy rules
that bind the personal data of the people involved (domain model only; storage, API and sync come later).
"""
