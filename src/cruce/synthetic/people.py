"""A noisy, labelled set of person records for entity resolution, harder than FEBRL on purpose.

People live in households (a family shares a surname, an address, a postcode and often a landline; some are
twins, sharing a birth date too), and each person is seen by several sources (a crossing, a case, a program
enrolment, a list) that each write them differently: typos, nicknames, the maternal surname dropped,
day and month swapped or a digit mistyped in the birth date, an old address, missing phones and documents.
Labels: the `person_id` of every record. Seeded: the same seed gives the same file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from cruce.matching.variants import NICKNAMES

_FORMAL_TO_NICK: dict[str, list[str]] = {}
for _nick, _formals in NICKNAMES.items():
    for _f in _formals:
        _FORMAL_TO_NICK.setdefault(_f, []).append(_nick)

COLUMNS = (
    "record_id",
    "given_name",
    "surname",
    "birth_date",
    "address",
    "city",
    "postcode",
    "phone",
    "document",
    "source",
    "person_id",
)


@dataclass(frozen=True, slots=True)
class _Person:
    person_id: str
    given: str
    paternal: str
    maternal: str
    birth: date
    address: str
    city: str
    postcode: str
    landline: str
    mobile: str
    document: str


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    k = rng.randrange(1, len(text))
    op = rng.random()
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op < 0.3:
        return text[:k] + text[k + 1 :]
    if op < 0.6:
        return text[:k] + rng.choice(letters) + text[k + 1 :]
    if op < 0.8 and k < len(text) - 1:
        return text[:k] + text[k + 1] + text[k] + text[k + 2 :]
    return text[:k] + rng.choice(letters) + text[k:]


def _households(rng: random.Random, fakers: list[Faker], people: int) -> list[_Person]:
    out: list[_Person] = []
    h = 0
    while len(out) < people:
        h += 1
        fk = rng.choice(fakers)
        spanish = fk.locales[0].startswith("es")
        paternal = fk.last_name()
        address, city, postcode = fk.street_address(), fk.city(), fk.postcode()
        landline = fk.numerify("###-###-####")
        size = min(rng.choice((1, 1, 2, 2, 3, 4, 5)), people - len(out))
        parent_year = rng.randint(1950, 1985)
        twins_at = rng.randrange(size) if size >= 3 and rng.random() < 0.25 else -1
        twin_birth: date | None = None
        for k in range(size):
            given = fk.first_name_male() if rng.random() < 0.5 else fk.first_name_female()
            maternal = fk.last_name() if spanish else ""
            if k == 0:
                birth = date(parent_year, 1, 1) + timedelta(days=rng.randrange(365))
            elif k == twins_at + 1 and twin_birth is not None:
                birth = twin_birth
            else:
                birth = date(parent_year + rng.randint(20, 35), 1, 1) + timedelta(days=rng.randrange(365))
            if k == twins_at:
                twin_birth = birth
            out.append(
                _Person(
                    person_id=f"p{h}-{k}",
                    given=given,
                    paternal=paternal,
                    maternal=maternal,
                    birth=birth,
                    address=address,
                    city=city,
                    postcode=postcode,
                    landline=landline,
                    mobile=fk.numerify("###-###-####") if rng.random() < 0.7 else "",
                    document=fk.bothify("??#######").upper(),
                )
            )
    return out


def _birth_text(rng: random.Random, birth: date) -> str:
    r = rng.random()
    y, m, d = birth.year, birth.month, birth.day
    if r < 0.12:
        return ""
    if r < 0.22 and d <= 12:
        m, d = d, m  # day and month swapped by a clerk
    elif r < 0.32:
        digits = list(f"{y:04d}{m:02d}{d:02d}")
        k = rng.randrange(2, 8)
        digits[k] = str(rng.randrange(10))
        text = "".join(digits)
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif r < 0.36:
        y += rng.choice((-1, 1))
    style = rng.random()
    if style < 0.6:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{d:02d}/{m:02d}/{y:04d}"


def generate_people(people: int = 3000, seed: int = 17) -> list[dict[str, str]]:
    """Rows with the columns in COLUMNS; 1-5 records per person (about 2.5 on average)."""
    rng = random.Random(seed)
    fakers = [Faker("es_MX"), Faker("en_US"), Faker("es_MX")]
    for i, fk in enumerate(fakers):
        fk.seed_instance(seed * 10 + i)
    rows: list[dict[str, str]] = []
    for person in _households(rng, fakers, people):
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
            given = person.given
            words = given.split()
            if rng.random() < 0.12 and words and words[0].lower() in _FORMAL_TO_NICK:
                given = rng.choice(_FORMAL_TO_NICK[words[0].lower()]).title()
            elif rng.random() < 0.2 and len(words) > 1:
                given = words[0]
            if rng.random() < 0.2:
                given = _typo(rng, given)
            surname = person.paternal
            if person.maternal and rng.random() < 0.6:
                surname = f"{surname} {person.maternal}"
            if rng.random() < 0.2:
                surname = _typo(rng, surname)
            if rng.random() < 0.05:
                given, surname = surname, given
            address, city, postcode = person.address, person.city, person.postcode
            if rng.random() < 0.12:
                address, city, postcode = "", "", ""
            elif rng.random() < 0.15:
                address = _typo(rng, address)
            if rng.random() < 0.08:
                postcode = _typo(rng, postcode) if len(postcode) > 3 else postcode
            phone = rng.choice((person.mobile, person.landline, "", ""))
            if phone and rng.random() < 0.3:
                phone = "+52 " + phone if rng.random() < 0.5 else phone.replace("-", "")
            document = person.document if rng.random() < 0.45 else ""
            if document and rng.random() < 0.05:
                document = _typo(rng, document.lower()).upper()
            rows.append(
                {
                    "record_id": f"r{len(rows) + 1}",
                    "given_name": given.upper() if rng.random() < 0.3 else given,
                    "surname": surname.upper() if rng.random() < 0.3 else surname,
                    "birth_date": _birth_text(rng, person.birth),
                    "address": address,
                    "city": city,
                    "postcode": postcode,
                    "phone": phone,
                    "document": document,
                    "source": rng.choice(("crossing", "case", "program", "list")),
                    "person_id": person.person_id,
                }
            )
    rng.shuffle(rows)
    return rows
