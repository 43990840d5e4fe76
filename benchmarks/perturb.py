"""Name perturbations for the screening evaluation: each turns a listed name into what a traveler presents.

Every function is pure given its `random.Random`, returns `None` when the perturbation does not apply to the
name (so the caller picks another entity), and never depends on cruce's matcher: the evaluation must not share
the normalisation it is testing.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

from cruce.core.model import Entity, Name, NameKind, Schema

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "das", "do", "dos", "van", "von", "der"})
ARABIC_PARTICLES = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "abd", "umm"})
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTERS_RUN = re.compile(r"[^\W\d_]+")


def words(text: str) -> tuple[str, ...]:
    """A word table written as one string: `words("a b c")` -> `("a", "b", "c")`."""
    return tuple(text.split())


def fold(text: str) -> str:
    """Lowercase ASCII with punctuation collapsed to single spaces: the comparison key of the evaluation."""
    return " ".join(_NON_ALNUM.sub(" ", anyascii(text).casefold()).split())


def name_key(text: str) -> str:
    """Order-free key: the folded tokens, sorted. Two names with the same key are the same written name."""
    return " ".join(sorted(fold(text).split()))


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def is_latin(text: str) -> bool:
    """True when every letter in the text is Latin (accents allowed)."""
    for char in text:
        if char.isalpha() and not unicodedata.name(char, "LATIN").startswith("LATIN"):
            return False
    return True


def title(token: str) -> str:
    """`HERNANDEZ` -> `Hernandez`, `DE` -> `de`, `AL-TIKRITI` -> `al-Tikriti`, as a document prints it."""
    low = token.lower()
    if low in PARTICLES:
        return low
    parts = token.split("-")
    out = []
    for i, part in enumerate(parts):
        if i == 0 and len(parts) > 1 and part.lower() in ("al", "el"):
            out.append(part.lower())
        else:
            out.append(part[:1].upper() + part[1:].lower())
    return "-".join(out)


def title_name(text: str) -> str:
    return " ".join(title(t) for t in text.split())


def _match_case(template: str, word: str) -> str:
    """Write `word` in the case style of `template` (UPPER, lower or Title)."""
    if template.isupper():
        return word.upper()
    if template.islower():
        return word.lower()
    return " ".join(w[:1].upper() + w[1:].lower() for w in word.split(" "))


# ----------------------------------------------------------------------------------------------------------
# Person name structure
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name split into given names and family names, in the list's own spelling."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool  # listed as `FAMILY, Given`
    text: str

    def natural(self) -> str:
        """Given names first, as a passport's visual zone or a form reads: `Juan Carlos Hernandez Lopez`."""
        return title_name(" ".join((*self.given, *self.family)))

    def family_first_plain(self) -> str:
        """Surname first without a comma: `HERNANDEZ LOPEZ JUAN CARLOS`."""
        return " ".join((*self.family, *self.given))

    def comma_form(self) -> str:
        return f"{' '.join(self.family)}, {' '.join(self.given)}"

    def surnames(self) -> list[str]:
        """Surname groups with their particles: `DE LA CRUZ LOPEZ` -> [`DE LA CRUZ`, `LOPEZ`]."""
        return group_particles(self.family)

    def given_groups(self) -> list[str]:
        """Given names as units: `Jose de Jesus` -> [`Jose`, `de Jesus`], `Abd al-Rahman` stays whole."""
        return group_particles(self.given, PARTICLES | ARABIC_PARTICLES)


def group_particles(tokens: tuple[str, ...] | list[str], particles: frozenset[str] = PARTICLES) -> list[str]:
    groups: list[str] = []
    pending: list[str] = []
    for token in tokens:
        if token.lower() in particles:
            pending.append(token)
            continue
        groups.append(" ".join((*pending, token)))
        pending = []
    if pending:
        if groups:
            groups[-1] = " ".join((groups[-1], *pending))
        else:
            groups.append(" ".join(pending))
    return groups


