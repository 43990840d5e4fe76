"""Vocabulary the matcher treats on purpose: nicknames, transliteration variants, particles, titles, legal forms.

Kept as plain Python data so that a reviewer can read (and a partner can extend) exactly what is equated.
"""

from __future__ import annotations

# Hypocorisms (nickname -> formal given names). Spanish first, then English, French and Slavic ones common on
# the northern border and on the lists.
NICKNAMES: dict[str, tuple[str, ...]] = {
    # Spanish
    "pepe": ("jose",), "pepito": ("jose",), "chepe": ("jose",), "cheo": ("jose",),     "chema": ("jose", "maria"), "josema": ("jose", "maria"),
    "paco": ("francisco",), "pancho": ("francisco",), "curro": ("francisco",), "quico": ("francisco",),
    "frank": ("francisco", "franklin", "francis"), "kiko": ("francisco", "enrique"),
    "lupe": ("guadalupe",), "lupita": ("guadalupe",), "pita": ("guadalupe",),
    "alejo": ("alejandro",), "quino": ("joaquin",), "chimino": ("joaquin",), "agus": ("agustin",),
    "tin": ("agustin", "martin"), "cris": ("cristian", "cristina", "cristobal"), "rodo": ("rodolfo", "rodrigo"),
    "herb": ("heriberto", "herbert"), "eri": ("heriberto",), "yeyo": ("sergio", "aurelio"), "nachito": ("ignacio",),
    "pepillo": ("jose",), "chelis": ("araceli",), "mague": ("magdalena",),
    "chago": ("santiago",), "rudy": ("rodolfo", "rudolph", "rudolf"), "rudi": ("rodolfo", "rudolf"),
    "tury": ("arturo",), "turi": ("arturo",), "arturito": ("arturo",), "juampa": ("juan", "pablo"),
    "cheque": ("ezequiel",), "chequel": ("ezequiel",), "eze": ("ezequiel",), "chencha": ("crescencia",),
    "nano": ("fernando", "mariano"), "chalino": ("rosalino",), "chelito": ("marcelo",),
    "chito": ("jose",), "seryozha": ("sergei",), "serezha": ("sergei",), 
    "lesha": ("aleksei",), "alyosha": ("aleksei",), "sanya": ("aleksandr",), "shura": ("aleksandr",),
    "valya": ("valentin", "valentina"), "tolya": ("anatoly",), "slava": ("vyacheslav", "stanislav"),
    "grisha": ("grigory",), "zhora": ("georgy",), "styopa": ("stepan",), "fedya": ("fyodor",),
    "katya": ("yekaterina", "ekaterina"), "masha": ("maria",), "natasha": ("natalya",), "tanya": ("tatyana",),
    "lena": ("yelena", "elena"), "sveta": ("svetlana",), "ira": ("irina",), "olya": ("olga",), "yago": ("santiago",), "chagito": ("santiago",),
    "chuy": ("jesus",), "chucho": ("jesus",), "chus": ("jesus",),
    "memo": ("guillermo",), "guille": ("guillermo",), "nacho": ("ignacio",),
    "lalo": ("eduardo",), "edu": ("eduardo",), "beto": ("alberto", "roberto", "humberto", "gilberto", "norberto", "heriberto", "adalberto", "rigoberto"),
    "tono": ("antonio",), "tony": ("antonio", "anthony"), "toni": ("antonio", "antonia"),
    "quique": ("enrique",), "kike": ("enrique",), "rafa": ("rafael",),     "nando": ("fernando", "hernando"), "fer": ("fernando", "fernanda"), "chalo": ("gonzalo", "rosalio"),
    "goyo": ("gregorio",), "fito": ("adolfo", "rodolfo"), "poncho": ("alfonso",), "santi": ("santiago",),
    "tere": ("teresa",), "techa": ("teresa",), "paty": ("patricia",), "pati": ("patricia",), "pato": ("patricio",),
    "lucho": ("luis",), "pepa": ("josefa",), "chabela": ("isabel",), "chabe": ("isabel",), "isa": ("isabel",),
    "neto": ("ernesto",), "licha": ("alicia",), "meche": ("mercedes",), "cuco": ("refugio",),
    "cuca": ("refugio",), "cuquita": ("refugio",), "chelo": ("consuelo", "marcelo"),
    "concha": ("concepcion",), "conchita": ("concepcion",), "conchi": ("concepcion",),
    "charo": ("rosario",), "chayo": ("rosario",), "lola": ("dolores",), "loli": ("dolores",), "pili": ("pilar",),
    "maru": ("maria", "eugenia"), "mari": ("maria",), "marisa": ("maria", "luisa"), "malu": ("maria", "luisa"),
    "juancho": ("juan",), "juanito": ("juan",), "juanita": ("juana",), "chente": ("vicente",),
    "tito": ("alberto", "roberto", "norberto"), "checo": ("sergio",), "chato": ("ignacio",),
    "richi": ("ricardo",), "ricky": ("ricardo", "richard"), "rigo": ("rigoberto",), "migue": ("miguel",),
    "nico": ("nicolas",), "lencho": ("lorenzo",), "moncho": ("ramon",), "monchi": ("ramon",),
    "mundo": ("edmundo", "raymundo"), "polo": ("leopoldo", "hipolito"), "tavo": ("gustavo", "octavio"),
    "cayo": ("cayetano",), "chencho": ("crescencio", "inocencio"), "chon": ("encarnacion", "asuncion"),
    "chita": ("cecilia",), "chela": ("graciela", "araceli"), "gaby": ("gabriela", "gabriel"),
    "gabi": ("gabriela", "gabriel"), "vero": ("veronica",), "ale": ("alejandro", "alejandra"),
    "alex": ("alejandro", "alexander", "alexis", "alejandra", "alexandra"), "sandy": ("sandra", "alejandra"),
    "ana": ("ana", "anabel"), "anita": ("ana",), "male": ("maria", "elena"), "juanca": ("juan", "carlos"),
    "carlitos": ("carlos",), "charly": ("carlos", "charles"), "manolo": ("manuel",), "manu": ("manuel",),
    "mane": ("manuel",), "manny": ("manuel",), "pedrito": ("pedro",), "perico": ("pedro",), "pancha": ("francisca",),
    "paquita": ("francisca",), "cata": ("catalina",), "lina": ("carolina", "catalina", "adelina"),
    "nena": ("elena",), "nelo": ("manuel",), "wicho": ("luis",), "licho": ("luis",),     "dani": ("daniel", "daniela"), "fede": ("federico",),     "javi": ("javier",), "jorgito": ("jorge",), "coque": ("jorge",), "yoyo": ("jorge",),
    "rosy": ("rosa", "rosario"), "chuyita": ("jesus",),     "nacha": ("ignacia",), "lucha": ("luz",), "chava": ("salvador",), "chavo": ("salvador",), "salva": ("salvador",),
    "tacho": ("anastasio",), "tencha": ("hortensia",), "trino": ("trinidad",), "lencha": ("lorenza",),
    # English / French / Slavic
    "bill": ("william",), "billy": ("william",), "will": ("william",), "willy": ("william", "guillermo"),
    "liam": ("william",), "bob": ("robert",), "bobby": ("robert",), "rob": ("robert",), "robbie": ("robert",),
    "bert": ("albert", "robert", "herbert"), "mike": ("michael", "miguel"), "mikey": ("michael",),
    "mick": ("michael",), "jim": ("james",), "jimmy": ("james",), "jamie": ("james",), "tom": ("thomas",),
    "tommy": ("thomas",), "dick": ("richard",), "rick": ("richard", "ricardo"), "rich": ("richard",),
    "joe": ("joseph", "jose"), "joey": ("joseph",), "ed": ("edward", "edwin", "edmund"),
    "eddie": ("edward", "eduardo"), "ted": ("edward", "theodore"), "ned": ("edward",),
    "chuck": ("charles",), "charlie": ("charles", "carlos"), "dave": ("david",), "davey": ("david",),
    "steve": ("steven", "stephen", "esteban"), "stevie": ("steven", "stephen"), "andy": ("andrew", "andres"),
    "drew": ("andrew",), "dan": ("daniel",), "danny": ("daniel",), "sam": ("samuel", "samantha"),
    "matt": ("matthew",), "pat": ("patrick", "patricia"), "pete": ("peter",), "greg": ("gregory",),
    "jeff": ("jeffrey",), "jerry": ("gerald", "jerome"), "larry": ("lawrence",), "ron": ("ronald",),
    "ronnie": ("ronald",), "don": ("donald",), "donny": ("donald",), "ken": ("kenneth",), "kenny": ("kenneth",),
    "tim": ("timothy",), "nick": ("nicholas",), "chris": ("christopher", "christian", "christine", "cristina"),
    "kate": ("katherine", "catherine"), "katie": ("katherine", "catherine"), "cathy": ("catherine",),
    "kathy": ("katherine", "kathleen"), "liz": ("elizabeth",), "beth": ("elizabeth",), "betty": ("elizabeth",),
    "lizzie": ("elizabeth",), "peggy": ("margaret",), "maggie": ("margaret",), "meg": ("margaret",),
    "jenny": ("jennifer",), "jen": ("jennifer",), "sue": ("susan",), "susie": ("susan",), "becky": ("rebecca",),
    "debbie": ("deborah",), "abby": ("abigail",), "vicky": ("victoria",), "nat": ("nathan", "natalie"),
    "ben": ("benjamin",), "benny": ("benjamin",), "hank": ("henry",), "harry": ("henry", "harold"),
    "jack": ("john",), "johnny": ("john",), "jon": ("jonathan", "john"), "frankie": ("francis", "frank"),
    "fred": ("frederick", "alfred"), "freddy": ("frederick", "alfredo"), "al": ("albert", "alfred", "alan"),
    "sasha": ("alexander", "aleksandr", "alexandra"), "sacha": ("alexander",), "misha": ("mikhail",),
    "volodya": ("vladimir",), "vova": ("vladimir",), "dima": ("dmitry", "dmitri"), "kolya": ("nikolai",),
    "seryozha": ("sergei",), "zhenya": ("yevgeny", "evgeny"), "vanya": ("ivan",), "petya": ("pyotr",),
    "pasha": ("pavel",), "lyosha": ("aleksei",), "kostya": ("konstantin",), "yura": ("yuri",),
    "jean": ("jean",), "jeannot": ("jean",), "jacques": ("jacques",), "jojo": ("joseph", "georges"),
}  # fmt: skip

