"""Birth places and company seats, weighted toward the border states and the usual origin regions.

Mexican states carry their CURP code so that a synthetic person's CURP agrees with their birth place.
"""

from __future__ import annotations

# Tables read better packed than one item per line.
# fmt: off
# (CURP state code, state name, cities, weight)
MX_STATES: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("SL", "Sinaloa", ("Culiacán", "Mazatlán", "Los Mochis", "Navolato", "Guasave"), 9),
    ("JC", "Jalisco", ("Guadalajara", "Zapopan", "Tlaquepaque", "Puerto Vallarta"), 8),
    ("MN", "Michoacán", ("Morelia", "Uruapan", "Apatzingán", "Zamora"), 6),
    ("SR", "Sonora", ("Hermosillo", "Nogales", "San Luis Río Colorado", "Caborca", "Agua Prieta"), 7),
    ("CH", "Chihuahua", ("Chihuahua", "Ciudad Juárez", "Ojinaga", "Hidalgo del Parral"), 8),
    ("BC", "Baja California", ("Tijuana", "Mexicali", "Ensenada", "Tecate"), 8),
    ("TS", "Tamaulipas", ("Reynosa", "Matamoros", "Nuevo Laredo", "Tampico", "Ciudad Victoria"), 8),
    ("NL", "Nuevo León", ("Monterrey", "San Nicolás de los Garza", "Guadalupe", "Apodaca"), 6),
    ("DF", "Ciudad de México", ("Ciudad de México",), 7), ("DG", "Durango", ("Durango", "Gómez Palacio"), 4),
    ("GR", "Guerrero", ("Acapulco", "Chilpancingo", "Iguala"), 4),
    ("CL", "Coahuila", ("Saltillo", "Torreón", "Piedras Negras", "Monclova"), 4),
    ("GT", "Guanajuato", ("León", "Celaya", "Irapuato"), 3),
    ("MC", "Estado de México", ("Toluca", "Ecatepec", "Naucalpan"), 4),
    ("VZ", "Veracruz", ("Veracruz", "Xalapa", "Coatzacoalcos"), 3),
    ("ZS", "Zacatecas", ("Zacatecas", "Fresnillo"), 2), ("OC", "Oaxaca", ("Oaxaca de Juárez", "Juchitán"), 2),
    ("PL", "Puebla", ("Puebla", "Tehuacán"), 2), ("QR", "Quintana Roo", ("Cancún", "Chetumal"), 2),
    ("CS", "Chiapas", ("Tapachula", "Tuxtla Gutiérrez"), 2),
)
MX_BORDER_CITIES: tuple[str, ...] = (
    "Tijuana", "Mexicali", "Ciudad Juárez", "Nuevo Laredo", "Reynosa", "Matamoros", "Nogales",
    "Piedras Negras",
)
US_CITIES: tuple[tuple[str, str], ...] = (
    ("El Paso", "Texas"), ("Laredo", "Texas"), ("McAllen", "Texas"), ("Brownsville", "Texas"),
    ("San Antonio", "Texas"), ("Houston", "Texas"), ("Dallas", "Texas"), ("San Diego", "California"),
    ("Los Angeles", "California"), ("Chula Vista", "California"), ("Calexico", "California"),
    ("Phoenix", "Arizona"), ("Tucson", "Arizona"), ("Nogales", "Arizona"), ("Yuma", "Arizona"),
    ("Albuquerque", "New Mexico"), ("Las Cruces", "New Mexico"), ("Chicago", "Illinois"),
    ("Atlanta", "Georgia"), ("Denver", "Colorado"),
)
CA_CITIES: tuple[tuple[str, str], ...] = (
    ("Toronto", "Ontario"), ("Mississauga", "Ontario"), ("Windsor", "Ontario"),
    ("Vancouver", "British Columbia"), ("Calgary", "Alberta"), ("Winnipeg", "Manitoba"),
)
CA_FR_CITIES: tuple[tuple[str, str], ...] = (
    ("Montréal", "Québec"), ("Québec", "Québec"), ("Laval", "Québec"), ("Gatineau", "Québec"),
    ("Sherbrooke", "Québec"),
)
CO_CITIES: tuple[tuple[str, str], ...] = (
    ("Medellín", "Antioquia"), ("Bogotá", "Cundinamarca"), ("Cali", "Valle del Cauca"),
    ("Barranquilla", "Atlántico"), ("Cartagena", "Bolívar"), ("Cúcuta", "Norte de Santander"),
    ("Pereira", "Risaralda"),
)
CAM_CITIES: dict[str, tuple[str, ...]] = {
    "GT": ("Ciudad de Guatemala", "Quetzaltenango", "Huehuetenango"),
    "HN": ("San Pedro Sula", "Tegucigalpa", "La Ceiba"), "SV": ("San Salvador", "Santa Ana", "San Miguel"),
}
AR_CITIES: dict[str, str] = {
    "SY": "Damascus", "LB": "Beirut", "IQ": "Baghdad", "YE": "Sanaa", "SA": "Riyadh", "JO": "Amman",
    "EG": "Cairo", "AE": "Dubai", "LY": "Tripoli",
}
COUNTRY_NAMES: dict[str, str] = {
    "MX": "Mexico", "US": "United States", "CA": "Canada", "CO": "Colombia", "GT": "Guatemala",
    "HN": "Honduras", "SV": "El Salvador", "SY": "Syria", "LB": "Lebanon", "IQ": "Iraq", "YE": "Yemen",
    "SA": "Saudi Arabia", "JO": "Jordan", "EG": "Egypt", "AE": "United Arab Emirates", "LY": "Libya",
    "PA": "Panama", "BZ": "Belize", "LR": "Liberia", "MH": "Marshall Islands",
}
