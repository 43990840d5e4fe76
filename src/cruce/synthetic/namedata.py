"""Curated name parts that Faker lacks: the structure (compound given names, particles, nicknames, nasab).

Faker gives plausible single first names and surnames per locale; it does not know that Mexicans are often
"José de Jesús" or "María Guadalupe", that common surnames dominate (which is what makes namesakes and
relatives hard to screen), which nicknames stand for which names, or how Arabic names transliterate.
"""

from __future__ import annotations

# Tables read better packed than one item per line.
# fmt: off
# --- Mexico / Spanish-speaking -----------------------------------------------------------------------------

MX_COMPOUND_MALE: tuple[str, ...] = (
    "José de Jesús", "José Luis", "Juan Carlos", "José Antonio", "Juan Manuel", "Jesús Alberto",
    "Luis Fernando", "José Guadalupe", "Juan de Dios", "José María", "Miguel Ángel", "Francisco Javier",
    "José Ángel", "Jorge Luis", "José Manuel", "José Alfredo", "Juan Pablo", "José Refugio", "José Trinidad",
    "Ramón de Jesús", "Carlos Alberto", "Luis Alberto", "José Francisco", "Jesús Manuel", "Juan José",
    "José Ramón", "Pedro Pablo", "José Eduardo", "Víctor Manuel", "José Roberto",
)
MX_COMPOUND_FEMALE: tuple[str, ...] = (
    "María Guadalupe", "María de los Ángeles", "María del Carmen", "Ana María", "María de Jesús",
    "María Fernanda", "María del Rosario", "María Elena", "Martha Patricia", "María de la Luz", "Rosa María",
    "María Isabel", "María Teresa", "Ana Laura", "María Concepción", "María de Lourdes", "Juana María",
    "María del Refugio", "Blanca Estela", "María Dolores", "Claudia Ivette", "María del Socorro",
)
MX_COMMON_SURNAMES: tuple[str, ...] = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
    "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
    "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez",
    "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez",
    "Muñoz", "Rojas", "Contreras", "Salazar", "Luna", "Ortega", "Guerrero", "Estrada", "Bautista", "Cortés",
    "Soto", "Alvarado", "Espinoza", "Lara", "Ávila", "Ríos", "Cervantes", "Silva", "Delgado", "Vega",
    "Márquez", "Sandoval", "Carrillo", "Mejía", "Solís", "Núñez", "Rosas", "Valdez", "Ibarra", "Camacho",
    "Navarro", "Acosta", "Quintero", "Félix", "Zazueta", "Gastélum", "Uriarte", "Beltrán", "Leyva", "Osuna",
    "Armenta", "Bojórquez", "Sauceda", "Meza", "Lugo", "Valenzuela", "Peña",
)
# Surnames that begin with a particle; they are one unit ("de la Cruz"), not three tokens.
MX_PARTICLE_SURNAMES: tuple[str, ...] = (
    "de la Cruz", "de la Rosa", "de la Torre", "de la Garza", "de León", "del Ángel", "de los Santos",
    "de la Fuente", "del Río", "de Jesús", "de la O", "de Anda", "del Toro", "de la Paz", "de Alba",
)

CO_COMPOUND_MALE: tuple[str, ...] = (
    "Jhon Jairo", "Luis Fernando", "Juan David", "Carlos Andrés", "John Fredy", "Jhon Édison", "Juan Camilo",
    "Wilmar Alberto", "Yeison Andrés", "Diego Alejandro", "Jorge Eliécer", "Luis Eduardo", "Óscar Darío",
)
CO_COMPOUND_FEMALE: tuple[str, ...] = (
    "Luz Marina", "Diana Marcela", "Leidy Johana", "Yurani Andrea", "Luz Dary", "Sandra Milena",
    "Paola Andrea", "Claudia Patricia", "María Camila", "Ángela María", "Yuli Paola", "Martha Lucía",
)