# Transliteration variants that sound alike but edit distance would call far apart. Each group maps to one key.
_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("muhammad", "mohammed", "mohammad", "mohamed", "muhammed", "mohamad", "muhamad", "mohamud", "mahomed",
     "mehmet", "mehmed", "mohd", "mhd", "muhamed", "mohammod", "mouhamed", "mohamet", "mahammad", "muhammet",
     "mohmmad", "mohamad", "muhammadu"),
    ("ahmad", "ahmed", "ahmet", "achmed", "ahmid", "akhmed", "ahmat"),
    ("mahmoud", "mahmud", "mahmood", "mahmod", "makhmud"),
    ("husayn", "hussein", "hussain", "husain", "hosein", "hossein", "husein", "hussin", "hossain", "huseyin",
     "husseini"),
    ("hasan", "hassan", "hasen", "hassen", "hasson"),
    ("yusuf", "youssef", "yousef", "yusef", "yousif", "yousuf", "yusif", "yosef", "youssouf", "jusuf", "yussuf"),
    ("qasim", "kassem", "qassem", "kasim", "qasem", "kassim", "gasim", "qaasim", "kasem"),
    ("abdallah", "abdullah", "abdulla", "abdellah", "abdalla", "abdollah"),
    ("osama", "usama", "usamah", "ousama", "oussama"),
    ("omar", "umar", "omer", "umer"),
    ("othman", "uthman", "osman", "usman", "otman", "ousmane"),
    ("khalid", "khaled", "halid", "chaled"),
    ("mustafa", "mostafa", "moustafa", "mustapha", "mostapha"),
    ("ibrahim", "ebrahim", "ibraheem", "brahim", "ibrahima"),
    ("ismail", "ismael", "esmail", "ismayil", "ismaeel"),
    ("said", "saeed", "sayed", "sayyid", "saed", "sayid", "saiid"),
    ("saleh", "salih", "salah", "saleh"),
    ("ali", "aly", "alee"),
    ("faisal", "faysal", "feisal", "faycal"),
    ("jamal", "gamal", "djamal", "jamaal"),
    ("jafar", "jaafar", "jafer", "djafar"),
    ("zaid", "zayd", "zeid", "zayed"),
    ("walid", "waleed", "ualid"),
    ("abu", "abou", "abo"),
    ("hamza", "hamzah", "hamzeh"),
    ("karim", "kareem", "kerim"),
    ("rahman", "rehman", "rahmane", "rachman"),
    ("rahim", "raheem", "rachim"),
    ("nasser", "nasir", "naser", "nasr", "nassir", "naseer"),
    ("bashir", "basheer", "bachir", "beshir"),
    ("tariq", "tarek", "tareq", "tarik"),
    ("yasin", "yassin", "yaseen", "yassine"),
    ("hezbollah", "hizballah", "hizbullah", "hizbollah"),
    ("qaida", "qaeda", "qaidah"),
    ("sergei", "sergey", "serguei", "sergiy", "serhiy"),
    ("aleksandr", "alexander", "aleksander", "alexandre", "oleksandr", "aleksandar", "alexandr"),
    ("dmitry", "dmitri", "dmitriy", "dimitri", "dmytro", "dimitry"),
    ("yevgeny", "evgeny", "evgeniy", "yevgeniy", "evgenii", "yevhen"),
    ("andrei", "andrey", "andriy", "andrii"),
    ("nikolai", "nikolay", "mykola", "nicolai"),
    ("yuri", "yury", "yuriy", "iurii", "yurii", "juri"),
    ("anatoly", "anatoliy", "anatolii", "anatoli"),
    ("yahya", "yehia", "yahia", "yahiya", "yehya", "yahiaa"),
    ("adnan", "adnane"),
    ("abbas", "abas"),
    ("sulayman", "suleiman", "sulaiman", "suleyman", "soliman", "slimane", "sleiman"),
    ("ayman", "aiman", "eyman"),
    ("hamid", "hameed", "hamed"),
    ("rashid", "rasheed", "rachid", "rashed"),
    ("grigory", "grigoriy", "grigori", "hryhoriy"),
    ("vyacheslav", "viacheslav", "vyacheslaw"),
    ("yekaterina", "ekaterina", "katerina", "kateryna"),
    ("yelena", "elena", "olena"),
    ("aleksei", "alexei", "aleksey", "alexey", "oleksii", "oleksiy"),
    ("mikhail", "michail", "mykhailo"),
    ("vladimir", "volodymyr", "wladimir"),
    ("pyotr", "petr", "petro", "piotr"),
    ("tatyana", "tatiana", "tetiana"),
    ("natalya", "natalia", "nataliya"),
    ("olga", "olha"),
    ("igor", "ihor"),
    ("viktor", "victor"),
    ("jose", "josep", "joze"),
    ("jesus", "jesous"),
    ("joaquin", "joakin", "juaquin"),
    ("guillermo", "gillermo", "guilermo"),
)  # fmt: skip

