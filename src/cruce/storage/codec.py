"""Entity <-> JSON-ready dict, so a stored entity comes back equal to the one the importer produced.

The dict is what the `entities.data` column holds. It omits empty and default values to keep ~10k rows
per list version small, and `entity_from_dict` fills them back in, so both directions are exact inverses
for every field (enums, partial dates, tuples, `extra`). Reading is strict: a row that does not decode
raises `StorageError` naming the entity instead of returning a half-filled entity to the matcher.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cruce.core.dates import PartialDate
from cruce.core.errors import CruceError, StorageError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema

CODEC_VERSION = 1
"""Bumped when the dict layout changes incompatibly; stored with every entity as `v`."""

_DATE = re.compile(r"^(~?)(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_STR_TUPLES = ("birth_places", "nationalities", "countries", "programs", "linked_to")


def date_to_text(value: PartialDate) -> str:
    """`~1970-01-12`, `1970-01`, `1962`: the ISO form at its own precision, `~` for approximate."""
    return ("~" if value.approximate else "") + value.iso()


def date_from_text(text: str) -> PartialDate:
    """Inverse of `date_to_text`; stricter than `PartialDate.parse` so that nothing is guessed."""
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"not a stored partial date: {text!r}")
    approx, year, month, day = match.groups()
    return PartialDate(
        int(year),
        int(month) if month else None,
        int(day) if day else None,
        approximate=bool(approx),
    )


def _name_to_dict(name: Name) -> dict[str, Any]:
    out: dict[str, Any] = {"text": name.text}
    if name.kind is not NameKind.PRIMARY:
        out["kind"] = name.kind.value
    if name.quality is not AliasQuality.STRONG:
        out["quality"] = name.quality.value
    for key in ("family", "given", "script"):
        value = getattr(name, key)
        if value is not None:
            out[key] = value
    return out


def _name_from_dict(data: Mapping[str, Any]) -> Name:
    get = data.get
    return Name(
        data["text"],
        _NAME_KINDS[get("kind", "primary")],
        _QUALITIES[get("quality", "strong")],
        get("family"),
        get("given"),
        get("script"),
    )


def _identifier_to_dict(ident: Identifier) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": ident.kind, "value": ident.value}
    if ident.country is not None:
        out["country"] = ident.country
    return out


def _identifier_from_dict(data: Mapping[str, Any]) -> Identifier:
    return Identifier(data["kind"], data["value"], data.get("country"))


def _address_to_dict(address: Address) -> dict[str, Any]:
    out: dict[str, Any] = {"full": address.full}
    if address.city is not None:
        out["city"] = address.city
    if address.country is not None:
        out["country"] = address.country
    return out


def _address_from_dict(data: Mapping[str, Any]) -> Address:
    return Address(data["full"], data.get("city"), data.get("country"))


def entity_to_dict(entity: Entity) -> dict[str, Any]:
    """A JSON-serialisable dict holding every field of `entity` (defaults and empties left out)."""
    out: dict[str, Any] = {
        "v": CODEC_VERSION,
        "id": entity.id,
        "schema": entity.schema.value,
        "list_id": entity.list_id,
        "source_id": entity.source_id,
        "names": [_name_to_dict(n) for n in entity.names],
    }
    if entity.birth_dates:
        out["birth_dates"] = [date_to_text(d) for d in entity.birth_dates]
    for key in _STR_TUPLES:
        values: tuple[str, ...] = getattr(entity, key)
        if values:
            out[key] = list(values)
    if entity.gender is not None:
        out["gender"] = entity.gender
    if entity.identifiers:
        out["identifiers"] = [_identifier_to_dict(i) for i in entity.identifiers]
    if entity.addresses:
        out["addresses"] = [_address_to_dict(a) for a in entity.addresses]
    if entity.remarks is not None:
        out["remarks"] = entity.remarks
    if entity.extra:
        out["extra"] = dict(entity.extra)
    return out


def entity_from_dict(data: Mapping[str, Any]) -> Entity:
    """Rebuild the entity `entity_to_dict` wrote; raises `StorageError` on anything it did not write.

    Loading every active list goes through here (tens of thousands of entities at start-up), so it
    avoids per-value helpers; the type check at the end catches what the constructors would let through.
    """
    entity_id = data.get("id") if isinstance(data, Mapping) else None
    try:
        get = data.get
        version = get("v", CODEC_VERSION)
        if version != CODEC_VERSION:
            raise ValueError(f"codec version {version!r}, this cruce reads {CODEC_VERSION}")
        entity = Entity(
            id=data["id"],
            schema=_SCHEMAS[data["schema"]],
            names=tuple([_name_from_dict(n) for n in data["names"]]),
            list_id=data["list_id"],
            source_id=data["source_id"],
            birth_dates=tuple([_date_from_text(d) for d in get("birth_dates", ())]),
            birth_places=tuple(get("birth_places", ())),
            nationalities=tuple(get("nationalities", ())),
            countries=tuple(get("countries", ())),
            gender=get("gender"),
            identifiers=tuple([_identifier_from_dict(i) for i in get("identifiers", ())]),
            addresses=tuple([_address_from_dict(a) for a in get("addresses", ())]),
            programs=tuple(get("programs", ())),
            linked_to=tuple(get("linked_to", ())),
            remarks=get("remarks"),
            extra=dict(get("extra", {})),
        )
        _check_types(entity)
        return entity
    except (KeyError, TypeError, ValueError, AttributeError, CruceError) as exc:
        reason = f"unknown value {exc}" if isinstance(exc, KeyError) else repr(exc)
        raise StorageError(
            "bad_entity_data",
            f"stored entity {entity_id!r} cannot be read: {reason}; re-import the list",
            {"entity_id": entity_id},
        ) from exc


_NAME_KINDS = {k.value: k for k in NameKind}
_QUALITIES = {q.value: q for q in AliasQuality}
_SCHEMAS = {s.value: s for s in Schema}
_date_from_text = lru_cache(maxsize=8192)(date_from_text)


def _check_types(entity: Entity) -> None:
    """Every text field really is text (a JSON number or object where text belongs is corruption)."""
    texts: list[Any] = [entity.id, entity.list_id, entity.source_id]
    texts += (
        entity.birth_places + entity.nationalities + entity.countries + entity.programs + entity.linked_to
    )
    texts += list(entity.extra) + list(entity.extra.values())
    for name in entity.names:
        texts += (name.text, name.family or "", name.given or "", name.script or "")
    for ident in entity.identifiers:
        texts += (ident.kind, ident.value, ident.country or "")
    for address in entity.addresses:
        texts += (address.full, address.city or "", address.country or "")
    texts += (entity.gender or "", entity.remarks or "")
    for value in texts:
        if type(value) is not str:
            raise TypeError(f"expected text, got {type(value).__name__} {value!r}")


def content_hash(data: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of an entity's dict: equal entities, and only they, share it.

    Migration 0007 computes the same digest; change both or neither.
    """
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
