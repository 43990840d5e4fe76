"""Words that make company, vessel and aircraft names look like the ones on trade manifests and lists."""

from __future__ import annotations

# Tables read better packed than one item per line.
# fmt: off
MX_COMPANY_PREFIXES: tuple[str, ...] = (
    "Transportes", "Autotransportes", "Comercializadora", "Distribuidora", "Importadora y Exportadora",
    "Grupo", "Servicios Aduanales", "Logística", "Agropecuaria", "Constructora", "Inmobiliaria",
    "Farmacéutica", "Química", "Fletes", "Minera", "Casa de Cambio", "Productora", "Empacadora",
    "Maquiladora", "Abarrotes",
)
MX_COMPANY_CORES: tuple[str, ...] = (
    "del Pacífico", "del Norte", "Fronteriza", "del Bajío", "Sinaloense", "de Sonora", "Águila Real",
    "Sol de Oro", "Halcón", "Monte Alto", "Tres Ríos", "San Judas", "Santa Elena", "Los Altos", "El Dorado",
    "Internacional del Golfo", "Costa Azul", "Sierra Madre", "La Esperanza", "Cumbres", "Rio Bravo",
    "Valle Verde", "Nueva Galicia", "Cuatro Caminos",
)
MX_FAMILY_CORES: tuple[str, ...] = ("{a} Hermanos", "{a} y Asociados", "{a} e Hijos", "{a} {b}", "{a} y {b}")
MX_COMPANY_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("S.A. de C.V.", 60), ("S. de R.L. de C.V.", 25), ("S.A.P.I. de C.V.", 5), ("S.C.", 5), ("S.A.", 5),
)
US_COMPANY_WORDS: tuple[str, ...] = (
    "Rio Grande", "Lone Star", "Desert Sun", "Border Star", "Frontier", "Southwest", "Sunbelt", "Mesa",
    "Cactus", "Pinnacle", "Eagle Pass", "Red River", "Gulf Coast", "Pacific Rim", "Blue Ridge", "Summit",
    "Canyon", "Horizon", "Liberty", "Patriot",
)
US_COMPANY_INDUSTRIES: tuple[str, ...] = (
    "Logistics", "Trading", "Freight", "Produce", "Holdings", "Imports", "Distribution", "Transport",
    "Supply", "Auto Parts", "Electronics", "Customs Brokerage", "Warehousing", "Chemicals", "Exchange",
)
US_COMPANY_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("LLC", 50), ("Inc.", 25), ("Corp.", 8), ("Co.", 7), ("LP", 5), ("L.L.C.", 5),
)
CA_COMPANY_WORDS: tuple[str, ...] = (
    "Maple Leaf", "Northern", "Great Lakes", "Prairie", "Laurentian", "Pacific", "Boreal", "True North",
    "Cascade", "Rideau",
)
FR_CA_COMPANY_PATTERNS: tuple[str, ...] = (
    "Les Entreprises {s} Inc.", "Transport {s} Ltée", "Groupe {s} Inc.", "Distribution {s} Ltée",
    "Les Importations {s} Inc.", "Logistique {s} Ltée",
)
CO_COMPANY_PATTERNS: tuple[str, ...] = (
    "Inversiones {w} S.A.S.", "Comercializadora {w} Ltda.", "Agroindustrias {w} S.A.S.",
    "Transportes {w} S.A.", "C.I. {w} S.A.S.", "Distribuidora {w} Ltda.",
)
CO_COMPANY_WORDS: tuple[str, ...] = (
    "del Valle", "Antioqueña", "La Costa", "El Cafetal", "Caribe", "Andina", "San Fernando", "Las Palmas",
    "Orinoquía", "Santa Marta",
)
AR_COMPANY_PATTERNS: tuple[str, ...] = (
    "{f} General Trading LLC", "{f} Exchange Company", "{f} Import & Export Co.", "{f} Shipping FZE",
)

VESSEL_ES: tuple[str, ...] = (
    "DOÑA {f}", "{f}", "SANTA {f}", "CAPITÁN {s}", "LA {w}", "EL {w}", "{f} DEL MAR", "VIRGEN DE {v}",
)
VESSEL_EN: tuple[str, ...] = ("OCEAN {w}", "{w} STAR", "SEA {w}", "{w} SPIRIT", "GULF {w}", "{w} TRADER")
VESSEL_WORDS_ES: tuple[str, ...] = (
    "GAVIOTA", "SIRENA", "TORMENTA", "PESCADOR", "MARLIN", "DELFÍN", "CORMORÁN", "PELÍCANO", "TIBURÓN",
    "CARACOL",
)
VESSEL_WORDS_EN: tuple[str, ...] = (
    "BREEZE", "VOYAGER", "HARMONY", "FALCON", "NEPTUNE", "PIONEER", "MERIDIAN", "HORIZON", "TRIDENT",
    "AURORA",
)
VESSEL_VIRGINS: tuple[str, ...] = ("GUADALUPE", "LA PAZ", "ZAPOPAN", "SAN JUAN", "LOURDES")
VESSEL_TYPES: tuple[str, ...] = (
    "Fishing vessel", "General cargo", "Tanker", "Yacht", "Tug", "Container ship",
)
VESSEL_FLAGS: tuple[tuple[str, int], ...] = (
    ("MX", 30), ("PA", 20), ("CO", 10), ("HN", 10), ("BZ", 8), ("US", 8), ("LR", 7), ("MH", 7),
)

# (manufacturer and model, typical serial length)
AIRCRAFT_MODELS: tuple[tuple[str, int], ...] = (
    ("Cessna 210N Centurion", 8), ("Cessna 206H Stationair", 8), ("Beechcraft King Air 200", 6),
    ("Piper PA-31 Navajo", 8), ("Learjet 35A", 4), ("Gulfstream G-IV", 4), ("Hawker 800XP", 6),
    ("Embraer EMB-110 Bandeirante", 6), ("Cessna 402C", 8), ("Bell 206B JetRanger", 4),
)
AIRCRAFT_OPERATORS: tuple[str, ...] = ("private", "air taxi", "cargo charter", "agricultural")
