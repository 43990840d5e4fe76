"""A synthetic watchlist shaped like the real ones near the US–Mexico border, reproducible from a seed.

`cruce demo` must run offline and must never show a real person as a hit; this list gives it parties whose
names, dates and documents have the structure of OFAC/UN entries (two surnames, weak aliases, CURPs that
agree with the birth date) while every entry is invented and says so.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta
from typing import TypeVar

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, ListInfo, Name, NameKind, Schema
from cruce.synthetic import documents as docs
from cruce.synthetic import namedata as nd
from cruce.synthetic import orgdata as od
from cruce.synthetic import places
from cruce.synthetic.names import (
    TWO_SURNAME_ORIGINS,
    NameFactory,
    PersonName,
    arabic_script,
    arabic_variants,
    name_key,
    nicknames,
)
from cruce.synthetic.perturb import split_company_suffix

LIST_ID = "synthetic-watchlist"
PROGRAM = "SYNTHETIC"
REMARKS = "synthetic data: invented by cruce for demos and tests; not a real person, company, vessel or craft"
SYNTHETIC_LIST = ListInfo(
    id=LIST_ID,
    title="Synthetic watchlist (demo data, not a real list)",
    publisher="cruce synthetic data generator",
    format="synthetic",
)

_PERSON_ORIGINS: tuple[tuple[str, int], ...] = (
    ("mx", 42),
    ("co", 14),
    ("cam", 7),
    ("us", 10),
    ("us_hisp", 5),
    ("ca_en", 5),
    ("ca_fr", 4),
    ("ar", 13),
)
_SCHEMA_SHARES: tuple[tuple[Schema, float], ...] = (
    (Schema.ORGANIZATION, 0.16),
    (Schema.VESSEL, 0.02),
    (Schema.AIRCRAFT, 0.02),
)
_MAX_SIZE = 1_000_000
T = TypeVar("T")


def _weighted(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _extra(origin: str) -> dict[str, str]:
    return {"synthetic": "true", "name_origin": origin}


class EntityFactory:
    """Holds the generators and the names already used while one list is built."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = NameFactory(rng)
        self.used: set[str] = set()
        self.persons: list[Entity] = []
        self.organizations: list[Entity] = []

    def _claim(self, text: str) -> bool:
        key = name_key(text)
        if key in self.used:
            return False
        self.used.add(key)
        return True

    # --- persons ----------------------------------------------------------------------------------------

    def person(self, number: int) -> Entity:
        rng = self.rng
        origin = _weighted(rng, _PERSON_ORIGINS)
        gender = "male" if rng.random() < 0.8 else "female"
        name = self.names.person(origin, gender)
        for _ in range(20):
            if self._claim(name.full):
                break
            name = self.names.person(origin, gender)
        born = random_date(rng, date(1950, 1, 1), date(2001, 12, 31))
        nationalities, birth_place, state = self._origin_facts(origin)

        precision = rng.random()
        birth_dates: list[PartialDate] = []
        if precision < 0.68:
            birth_dates.append(PartialDate(born.year, born.month, born.day))
        elif precision < 0.86:
            birth_dates.append(PartialDate(born.year, approximate=rng.random() < 0.15))
        elif precision < 0.92:
            birth_dates.append(PartialDate(born.year, born.month))
        if birth_dates and rng.random() < 0.08:
            birth_dates.append(PartialDate(born.year + rng.choice((-1, 1))))
        full_dob = bool(birth_dates) and birth_dates[0].day is not None

        identifiers = self._person_identifiers(origin, name, born if full_dob else None, state, nationalities)
        names = self._person_names(name, origin, born)
        addresses: tuple[Address, ...] = ()
        if rng.random() < 0.3:
            city, country = self._residence(origin, nationalities)
            addresses = (
                Address(
                    full=f"{city}, {places.COUNTRY_NAMES.get(country, country)}", city=city, country=country
                ),
            )
        return Entity(
            id=f"{LIST_ID}:{number}",
            schema=Schema.PERSON,
            names=names,
            list_id=LIST_ID,
            source_id=str(number),
            birth_dates=tuple(birth_dates),
            birth_places=(birth_place,) if birth_place and rng.random() < 0.85 else (),
            nationalities=nationalities,
            countries=tuple(a.country for a in addresses if a.country and a.country not in nationalities),
            gender=gender,
            identifiers=identifiers,
            addresses=addresses,
            programs=(PROGRAM,),
            remarks=REMARKS,
            extra=_extra(origin),
        )

    def _origin_facts(self, origin: str) -> tuple[tuple[str, ...], str | None, str]:
        """Nationalities, a birth place and (for Mexicans) the CURP state code, consistent with each other."""
        rng = self.rng
        if origin == "mx":
            code, state_name, cities, _ = _weighted(rng, tuple((s, s[3]) for s in places.MX_STATES))
            nationalities = ("MX", "US") if rng.random() < 0.06 else ("MX",)
            city = rng.choice(cities)
            place = f"{city}, Mexico" if city == state_name else f"{city}, {state_name}, Mexico"
            return nationalities, place, code
        if origin == "co":
            city, dept = rng.choice(places.CO_CITIES)
            return ("CO",), f"{city}, {dept}, Colombia", "NE"
        if origin == "cam":
            country = rng.choice(("GT", "GT", "HN", "HN", "SV"))
            city = rng.choice(places.CAM_CITIES[country])
            return (country,), f"{city}, {places.COUNTRY_NAMES[country]}", "NE"
        if origin in ("us", "us_hisp"):
            city, state = rng.choice(places.US_CITIES)
            nationalities = ("US", "MX") if origin == "us_hisp" and rng.random() < 0.2 else ("US",)
            return nationalities, f"{city}, {state}, United States", "NE"
        if origin in ("ca_en", "ca_fr"):
            city, province = rng.choice(places.CA_FR_CITIES if origin == "ca_fr" else places.CA_CITIES)
            return ("CA",), f"{city}, {province}, Canada", "NE"
        country = rng.choice(nd.AR_NATIONALITIES)
        return (country,), f"{places.AR_CITIES[country]}, {places.COUNTRY_NAMES[country]}", "NE"

    def _residence(self, origin: str, nationalities: tuple[str, ...]) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.3 or nationalities[0] == "US":
            return rng.choice(places.US_CITIES)[0], "US"
        if nationalities[0] == "MX" or rng.random() < 0.3:
            return rng.choice(rng.choice(places.MX_STATES)[2]), "MX"
        if nationalities[0] == "CO":
            return rng.choice(places.CO_CITIES)[0], "CO"
        if nationalities[0] == "CA":
            return rng.choice((*places.CA_CITIES, *places.CA_FR_CITIES))[0], "CA"
        if nationalities[0] in places.CAM_CITIES:
            return rng.choice(places.CAM_CITIES[nationalities[0]]), nationalities[0]
        return places.AR_CITIES.get(nationalities[0], "Dubai"), nationalities[0]

    def _person_identifiers(
        self,
        origin: str,
        name: PersonName,
        born: date | None,
        state: str,
        nationalities: tuple[str, ...],
    ) -> tuple[Identifier, ...]:
        rng = self.rng
        out: list[Identifier] = []
        country = nationalities[0]
        if origin == "mx" and born is not None:
            maternal = name.surnames[1] if len(name.surnames) > 1 else None
            if rng.random() < 0.45:
                curp = docs.make_curp(
                    name.surnames[0],
                    maternal,
                    name.given_text,
                    birth=born,
                    male=name.gender == "male",
                    state=state,
                    rng=rng,
                )
                out.append(Identifier("curp", curp, "MX"))
            if rng.random() < 0.25:
                out.append(
                    Identifier(
                        "rfc",
                        docs.make_rfc_person(name.surnames[0], maternal, name.given_text, born, rng),
                        "MX",
                    )
                )
        if origin == "co" and rng.random() < 0.55:
            out.append(Identifier("cedula", docs.cedula_number(rng), "CO"))
        if origin in ("us", "us_hisp") and rng.random() < 0.10:
            license_no = rng.choice(string.ascii_uppercase) + str(rng.randint(1000000, 9999999))
            out.append(Identifier("drivers_license", license_no, "US"))
        passport_share = {
            "mx": 0.25,
            "co": 0.2,
            "cam": 0.3,
            "us": 0.25,
            "us_hisp": 0.25,
            "ca_en": 0.3,
            "ca_fr": 0.3,
            "ar": 0.45,
        }[origin]
        if rng.random() < passport_share:
            out.append(Identifier("passport", docs.passport_number(country, rng), country))
        return tuple(out)

    def _person_names(self, name: PersonName, origin: str, born: date) -> tuple[Name, ...]:
        rng = self.rng
        names = [Name(name.full, family=name.family_text, given=name.given_text)]

        def aka(
            text: str,
            quality: AliasQuality = AliasQuality.STRONG,
            family: str | None = None,
            given: str | None = None,
            script: str | None = None,
        ) -> None:
            if all(n.text != text for n in names):
                names.append(Name(text, NameKind.AKA, quality, family=family, given=given, script=script))

        if origin in TWO_SURNAME_ORIGINS:
            if name.gender == "female" and born.year < 1995 and rng.random() < 0.35:
                spouse = self.names.spouse_surname()
                married = f"{name.surnames[0]} de {spouse}"
                aka(f"{name.given_text} {married}", family=married, given=name.given_text)
            if rng.random() < 0.10:
                aka(f"{name.given_text} {name.surnames[0]}", family=name.surnames[0], given=name.given_text)
        if origin == "ar":
            if rng.random() < 0.6:
                units = [*name.given, *name.surnames]
                index = rng.randrange(len(units))
                variants = arabic_variants(units[index])
                if variants:
                    units[index] = rng.choice(variants)
                    given = " ".join(units[: len(name.given)])
                    family = " ".join(units[len(name.given) :])
                    aka(f"{given} {family}", family=family, given=given)
            script = arabic_script(name)
            if script and rng.random() < 0.7:
                aka(script, script="Arab")
        nick = next((n for unit in name.given for n in nicknames(unit)), None)
        if nick and rng.random() < 0.10:
            aka(f"{nick} {name.surnames[0]}", AliasQuality.WEAK)
        if rng.random() < 0.25:
            aka(self.names.alias(origin, name.gender), AliasQuality.WEAK)
        return tuple(names)

    # --- organisations ----------------------------------------------------------------------------------

    def organization(self, number: int) -> Entity:
        rng = self.rng
        country = _weighted(rng, (("MX", 50), ("US", 22), ("CA", 10), ("CO", 12), ("AE", 6)))
        owners = self._pick_owners(country)
        text, origin = self.company_name(country, owners)
        for _ in range(20):
            if self._claim(text):
                break
            text, origin = self.company_name(country, owners)
        founded = random_date(rng, date(1985, 1, 1), date(2022, 12, 31))
        names = [Name(text)]
        if rng.random() < 0.10:
            other, _ = self.company_name(country, ())
            if self._claim(other):
                names.append(Name(other, kind=NameKind.FKA))
        base, suffix = split_company_suffix(text)
        if suffix and rng.random() < 0.2:
            names.append(Name(base, kind=NameKind.AKA))
        identifiers: list[Identifier] = []
        if country == "MX" and rng.random() < 0.6:
            identifiers.append(Identifier("rfc", docs.make_rfc_company(text, founded, rng), "MX"))
        elif country == "US" and rng.random() < 0.4:
            identifiers.append(Identifier("tax_id", docs.us_ein(rng), "US"))
        elif country == "CA" and rng.random() < 0.3:
            identifiers.append(Identifier("registration", docs.ca_business_number(rng), "CA"))
        elif country == "CO" and rng.random() < 0.5:
            identifiers.append(Identifier("tax_id", docs.co_nit(rng), "CO"))
        elif country == "AE" and rng.random() < 0.4:
            identifiers.append(Identifier("registration", str(rng.randint(100000, 999999)), "AE"))
        addresses: tuple[Address, ...] = ()
        if rng.random() < 0.7:
            city = self._company_city(country, origin)
            addresses = (Address(f"{city}, {places.COUNTRY_NAMES.get(country, country)}", city, country),)
        extra = _extra(origin)
        extra["founded"] = founded.isoformat()
        return Entity(
            id=f"{LIST_ID}:{number}",
            schema=Schema.ORGANIZATION,
            names=tuple(names),
            list_id=LIST_ID,
            source_id=str(number),
            countries=(country,),
            identifiers=tuple(identifiers),
            addresses=addresses,
            programs=(PROGRAM,),
            linked_to=tuple(o.id for o in owners),
            remarks=REMARKS,
            extra=extra,
        )

    def _pick_owners(self, country: str) -> tuple[Entity, ...]:
        rng = self.rng
        if not self.persons or rng.random() >= 0.4:
            return ()
        local = [p for p in self.persons[-200:] if country in p.nationalities]
        pool = local or self.persons
        count = 1 if rng.random() < 0.75 else 2
        return tuple(rng.sample(pool, k=min(count, len(pool))))

    def company_name(self, country: str, owners: tuple[Entity, ...]) -> tuple[str, str]:
        """A company name in the country's style (legal-form suffix included) and its naming origin."""
        rng = self.rng
        owner_family = next((n.family for o in owners for n in o.names if n.family), None)
        if country == "MX":
            prefix = rng.choice(od.MX_COMPANY_PREFIXES)
            if owner_family and rng.random() < 0.5:
                core = owner_family
            elif rng.random() < 0.45:
                pattern = rng.choice(od.MX_FAMILY_CORES)
                core = pattern.format(a=self.names.spanish_surname(), b=self.names.spanish_surname())
            else:
                core = rng.choice(od.MX_COMPANY_CORES)
            suffix = _weighted(rng, od.MX_COMPANY_SUFFIXES)
            sep = ", " if rng.random() < 0.5 else " "
            return f"{prefix} {core}{sep}{suffix}", "mx"
        if country == "US":
            suffix = _weighted(rng, od.US_COMPANY_SUFFIXES)
            industry = rng.choice(od.US_COMPANY_INDUSTRIES)
            roll = rng.random()
            fake = self.names.faker("en_US")
            if owner_family and roll < 0.4:
                head = owner_family.split()[0]
            elif roll < 0.55:
                head = f"{fake.last_name()} & {fake.last_name()}"
            elif roll < 0.75:
                head = str(fake.last_name())
            else:
                head = rng.choice(od.US_COMPANY_WORDS)
            return f"{head} {industry} {suffix}", "us"
        if country == "CA":
            if rng.random() < 0.4:
                surname = str(self.names.faker("fr_CA").last_name())
                return rng.choice(od.FR_CA_COMPANY_PATTERNS).format(s=surname), "ca_fr"
            word = rng.choice(od.CA_COMPANY_WORDS)
            industry = rng.choice(od.US_COMPANY_INDUSTRIES)
            return f"{word} {industry} {rng.choice(('Ltd.', 'Inc.', 'Corp.'))}", "ca_en"
        if country == "CO":
            word = owner_family if owner_family and rng.random() < 0.4 else rng.choice(od.CO_COMPANY_WORDS)
            return rng.choice(od.CO_COMPANY_PATTERNS).format(w=word), "co"
        family = rng.choice(nd.AR_FAMILY)[0]
        family = family[3:] if family.startswith("al-") else family
        return rng.choice(od.AR_COMPANY_PATTERNS).format(f=family), "ar"

    def _company_city(self, country: str, origin: str) -> str:
        rng = self.rng
        if country == "MX":
            if rng.random() < 0.6:
                return rng.choice(places.MX_BORDER_CITIES)
            return rng.choice(rng.choice(places.MX_STATES)[2])
        if country == "US":
            return rng.choice(places.US_CITIES)[0]
        if country == "CA":
            return rng.choice(places.CA_FR_CITIES if origin == "ca_fr" else places.CA_CITIES)[0]
        if country == "CO":
            return rng.choice(places.CO_CITIES)[0]
        return "Dubai"

    # --- vessels and aircraft ---------------------------------------------------------------------------

    def vessel(self, number: int) -> Entity:
        rng = self.rng
        flag = _weighted(rng, od.VESSEL_FLAGS)
        text = self._vessel_name(flag)
        for _ in range(20):
            if self._claim(text):
                break
            text = self._vessel_name(flag)
        identifiers = [Identifier("imo", docs.imo_number(rng))]
        if rng.random() < 0.7:
            identifiers.append(Identifier("mmsi", docs.mmsi_number(flag, rng), flag))
        linked = (rng.choice(self.organizations).id,) if self.organizations and rng.random() < 0.5 else ()
        extra = _extra("vessel")
        extra.update({"vessel_type": rng.choice(od.VESSEL_TYPES), "flag": flag})
        return Entity(
            id=f"{LIST_ID}:{number}",
            schema=Schema.VESSEL,
            names=(Name(text),),
            list_id=LIST_ID,
            source_id=str(number),
            countries=(flag,),
            identifiers=tuple(identifiers),
            programs=(PROGRAM,),
            linked_to=linked,
            remarks=REMARKS,
            extra=extra,
        )

    def _vessel_name(self, flag: str) -> str:
        rng = self.rng
        if flag in ("US", "LR", "MH") or rng.random() < 0.3:
            return rng.choice(od.VESSEL_EN).format(w=rng.choice(od.VESSEL_WORDS_EN))
        female = self.names.faker("es_MX").first_name_female()
        pattern = rng.choice(od.VESSEL_ES)
        text = pattern.format(
            f=female,
            s=self.names.spanish_surname(),
            w=rng.choice(od.VESSEL_WORDS_ES),
            v=rng.choice(od.VESSEL_VIRGINS),
        )
        if rng.random() < 0.3:
            text += " " + rng.choice(("I", "II", "III", "IV"))
        return text.upper()

    def aircraft(self, number: int) -> Entity:
        rng = self.rng
        country = _weighted(rng, (("MX", 45), ("US", 30), ("CO", 15), ("CA", 10)))
        tail = self._tail_number(country)
        for _ in range(20):
            if self._claim(tail):
                break
            tail = self._tail_number(country)
        model, serial_len = rng.choice(od.AIRCRAFT_MODELS)
        serial = "".join(rng.choice(string.digits) for _ in range(serial_len))
        linked = (rng.choice(self.organizations).id,) if self.organizations and rng.random() < 0.5 else ()
        extra = _extra("aircraft")
        extra.update({"model": model, "operator": rng.choice(od.AIRCRAFT_OPERATORS)})
        return Entity(
            id=f"{LIST_ID}:{number}",
            schema=Schema.AIRCRAFT,
            names=(Name(tail), Name(f"{model} {tail}", kind=NameKind.AKA)),
            list_id=LIST_ID,
            source_id=str(number),
            countries=(country,),
            identifiers=(Identifier("tail_number", tail, country), Identifier("aircraft_serial", serial)),
            programs=(PROGRAM,),
            linked_to=linked,
            remarks=REMARKS,
            extra=extra,
        )

    def _tail_number(self, country: str) -> str:
        rng = self.rng
        letters = string.ascii_uppercase
        if country == "MX":
            return rng.choice(("XA-", "XB-", "XC-")) + "".join(rng.choice(letters) for _ in range(3))
        if country == "US":
            suffix = "".join(rng.choice(letters) for _ in range(rng.choice((0, 1, 2))))
            return f"N{rng.randint(1, 99999 if not suffix else 999)}{suffix}"
        if country == "CO":
            return f"HK-{rng.randint(1000, 5999)}" + rng.choice(("", "", "G", "P", "X"))
        return rng.choice(("C-F", "C-G")) + "".join(rng.choice(letters) for _ in range(3))