def person_name(name: Name) -> PersonName | None:
    """Split a listed person name; `None` for single-word names, which no perturbation can use."""
    text = " ".join(name.text.split())
    if name.family and name.given:
        given, family, family_first = name.given.split(), name.family.split(), True
    elif "," in text:
        family_text, _, given_text = text.partition(",")
        given, family, family_first = given_text.split(), family_text.split(), True
    else:
        tokens = text.split()
        if len(tokens) < 2:
            return None
        given, family, family_first = tokens[:-1], tokens[-1:], False
    if not given or not family:
        return None
    return PersonName(tuple(given), tuple(family), family_first, text)


def primary_name(entity: Entity) -> Name | None:
    for name in entity.names:
        if name.kind is NameKind.PRIMARY and is_latin(name.text):
            return name
    for name in entity.names:
        if is_latin(name.text):
            return name
    return None


def render_person(person: PersonName, rng: random.Random) -> str:
    """The listed spelling or the given-first spelling, at random: queries arrive in both shapes."""
    if person.family_first and rng.random() < 0.5:
        return person.text
    return person.natural()


# ----------------------------------------------------------------------------------------------------------
# Cultural groups
# ----------------------------------------------------------------------------------------------------------

HISPANIC_COUNTRIES = frozenset(words("MX CO VE PE EC GT HN SV NI PA CR DO AR CL BO PY UY ES CU PR"))
ARABIC_COUNTRIES = frozenset(words("SA AE IQ SY YE LB JO EG LY SD KW QA BH OM PS DZ MA TN MR SO AF PK IR"))
SLAVIC_COUNTRIES = frozenset(words("RU UA BY PL CZ SK RS HR BA ME MK BG SI"))
ASIAN_COUNTRIES = frozenset(words("CN KP KR JP VN MM TH KH LA MY ID PH SG TW HK MO MN"))
_ARABIC_TOKENS = frozenset(
    words(
        "muhammad mohammed mohamed mohammad ahmad ahmed abd abdul abdel abu bin ibn hassan hasan "
        "hussein husayn husain ali umar omar abdullah abdallah khalid yusuf youssef qasim ibrahim "
        "mustafa mahmud mahmoud"
    )
)
_SLAVIC_ENDINGS = words("ov ova ev eva enko vich vna sky skiy ski ska ic in ina")
_HISPANIC_ENDINGS = ("ez", "az", "oz")


def entity_group(entity: Entity) -> str:
    """`company`, `hispanic`, `arabic`, `slavic`, `asian` or `other`: from countries first, else the name.

    "arabic" means names of Arabic-script origin (Arabic, Persian, Pashto, Urdu): they share the
    transliteration problem the evaluation tests.
    """
    if entity.schema is not Schema.PERSON:
        return "company"
    countries = set(entity.all_countries())
    for group, codes in (
        ("hispanic", HISPANIC_COUNTRIES),
        ("arabic", ARABIC_COUNTRIES),
        ("slavic", SLAVIC_COUNTRIES),
        ("asian", ASIAN_COUNTRIES),
    ):
        if countries & codes:
            return group
    name = primary_name(entity)
    tokens = fold(name.text).split() if name else []
    if any(t in _ARABIC_TOKENS for t in tokens):
        return "arabic"
    if tokens and sum(t.endswith(_HISPANIC_ENDINGS) for t in tokens) >= 1 and len(tokens) >= 3:
        return "hispanic"
    if tokens and any(t.endswith(_SLAVIC_ENDINGS) for t in tokens):
        return "slavic"
    return "other"


def is_hispanic_country(entity: Entity) -> bool:
    return bool(set(entity.all_countries()) & HISPANIC_COUNTRIES)


# ----------------------------------------------------------------------------------------------------------
# accents
# ----------------------------------------------------------------------------------------------------------