# Invented nicknames of the "EL ..."/"LA ..." kind lists carry as weak aliases. Deliberately generic words,
# combined at random, so no combination is meant to point at a real listed person.
ALIAS_WORDS_MALE: tuple[str, ...] = (
    "TLACUACHE", "COYOTE", "GALLO", "TEJÓN", "ZORRO", "CUERVO", "GAVILÁN", "CHAPULÍN", "ALACRÁN", "TIBURÓN",
    "PELÓN", "FLACO", "GORDO", "GÜERO", "CHINO", "PROFE", "INGE", "COMPA", "PRIMO", "PARIENTE", "VAQUERO",
    "ARRIERO", "MECÁNICO", "CONTADOR", "TORITO", "VENADO", "TECOLOTE", "CHARRO", "COSTEÑO", "PAISA", "MORRO",
    "TRAILERO", "PILOTO", "DOCTOR", "CUATE", "GRILLO", "MAPACHE", "CENZONTLE", "TLACO", "RATÓN",
)
ALIAS_WORDS_FEMALE: tuple[str, ...] = (
    "GÜERA", "FLACA", "CHINA", "JEFA", "MADRINA", "GÜERITA", "PALOMA", "GATA", "REINA", "PROFE", "TÍA",
    "COSTEÑA", "PAISA", "GORDA", "CONTADORA",
)
EN_ALIASES: tuple[str, ...] = (
    "SLIM", "DOC", "SHORTY", "TEX", "RED", "BOSS", "COWBOY", "PREACHER", "SMOKEY", "LUCKY", "BIG TIM",
    "THE DUTCHMAN", "TRUCKER", "HOLLYWOOD", "SPARKY", "PAPA BEAR", "GHOST", "CAPTAIN",
)

# Nicknames and abbreviations people present instead of the registered given name.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "José": ("Pepe", "Chepe"), "Jesús": ("Chuy",), "Francisco": ("Paco", "Pancho", "Kiko"),
    "Guadalupe": ("Lupe", "Lupita"), "Ignacio": ("Nacho",), "Enrique": ("Quique",), "Roberto": ("Beto",),
    "Alberto": ("Beto",), "Humberto": ("Beto",), "Eduardo": ("Lalo",), "Manuel": ("Manolo", "Meme"),
    "Rosario": ("Chayo",), "Refugio": ("Cuco",), "Concepción": ("Conchita", "Concha"), "Dolores": ("Lola",),
    "Mercedes": ("Meche",), "Graciela": ("Chela",), "Consuelo": ("Chelo",), "Socorro": ("Coco",),
    "Ramón": ("Moncho",), "Rafael": ("Rafa",), "Santiago": ("Chago",), "Salvador": ("Chava",),
    "Isabel": ("Chabela",), "Luis": ("Güicho",), "Antonio": ("Toño",), "Fernando": ("Nando",),
    "Guillermo": ("Memo",), "Jorge": ("Coque",), "Joaquín": ("Quino",), "Gabriel": ("Gabo",),
    "Rodolfo": ("Fito",), "Adolfo": ("Fito",), "Ricardo": ("Richi",), "Margarita": ("Mago",),
    "Alicia": ("Licha",), "Cecilia": ("Ceci",), "Patricia": ("Paty",), "Leticia": ("Lety",),
    "Beatriz": ("Bety",), "Teresa": ("Tere",), "Gonzalo": ("Chalo",), "Anastasio": ("Tacho",),
    "Lorenzo": ("Lencho",), "Alejandro": ("Alex", "Jano"), "Carlos": ("Charly",), "Mauricio": ("Mau",),
    "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"), "Richard": ("Rick", "Dick"), "Michael": ("Mike",),
    "James": ("Jim", "Jimmy"), "Joseph": ("Joe",), "Thomas": ("Tom",), "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"), "Elizabeth": ("Liz", "Beth"), "Jennifer": ("Jen",), "Katherine": ("Kate",),
    "Margaret": ("Peggy", "Maggie"), "Anthony": ("Tony",), "Edward": ("Ed", "Eddie"), "Steven": ("Steve",),
    "Matthew": ("Matt",), "Andrew": ("Andy",), "Nicholas": ("Nick",), "Jonathan": ("Jon",),
    "Benjamin": ("Ben",), "Alexander": ("Alex",), "Susan": ("Sue",), "Deborah": ("Debbie",),
    "Rebecca": ("Becky",), "Samuel": ("Sam",), "Timothy": ("Tim",), "Kenneth": ("Ken",), "Ronald": ("Ron",),
    "Donald": ("Don",), "Charles": ("Charlie", "Chuck"), "Gregory": ("Greg",), "Jeffrey": ("Jeff",),
    "Lawrence": ("Larry",), "Douglas": ("Doug",), "Raymond": ("Ray",), "Gerald": ("Jerry",),
    "Victoria": ("Vicky",), "Christine": ("Chris",), "Stephanie": ("Steph",), "Pamela": ("Pam",),
    "Jean-François": ("J.-F.",), "Marie-Ève": ("Marie",), "Mohammed": ("Hamoudi",), "Abdullah": ("Abdo",),
}
# Written abbreviations seen on Mexican documents and manifests.
ABBREVIATIONS: dict[str, str] = {
    "María": "Ma.", "José": "J.", "Guadalupe": "Gpe.", "Francisco": "Fco.", "Jesús": "J.",
    "Transportes": "Transp.", "Comercializadora": "Comer.", "Distribuidora": "Dist.", "Hermanos": "Hnos.",
    "Internacional": "Int'l", "Importadora": "Imp.", "Exportadora": "Exp.", "Servicios": "Servs.",
    "Logística": "Log.", "Corporation": "Corp.", "Company": "Co.", "International": "Int'l",
}