def generate_watchlist(seed: int, size: int = 2000) -> list[Entity]:
    """An invented list of `size` entries: ~80% persons, 16% companies, a few vessels and aircraft.

    Same seed, same list (for a given Faker version); ids are `synthetic-watchlist:1..size`. Every entry is
    marked as synthetic in `programs`, `remarks` and `extra["synthetic"]`.
    """
    if not 0 <= size <= _MAX_SIZE:
        raise InputError(
            "bad_size", f"watchlist size must be between 0 and {_MAX_SIZE}, got {size}", {"size": size}
        )
    builder = EntityFactory(random.Random(f"cruce-synthetic-watchlist:{seed}"))
    rng = builder.rng
    kinds: list[Schema] = []
    for schema, share in _SCHEMA_SHARES:
        kinds.extend([schema] * round(size * share))
    kinds = kinds[:size]
    kinds.extend([Schema.PERSON] * (size - len(kinds)))
    # Persons first in the draw order so companies can name their owners; shuffled positions keep ids mixed.
    order = list(range(1, size + 1))
    rng.shuffle(order)
    by_number: dict[int, Entity] = {}
    ranked = sorted(zip(order, kinds, strict=True), key=lambda pair: list(Schema).index(pair[1]))
    for number, schema in ranked:
        if schema is Schema.PERSON:
            entity = builder.person(number)
            builder.persons.append(entity)
        elif schema is Schema.ORGANIZATION:
            entity = builder.organization(number)
            builder.organizations.append(entity)
        elif schema is Schema.VESSEL:
            entity = builder.vessel(number)
        else:
            entity = builder.aircraft(number)
        by_number[number] = entity
    return [by_number[n] for n in range(1, size + 1)]