_ACCENTED_WORDS = words(
    "José Jesús María Ramón Ángel Núñez Iván Raúl Óscar Joaquín Rubén Héctor Andrés Tomás Sebastián "
    "Adrián Martín Efraín Germán Fabián Julián Inés Lucía Sofía Agustín Cristóbal Simón Mónica "
    "Verónica Valentín Benjamín Nicolás Víctor Matías Jerónimo Máximo Álvaro Édgar Eugenio Dámaso "
    "Isaías Elías Jonás Abraham Efrén Ezequiel Bárbara Rocío Belén Concepción Asunción Encarnación "
    "Guadalupe Dolores Hernández López Martínez González Rodríguez Pérez Sánchez Ramírez Gómez Díaz "
    "García Fernández Álvarez Gutiérrez Vázquez Jiménez Benítez Domínguez Velázquez Chávez Suárez "
    "Márquez Beltrán Guzmán León Rincón Méndez Muñoz Peña Ibáñez Ávila Cárdenas Carrión Ordóñez "
    "Narváez Peláez Meléndez Valdés Núñez Ríos Ortíz Páez Sáenz Sáez Báez Galván Durán Morán Colón "
    "Calderón Cortés Andrade Félix Acuña Medellín Zúñiga Patiño Treviño Castañeda Avendaño Escobar "
    "Quiñónez Quiñones Muñiz Bermúdez Estévez Gálvez Jáuregui Echeverría Gaitán Ramón Tapia Limón "
    "Marín Rentería Gavilán Ocaña Montaño Aragón Chacón Obregón Solís Ruíz Sosa Farías Barragán "
    "Hinojosa Mújica Villaseñor Guillén Zapién Jesús Cristián Darío Mario Julio Eloy Tránsito Aníbal "
    "Baltazar Moisés Noé Josué Saúl"
)
# Words whose accent-stripped form is itself a common accent-free spelling; keep only true accent additions.
ACCENTS: dict[str, str] = {}
for _word in _ACCENTED_WORDS:
    _plain = strip_accents(_word).lower()
    if _plain != _word.lower():
        ACCENTS.setdefault(_plain, _word.lower())