VARIANT_KEY: dict[str, str] = {v: group[0] for group in _VARIANT_GROUPS for v in group}
"""Spelling -> one key for words that are the same word (transliterations here, organization words below)."""

# Honorifics that never are names: dropped wherever they stand.
TITLES: frozenset[str] = frozenset(
    """mr mrs ms miss mx dr drs prof professor rev reverend lic licenciado licenciada ing ingeniero ingeniera
    arq arquitecto mtro mtra abog esq hon honorable excmo excma sra srta snr mullah mulla maulana maulvi
    mawlawi""".split()
)

# Titles and ranks that are also names or surnames (Don, Said, Coronel, Haji, Sheikh): dropped only when they
# lead a name of three or more tokens.
LEADING_TITLES: frozenset[str] = frozenset(
    """sir dame lord lady fr father sr sheikh shaikh shaykh sheik cheikh haji hajji hadji hajj imam sayyed
    gen general col colonel coronel capt captain capitan cmdr commander comandante lt sgt sargento maj major
    mayor brig brigadier adm admiral almirante gral don dona senor senora senorita""".split()
)

# Name particles: they join surnames (de la Cruz, bin Laden, van der Berg) and carry little identity.
PARTICLES: frozenset[str] = frozenset(
    """d de del la las los y e da das do dos di du des le van von der den ter bin ibn ben bint binti ould al el ul
    ad ar as ash at az ud""".split()
)