# --- English / French Canadian -----------------------------------------------------------------------------

FR_CA_COMPOUND_MALE: tuple[str, ...] = (
    "Jean-François", "Pierre-Luc", "Jean-Philippe", "Marc-André", "Jean-Sébastien", "Louis-Philippe",
    "Jean-Guy", "Pierre-Olivier", "Jean-Marc", "Charles-Étienne",
)
FR_CA_COMPOUND_FEMALE: tuple[str, ...] = (
    "Marie-Ève", "Marie-Claude", "Anne-Marie", "Marie-Josée", "Marie-Pier", "Marie-Hélène", "Julie-Anne",
    "Marie-France",
)
EN_SUFFIXES: tuple[str, ...] = ("Jr.", "Sr.", "II", "III")

# --- Arabic ------------------------------------------------------------------------------------------------
# (canonical Latin spelling, Arabic script, other Latin spellings seen on lists and travel documents)

ArabicName = tuple[str, str, tuple[str, ...]]

AR_MALE: tuple[ArabicName, ...] = (
    ("Mohammed", "محمد", ("Muhammad", "Mohamed", "Mohammad", "Mohamad")), ("Ahmed", "أحمد", ("Ahmad",)),
    ("Ali", "علي", ("Aly",)), ("Hassan", "حسن", ("Hasan",)),
    ("Hussein", "حسين", ("Hussain", "Husain", "Husayn")), ("Omar", "عمر", ("Umar",)),
    ("Khalid", "خالد", ("Khaled",)), ("Youssef", "يوسف", ("Yusuf", "Yousef")),
    ("Ibrahim", "إبراهيم", ("Ebrahim",)), ("Mahmoud", "محمود", ("Mahmud",)),
    ("Mustafa", "مصطفى", ("Mostafa", "Moustafa")), ("Tariq", "طارق", ("Tarek", "Tareq")),
    ("Karim", "كريم", ("Kareem",)), ("Hamza", "حمزة", ("Hamzah",)), ("Bilal", "بلال", ()),
    ("Samir", "سمير", ("Sameer",)), ("Walid", "وليد", ("Waleed",)), ("Nabil", "نبيل", ("Nabeel",)),
    ("Jamal", "جمال", ("Gamal",)), ("Faisal", "فيصل", ("Faysal",)), ("Saleh", "صالح", ("Salih",)),
    ("Salem", "سالم", ("Salim",)), ("Nasser", "ناصر", ("Nasir", "Naser")), ("Majid", "ماجد", ("Maged",)),
    ("Rashid", "راشد", ("Rasheed",)), ("Ziad", "زياد", ("Ziyad",)), ("Adel", "عادل", ("Adil",)),
    ("Imad", "عماد", ("Emad",)), ("Abdullah", "عبد الله", ("Abdallah", "Abdulla")),
    ("Abdul Rahman", "عبد الرحمن", ("Abdulrahman", "Abd al-Rahman", "Abdel Rahman")),
    ("Abdul Aziz", "عبد العزيز", ("Abdulaziz", "Abd al-Aziz", "Abdel Aziz")),
    ("Abdul Karim", "عبد الكريم", ("Abdulkarim", "Abdel Karim")),
    ("Abdul Latif", "عبد اللطيف", ("Abdellatif",)), ("Abdul Hakim", "عبد الحكيم", ("Abdelhakim",)),
)
AR_FEMALE: tuple[ArabicName, ...] = (
    ("Fatima", "فاطمة", ("Fatma", "Fatimah")), ("Aisha", "عائشة", ("Aysha", "Aicha")),
    ("Maryam", "مريم", ("Mariam",)), ("Zainab", "زينب", ("Zaynab", "Zeinab")),
    ("Layla", "ليلى", ("Leila", "Laila")), ("Noor", "نور", ("Nour", "Nur")), ("Amina", "أمينة", ("Aminah",)),
    ("Khadija", "خديجة", ("Khadijah",)), ("Huda", "هدى", ("Hoda",)), ("Salma", "سلمى", ()),
    ("Rania", "رانيا", ()), ("Hanan", "حنان", ()), ("Samira", "سميرة", ("Sameera",)),
    ("Yasmin", "ياسمين", ("Yasmine",)), ("Nadia", "نادية", ("Nadiya",)),
)
AR_FAMILY: tuple[tuple[str, str], ...] = (
    ("al-Tamimi", "التميمي"), ("al-Masri", "المصري"), ("al-Hashimi", "الهاشمي"), ("al-Qahtani", "القحطاني"),
    ("al-Harbi", "الحربي"), ("al-Shammari", "الشمري"), ("al-Otaibi", "العتيبي"), ("al-Zahrani", "الزهراني"),
    ("al-Dosari", "الدوسري"), ("al-Hamdani", "الهمداني"), ("al-Rashidi", "الرشيدي"), ("al-Khatib", "الخطيب"),
    ("al-Najjar", "النجار"), ("al-Sayed", "السيد"), ("al-Amin", "الأمين"), ("al-Ansari", "الأنصاري"),
    ("al-Khalidi", "الخالدي"), ("al-Bitar", "البيطار"), ("Haddad", "حداد"), ("Khoury", "خوري"),
    ("Mansour", "منصور"), ("Darwish", "درويش"), ("Hamdan", "حمدان"), ("Khalil", "خليل"), ("Haidar", "حيدر"),
    ("Saad", "سعد"), ("Jaber", "جابر"), ("Ayoub", "أيوب"), ("Qasim", "قاسم"), ("Yassin", "ياسين"),
    ("Abboud", "عبود"), ("Suleiman", "سليمان"),
)
AR_NATIONALITIES: tuple[str, ...] = ("SY", "LB", "IQ", "YE", "SA", "JO", "EG", "AE", "LY")

# Words that attach to the next word to form one name unit ("de la Cruz", "bin Salem", "Abdul Rahman").
PARTICLES: frozenset[str] = frozenset(
    {
        "de",
        "del",
        "la",
        "las",
        "los",
        "da",
        "dos",
        "van",
        "von",
        "bin",
        "ibn",
        "bint",
        "abu",
        "abd",
        "abdul",
        "abdel",
        "el",
        "al",
    }
)