def accent_variant(text: str) -> str | None:
    """Strip accents from a name that has them; otherwise add the usual Spanish accents (Jose -> José)."""
    if strip_accents(text) != text:
        return strip_accents(text)
    changed = False

    def add(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        accented = ACCENTS.get(word.lower())
        if accented is None:
            return word
        changed = True
        return _match_case(word, accented)

    out = _WORD.sub(add, text)
    return out if changed else None


# ----------------------------------------------------------------------------------------------------------
# typo
# ----------------------------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edit(word: str, rng: random.Random) -> str:
    """One keyboard-style edit away from the first letter: substitute, delete, insert or transpose."""
    op = rng.choice(("substitute", "delete", "insert", "transpose"))
    i = rng.randrange(1, len(word))
    upper = word.isupper()
    letter = rng.choice(_LETTERS)
    letter = letter.upper() if upper else letter
    if op == "substitute":
        while letter.lower() == word[i].lower():
            letter = rng.choice(_LETTERS)
            letter = letter.upper() if upper else letter
        return word[:i] + letter + word[i + 1 :]
    if op == "delete":
        return word[:i] + word[i + 1 :]
    if op == "insert":
        return word[:i] + letter + word[i:]
    if i == len(word) - 1 or word[i] == word[i + 1]:
        return (
            word[:i] + letter + word[i + 1 :]
            if letter.lower() != word[i].lower()
            else word[:i] + word[i + 1 :]
        )
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def typo_variant(text: str, rng: random.Random) -> str | None:
    """One or two random edits in one word of at least five letters (the first letter is kept).

    Words are runs of letters: `AL-WADI` is `AL` and `WADI`, neither long enough to take a typo.
    """
    words_ = [m for m in _LETTERS_RUN.finditer(text) if len(m.group(0)) >= 5]
    if not words_:
        return None
    target = rng.choice(words_)
    word = target.group(0)
    for _ in range(10):  # two edits can cancel out; draw again
        new = word
        for _ in range(1 if rng.random() < 0.7 else 2):
            new = _edit(new, rng)
        if fold(new) != fold(word):
            return text[: target.start()] + new + text[target.end() :]
    return None


# ----------------------------------------------------------------------------------------------------------
# drop_maternal, order_swap, initials
# ----------------------------------------------------------------------------------------------------------


def drop_maternal_variant(person: PersonName) -> str | None:
    """`HERNANDEZ LOPEZ, Juan Carlos` -> `Juan Carlos Hernandez`: only for exactly two surname groups."""
    surnames = person.surnames()
    if len(surnames) != 2:
        return None
    return title_name(" ".join((*person.given, surnames[0])))


def order_swap_variant(person: PersonName, rng: random.Random) -> str | None:
    """Given-first when listed family-first, or family-first without the comma (and the reverse for UN)."""
    if person.family_first:
        out = person.natural() if rng.random() < 0.6 else person.family_first_plain()
    else:
        out = person.family_first_plain() if rng.random() < 0.6 else person.comma_form()
    # `HERNANDEZ LOPEZ JUAN CARLOS` folds like the listed `HERNANDEZ LOPEZ, Juan Carlos`, yet without the
    # comma nothing says where the surnames end: a real variant, so compare the written text.
    return out if out != person.text else None


def _initial(group: str) -> str:
    main = [t for t in group.split() if t.lower() not in PARTICLES | ARABIC_PARTICLES] or group.split()
    return f"{main[0][:1].upper()}."


def initials_variant(person: PersonName, rng: random.Random, hispanic: bool) -> str | None:
    """A middle name to its initial (`Juan C. Hernandez Lopez`) or, for Spanish names, the maternal surname
    to its initial (`Juan Carlos Hernandez L.`)."""
    options: list[str] = []
    given = person.given_groups()
    if len(given) >= 2:
        initialled = [given[0], _initial(given[1]), *given[2:]]
        options.append(title_name(" ".join((*initialled, *person.family))))
    surnames = person.surnames()
    if hispanic and len(surnames) == 2:
        options.append(title_name(" ".join((*person.given, surnames[0]))) + " " + _initial(surnames[1]))
    if not options:
        return None
    return rng.choice(options)


# ----------------------------------------------------------------------------------------------------------
# abbreviation (organisations)
# ----------------------------------------------------------------------------------------------------------

_LEGAL_TAIL = re.compile(
    r"[\s,]+(?:S\.?\s?A\.?\s+DE\s+C\.?\s?V\.?|S\.?\s?DE\s+R\.?\s?L\.?(?:\s+DE\s+C\.?\s?V\.?)?|S\.?\s?A\.?\s?S\.?"
    r"|S\.\s?A\.|SA|LTDA\.?|LTD\.?|LIMITED|L\.?L\.?C\.?|INC\.?|INCORPORATED|CORP\.?|CORPORATION"
    r"|CO\.?,?\s+LTD\.?|CO\.|COMPANY|GMBH|S\.?R\.?L\.?|FZE|FZCO|FZ-LLC|LLP|PLC|JSC|OJSC|CJSC|PJSC|OOO|S\.?A\.?C\.?"
    r"|E\.?I\.?R\.?L\.?)$",
    re.IGNORECASE,
)
# (pattern, replacement) pairs; replacements are written upper case and re-cased to the match.
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), r)
    for p, r in (
        (r"\bS\.\s?A\.\s+DE\s+C\.\s?V\.?", "SA DE CV"),
        (r"\bSA\s+DE\s+CV\b", "S.A. DE C.V."),
        (r"\bS\.\s?DE\s+R\.\s?L\.(?:\s+DE\s+C\.\s?V\.?)?", "S DE RL DE CV"),
        (r"\bS\.\s?A\.(?=\s|,|$)", "SA"),
        (r"\bCOMPANY\b", "CO."),
        (r"\bCO\.(?=\s|,|$)", "COMPANY"),
        (r"\bINTERNATIONAL\b", "INTL"),
        (r"\bINT'?L\.?(?=\s|,|$)", "INTERNATIONAL"),
        (r"\bCORPORATION\b", "CORP."),
        (r"\bCORP\.?(?=\s|,|$)", "CORPORATION"),
        (r"\bLIMITED\b", "LTD"),
        (r"\bLTD\.?(?=\s|,|$)", "LIMITED"),
        (r"\bINCORPORATED\b", "INC"),
        (r"\bL\.L\.C\.?", "LLC"),
        (r"\bLLC\b", "L.L.C."),
        (r"\s&\s", " AND "),
        (r"\sAND\s", " & "),
        (r"\bBROTHERS\b", "BROS"),
        (r"\bESTABLISHMENT\b", "EST."),
        (r"\bMANUFACTURING\b", "MFG"),
        (r"\bINDUSTRIES\b", "IND."),
    )
)


