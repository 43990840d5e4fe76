"""Is a document number well formed? Validators from python-stdnum, where it has one for the kind.

    curp    stdnum.mx.curp: format, birth date, state, check digit
    rfc     stdnum.mx.rfc: format, date, and the check digit (homoclave) of 12- and 13-character RFCs
    imo     stdnum.imo: the IMO ship number's check digit
    swift   stdnum.bic: format of a SWIFT/BIC code

Other kinds (passports, national ids, cédulas...) have no check cruce can apply: they are `None`, unchecked,
and compare as before. A failed check never drops a number (a list prints what it prints, a booth reads
what it reads); the matcher uses it to refuse an exact match on such a number the weight of a document
match, and says so in the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from stdnum import bic, imo
from stdnum.exceptions import ValidationError
from stdnum.mx import curp, rfc


@dataclass(frozen=True, slots=True)
class IdentifierCheck:
    valid: bool | None  # None: no validator for this kind
    reason: str = ""  # why it failed, e.g. "its check digit is wrong"


UNCHECKED = IdentifierCheck(None)
_VALIDATORS: dict[str, ModuleType] = {"curp": curp, "rfc": rfc, "imo": imo, "swift": bic}


@lru_cache(maxsize=4096)
def check_identifier(kind: str, value: str) -> IdentifierCheck:
    """Validate `value` as a `kind` number (see the module's table); never raises."""
    module = _VALIDATORS.get(kind)
    if module is None:
        return UNCHECKED
    try:
        if module is rfc:
            rfc.validate(value, validate_check_digits=True)
        else:
            module.validate(value)
    except ValidationError as exc:
        return IdentifierCheck(False, _reason(exc))
    except Exception:  # a validator's own bug must not stop a screening: treat as unchecked
        return UNCHECKED
    return IdentifierCheck(True)


def _reason(exc: ValidationError) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksum": "its check digit is wrong",
        "InvalidLength": "its length is wrong",
        "InvalidFormat": "it is not in the official format",
        "InvalidComponent": "a part of it is impossible (e.g. a date or state code)",
    }.get(name, str(exc) or name)