# Organization legal forms and filler words, dropped from company names (S.A. de C.V., LLC, GmbH ...).
LEGAL_FORMS: frozenset[str] = frozenset(
    """sa sas sab sapi sc scs srl s rl cv sl slu spa sarl sprl bv nv ag gmbh kg ohg ug ab oy as asa aps
    plc llc llp lp ltd limited inc incorporated corp corporation co company cia compania comp pte pty
    pvt jsc ojsc cjsc pjsc ooo oao zao pao tov fze fzco fzc fzllc est establishment sociedad anonima
    responsabilidad limitada capital variable mercantil trading and the of y ltda ltee sac saa eirl sca spr
    ac iap sapi sofom enr sccl scl ci eu bhd sdn kk""".split()
)

# Word forms in organization names that mean the same thing.
ORG_SYNONYMS: dict[str, str] = {
    "intl": "international", "internacional": "international", "int": "international",
    "natl": "national", "nacional": "national", "nac": "national",
    "mfg": "manufacturing", "manufacturas": "manufacturing",
    "svcs": "services", "servs": "services", "servicios": "services", "service": "services",
    "svc": "services", "assn": "association", "asociacion": "association", "assoc": "association",
    "bros": "brothers", "hnos": "hermanos", "grp": "group", "grupo": "group", "dept": "department",
    "govt": "government", "gov": "government", "univ": "university", "universidad": "university",
    "ind": "industries", "inds": "industries", "industrias": "industries", "industrial": "industries",
    "tech": "technology", "technologies": "technology", "tecnologia": "technology",
    "mgmt": "management", "hldgs": "holdings", "holding": "holdings", "invest": "investments",
    "inversiones": "investments", "investment": "investments", "transp": "transport",
    "transportes": "transport", "transportation": "transport", "transporte": "transport",
    "exp": "export", "exportadora": "export", "exports": "export", "imp": "import", "importadora": "import",
    "imports": "import", "importaciones": "import", "comercializadora": "commercial", "comercial": "commercial",
    "constructora": "construction", "construcciones": "construction", "bk": "bank", "banco": "bank",
    "farmacia": "pharmacy", "farmacias": "pharmacy", "pharma": "pharmaceutical", "logistica": "logistics",
    "ctr": "center", "centre": "center", "centro": "center", "inmobiliaria": "realty",
    "trdg": "trading", "dev": "development", "devt": "development", "desarrollo": "development", "co": "company", "cos": "company", "ltd": "limited",
    "st": "saint", "ste": "saint", "mt": "mount", "ft": "fort",
}  # fmt: skip

for _word, _same in ORG_SYNONYMS.items():
    VARIANT_KEY.setdefault(_word, _same)
    VARIANT_KEY.setdefault(_same, _same)

# Words that mark a branch or office; with a place name they distinguish otherwise identical companies.
BRANCH_WORDS: frozenset[str] = frozenset({"branch", "sucursal", "office", "oficina", "filial", "division"})


def _canonical_nicknames() -> dict[str, frozenset[str]]:
    return {
        nick: frozenset(VARIANT_KEY.get(f, f) for f in formals) for nick, formals in NICKNAMES.items() if formals
    }


NICKNAME_CANONICAL: dict[str, frozenset[str]] = _canonical_nicknames()
"""Nickname -> the spelling-variant keys of the formal names it stands for (dima -> {dmitry})."""


def is_nickname_of(nickname: str, formal: str) -> bool:
    forms = NICKNAME_CANONICAL.get(nickname)
    return forms is not None and VARIANT_KEY.get(formal, formal) in forms


def nickname_forms(token: str) -> tuple[str, ...]:
    """The formal given names a nickname stands for (empty when the token is not a known nickname)."""
    return NICKNAMES.get(token, ())