def _recase(template: str, replacement: str) -> str:
    if template.isupper() or not any(c.isalpha() for c in template):
        return replacement
    return " ".join(w if w.lower() in ("de", "and") else w.title() for w in replacement.split(" ")).replace(
        "De ", "de "
    )


def abbreviation_variant(text: str, rng: random.Random) -> str | None:
    """Legal forms and common words written another way: S.A. de C.V. <-> SA de CV, dropped, Company -> Co."""
    options: list[str] = []
    for pattern, replacement in _ABBREVIATIONS:
        match = pattern.search(text)
        if match:
            new = text[: match.start()] + _recase(match.group(0), replacement) + text[match.end() :]
            options.append(new)
    tail = _LEGAL_TAIL.search(text)
    if tail:
        rest = text[: tail.start()].strip(" ,")
        words = fold(rest).split()
        if len(words) >= 2 or (words and len(words[0]) >= 5):
            options.append(rest)
    options = [o for o in dict.fromkeys(options) if fold(o) != fold(text) and fold(o)]
    return rng.choice(options) if options else None


# ----------------------------------------------------------------------------------------------------------
# nickname
# ----------------------------------------------------------------------------------------------------------

NICKNAMES: dict[str, tuple[str, ...]] = {
    # Spanish hypocorisms
    "jose": ("Pepe", "Chepe"),
    "francisco": ("Paco", "Pancho", "Kiko"),
    "guadalupe": ("Lupita", "Lupe"),
    "jesus": ("Chuy", "Chucho"),
    "guillermo": ("Memo",),
    "ignacio": ("Nacho",),
    "eduardo": ("Lalo",),
    "alberto": ("Beto",),
    "roberto": ("Beto",),
    "humberto": ("Beto",),
    "heriberto": ("Beto",),
    "gilberto": ("Beto",),
    "antonio": ("Toño", "Tono"),
    "enrique": ("Quique",),
    "rafael": ("Rafa",),
    "manuel": ("Manolo",),
    "alfonso": ("Poncho",),
    "gustavo": ("Tavo",),
    "fernando": ("Nando",),
    "rodolfo": ("Fito", "Rudy"),
    "adolfo": ("Fito",),
    "ricardo": ("Richi",),
    "salvador": ("Chava",),
    "santiago": ("Chago",),
    "rigoberto": ("Rigo",),
    "dolores": ("Lola",),
    "concepcion": ("Conchita", "Concha"),
    "consuelo": ("Chelo",),
    "rosario": ("Chayo",),
    "mercedes": ("Meche",),
    "margarita": ("Mago",),
    "alejandro": ("Alex", "Alejo"),
    "federico": ("Fede",),
    "isabel": ("Chabela",),
    "ezequiel": ("Cheque",),
    "gregorio": ("Goyo",),
    "jorge": ("Coque",),
    "joaquin": ("Quino",),
    "arturo": ("Tury",),
    # English
    "william": ("Bill", "Will"),
    "robert": ("Bob", "Rob"),
    "michael": ("Mike",),
    "richard": ("Rick", "Dick"),
    "james": ("Jim",),
    "thomas": ("Tom",),
    "joseph": ("Joe",),
    "charles": ("Charlie", "Chuck"),
    "edward": ("Ed", "Ted"),
    "anthony": ("Tony",),
    "christopher": ("Chris",),
    "daniel": ("Dan",),
    "elizabeth": ("Liz", "Beth"),
    "margaret": ("Peggy",),
    "alexander": ("Alex",),
    "nicholas": ("Nick",),
    "benjamin": ("Ben",),
    "samuel": ("Sam",),
    "stephen": ("Steve",),
    "steven": ("Steve",),
    "timothy": ("Tim",),
    "patrick": ("Pat",),
    # Russian
    "aleksandr": ("Sasha",),
    "vladimir": ("Volodya",),
    "dmitry": ("Dima",),
    "dmitriy": ("Dima",),
    "mikhail": ("Misha",),
    "nikolay": ("Kolya",),
    "nikolai": ("Kolya",),
    "yevgeniy": ("Zhenya",),
    "evgeny": ("Zhenya",),
    "sergey": ("Seryozha",),
}
COMPOUND_NICKNAMES: dict[str, tuple[str, ...]] = {
    "jose de jesus": ("Chuy",),
    "maria de jesus": ("Chuy",),
    "maria guadalupe": ("Lupita", "Lupe"),
    "maria de la luz": ("Lucha",),
    "jose maria": ("Chema",),
    "jose luis": ("Pepe Luis",),
    "maria dolores": ("Lola",),
    "maria del rosario": ("Chayo",),
    "maria de los angeles": ("Marian",),
    "juan francisco": ("Juampa",),
    "juan pablo": ("Juanpa",),
}


