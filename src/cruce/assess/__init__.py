"""Joint vulnerability and risk assessment of the infrastructure the partners share.

- `assets`: ports of entry (from the shipped BTS-derived data), bridges, rail crossings, power, pipelines,
  telecom and water, each with its owner country, capacity and what it serves; users import their own.
- `graph`: what each asset needs (power, telecom…) and how long it survives without it, as a DAG.
- `distributions`, `scenarios`: threat × vulnerability × consequence, each factor a distribution.
- `montecarlo`: a seeded, vectorised simulation with cascades over the dependency graph.
- `report`, `product`: ranked results with 90% intervals, tornado and mitigation charts, and the
  assessment as a marked product that each partner receives in its tear-line version.
- `emergency`, `detect`: joint incidents (cascade, port closures, traffic diversion) and disease alerts.

Pure domain code: plain typed objects in and out, no web, CLI or database imports.
"""