def nickname_forms() -> dict[str, set[str]]:
    """Every given name with its nicknames, folded, both ways: used to keep near-misses truly different."""
    forms: dict[str, set[str]] = {}
    for canonical, nicks in NICKNAMES.items():
        for nick in nicks:
            forms.setdefault(canonical, set()).add(fold(nick))
            forms.setdefault(fold(nick), set()).add(canonical)
    return forms


def nickname_variant(person: PersonName, rng: random.Random) -> str | None:
    """Replace the given name (or the first given name) with a hypocorism: José -> Pepe, Jesús -> Chuy."""
    given_key = fold(" ".join(person.given))
    if given_key in COMPOUND_NICKNAMES:
        nick_given: tuple[str, ...] = (rng.choice(COMPOUND_NICKNAMES[given_key]),)
    else:
        first = fold(person.given[0])
        if first not in NICKNAMES:
            return None
        nick_given = (rng.choice(NICKNAMES[first]), *person.given[1:])
    if person.family_first and rng.random() < 0.5:
        return f"{' '.join(person.family)}, {' '.join(_match_case(person.given[0], g) for g in nick_given)}"
    return title_name(" ".join((*nick_given, *person.family)))


# ----------------------------------------------------------------------------------------------------------
# transliteration (Arabic)
# ----------------------------------------------------------------------------------------------------------

_ARABIC_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhammed", "Mohamad", "Mahomed"),
    ("Ahmed", "Ahmad"),
    ("Hussein", "Husayn", "Hussain", "Husain", "Hossein"),
    ("Hassan", "Hasan"),
    ("Yusuf", "Youssef", "Yousef", "Yousif", "Yusif"),
    ("Qasim", "Kassem", "Qassim", "Kasim", "Qassem"),
    ("Abdullah", "Abdallah", "Abdulla"),
    ("Mahmoud", "Mahmud", "Mahmood"),
    ("Mustafa", "Mustapha", "Moustafa"),
    ("Osama", "Usama", "Oussama"),
    ("Omar", "Umar"),
    ("Othman", "Uthman", "Osman"),
    ("Khaled", "Khalid"),
    ("Saeed", "Said", "Sayed", "Saiid"),
    ("Saleh", "Salih"),
    ("Jamal", "Gamal"),
    ("Ibrahim", "Ebrahim"),
    ("Ismail", "Ismael", "Ismaeel"),
    ("Yahya", "Yehia", "Yahia"),
    ("Suleiman", "Sulayman", "Soliman", "Sulaiman"),
    ("Abu", "Abou"),
    ("Haji", "Hajji"),
    ("Sheikh", "Shaykh", "Shaikh"),
    ("Rahman", "Rehman"),
    ("Nasser", "Nasir", "Naser"),
    ("Faisal", "Faysal"),
    ("Hamid", "Hamed"),
    ("Abdel", "Abdul", "Abdal"),
    ("Ali", "Aly"),
    ("Hamza", "Hamzah"),
    ("Zaid", "Zayd", "Zeid"),
    ("Walid", "Waleed"),
    ("Rashid", "Rasheed"),
    ("Majid", "Majeed"),
    ("Abbas", "Abas"),
    ("Jafar", "Jaafar", "Ja'far"),
    ("Mansour", "Mansur"),
    ("Nouri", "Nuri"),
    ("Tariq", "Tarek", "Tarik"),
    ("Qadir", "Kadir", "Qader"),
    ("Karim", "Kareem"),
    ("Salim", "Saleem", "Selim"),
    ("Aziz", "Azeez"),
    ("Latif", "Lateef"),
    ("Jalil", "Jaleel"),
    ("Hakim", "Hakeem"),
    ("Hadi", "Hady"),
    ("Mahdi", "Mehdi"),
    ("Ghulam", "Gholam"),
    ("Habib", "Habeeb"),
)
ARABIC_VARIANTS: dict[str, tuple[str, ...]] = {}
for _group in _ARABIC_VARIANT_GROUPS:
    for _spelling in _group:
        ARABIC_VARIANTS[fold(_spelling)] = tuple(s for s in _group if fold(s) != fold(_spelling))

_ARABIC_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p, re.IGNORECASE), r)
    for p, r in (
        (r"\bABD(?:\s+|-)AL-?\s*(?=[A-Z])", ("ABDUL ", "ABDEL ", "ABDUL-")),
        (r"\bABDUL[\s-]+(?=[A-Z])", ("ABD AL-", "ABDEL ")),
        (r"\bAL-(?=[A-Z])", ("EL-", "AL", "")),
        (r"\bAL\s+(?=[A-Z]{3})", ("EL-", "AL")),
        (r"\bEL-(?=[A-Z])", ("AL-",)),
        (r"\bBIN\b", ("IBN", "BEN")),
        (r"\bIBN\b", ("BIN",)),
    )
)


def transliteration_variant(text: str, rng: random.Random) -> str | None:
    """One or two Arabic romanisation changes: Mohammed/Muhammad, al-/el-, Abd al-/Abdul, bin/ibn."""
    edits: list[tuple[int, int, str]] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        head, sep, tail = word.partition("-")
        key = fold(word)
        if key in ARABIC_VARIANTS:
            edits.append((match.start(), match.end(), _match_case(word, rng.choice(ARABIC_VARIANTS[key]))))
        elif sep and fold(tail) in ARABIC_VARIANTS:
            start = match.start() + len(head) + 1
            edits.append((start, match.end(), _match_case(tail, rng.choice(ARABIC_VARIANTS[fold(tail)]))))
    for pattern, replacements in _ARABIC_RULES:
        for match in pattern.finditer(text):
            replacement = rng.choice(replacements)
            edits.append(
                (
                    match.start(),
                    match.end(),
                    _match_case(match.group(0).strip() or "A", replacement) if replacement else "",
                )
            )
    if not edits:
        return None
    for _ in range(10):  # some spellings fold alike (Abdul-/Abdul ); draw again
        rng.shuffle(edits)
        chosen: list[tuple[int, int, str]] = []
        wanted = 1 if rng.random() < 0.6 else 2
        for edit in edits:
            if len(chosen) == wanted:
                break
            if all(edit[1] <= c[0] or edit[0] >= c[1] for c in chosen):
                chosen.append(edit)
        out = text
        for start, end, new in sorted(chosen, reverse=True):
            out = out[:start] + new + out[end:]
        out = " ".join(out.split())
        if fold(out) != fold(text) and fold(out):
            return out
    return None


def original_script_name(entity: Entity) -> str | None:
    """The name in its original script (UN `NAME_ORIGINAL_SCRIPT`), when the entity has one."""
    for name in entity.names:
        foreign = (name.script and name.script not in ("Latn", "Latin")) or not is_latin(name.text)
        if foreign and any(c.isalpha() for c in name.text):
            return name.text
    return None
