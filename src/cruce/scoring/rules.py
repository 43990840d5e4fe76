"""Transparent risk rules, declared in YAML and evaluated over a whole batch at once.

A rule has a name, a weight in (0, 1], a condition and a reason a person can read at the booth:

    - name: origin_departure_mismatch
      weight: 0.15
      when: origin_country != departure_country and origin_indicator == "Y"
      reason: "goods of {origin_country} origin shipped from {departure_country}"

Conditions are a small expression language (comparisons, `and`/`or`/`not`, `in [...]`, arithmetic,
`missing(x)`, `abs(x)`) over the columns of the batch: the declaration's fields plus the history and
screening columns the caller adds. It is parsed with `ast` and only the listed node types are accepted, so
a rule file can never run code. A missing value makes a comparison false: a rule fires only on evidence.

Fired rules combine by noisy-OR, `1 - prod(1 - weight)`: each independent reason raises the score, none can
push it past 1, and a single rule of weight 1 (a watchlist alert) means "inspect". A rule set has a name and
a version, and its digest (sha256 of the file) goes into every score it produces so a backtest or a shadow
run can say exactly which rules it used.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cruce.core.errors import InputError
from cruce.scoring.presets import read_definition, shipped_names

PRESET_PACKAGE = "cruce.scoring.rulesets"

Vector = Any  # a pandas Series or a scalar while evaluating

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS = ("missing", "abs")


class RuleError(InputError):
    """A rule file or rule that cannot be used, naming the rule and the problem."""


class _RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    weight: float = Field(gt=0.0, le=1.0)
    when: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class _RuleSetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    description: str = ""
    rules: list[_RuleSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Rule:
    """One named, weighted condition with the sentence shown when it fires."""

    name: str
    weight: float
    when: str
    reason: str
    condition: ast.Expression
    inputs: frozenset[str]

    def fires(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean per row: does this rule's condition hold (missing values count as no)?"""
        missing = sorted(self.inputs - set(frame.columns))
        if missing:
            raise RuleError(
                "rule_input_missing",
                f"rule {self.name!r} needs column(s) {', '.join(missing)} that this batch lacks",
            )
        try:
            value = _Evaluator(frame).eval(self.condition.body)
        except (TypeError, ValueError) as exc:  # e.g. a number compared with text
            raise RuleError(
                "bad_rule", f"rule {self.name!r} cannot be evaluated ({self.when}): {exc}"
            ) from exc
        if isinstance(value, pd.Series):
            return value.astype("boolean").fillna(False).to_numpy(dtype=bool)
        return np.full(len(frame), bool(value) if value is not None and value is not pd.NA else False)

    def explain(self, row: dict[str, Any]) -> str:
        """The reason sentence filled in with the row's values."""
        return _ReasonFormatter().vformat(self.reason, (), _Shown(row))


@dataclass(frozen=True, slots=True)
class RuleHits:
    """Which rules fired on which rows, and the combined rule score per row."""

    rules: tuple[Rule, ...]
    fired: np.ndarray  # rows × rules, bool
    score: np.ndarray  # rows, noisy-OR of the fired weights

    def fired_rules(self, row: int) -> list[Rule]:
        """The rules that fired on one row, heaviest first."""
        hit = [rule for rule, on in zip(self.rules, self.fired[row], strict=True) if on]
        return sorted(hit, key=lambda rule: -rule.weight)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named, versioned list of rules; its digest identifies the exact text that was used."""

    name: str
    version: int
    description: str
    rules: tuple[Rule, ...]
    digest: str

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version} ({self.digest[:12]})"

    @property
    def inputs(self) -> frozenset[str]:
        return frozenset().union(*(rule.inputs for rule in self.rules))

    def evaluate(self, frame: pd.DataFrame) -> RuleHits:
        """Fire every rule over the batch and combine the weights per row."""
        fired = np.zeros((len(frame), len(self.rules)), dtype=bool)
        for column, rule in enumerate(self.rules):
            fired[:, column] = rule.fires(frame)
        weights = np.array([rule.weight for rule in self.rules])
        score = 1.0 - np.prod(np.where(fired, 1.0 - weights, 1.0), axis=1)
        return RuleHits(rules=self.rules, fired=fired, score=score)

    def reasons(self, hits: RuleHits, frame: pd.DataFrame) -> list[list[str]]:
        """Per row, the sentences of the rules that fired on it, heaviest first.

        Only the rows where a rule fired, and only the columns the rules name, are read back from the frame:
        a batch of a million declarations mostly fires nothing.
        """
        out: list[list[str]] = [[] for _ in range(len(frame))]
        rows = np.flatnonzero(hits.fired.any(axis=1))
        if not len(rows):
            return out
        columns = sorted(self.inputs & {str(column) for column in frame.columns})
        records = frame.iloc[rows][columns].to_dict("records")
        for row, record in zip(rows.tolist(), records, strict=True):
            values = {str(key): value for key, value in record.items()}
            out[row] = [rule.explain(values) for rule in hits.fired_rules(row)]
        return out


def preset_names() -> list[str]:
    """Rule sets that ship with cruce."""
    return shipped_names(PRESET_PACKAGE)


def load_rule_set(name_or_path: str | Path) -> RuleSet:
    """A shipped rule set by name, or a user's YAML file by path."""
    text, source = read_definition(name_or_path, PRESET_PACKAGE, "rule set", RuleError)
    return parse_rule_set(text, source)


def parse_rule_set(text: str, source: str) -> RuleSet:
    """A rule set from YAML text; every problem names the source and the rule."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError("bad_rules", f"{source} is not valid YAML: {exc}") from exc
    try:
        spec = _RuleSetSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'rule set'}: {error['msg']}"
            for error in exc.errors()
        )
        raise RuleError("bad_rules", f"{source}: {problems}") from exc
    names = [rule.name for rule in spec.rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RuleError("bad_rules", f"{source}: rule name(s) used twice: {', '.join(repeated)}")
    rules = tuple(compile_rule(rule.name, rule.weight, rule.when, rule.reason, source) for rule in spec.rules)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RuleSet(spec.name, spec.version, spec.description, rules, digest)


def compile_rule(name: str, weight: float, when: str, reason: str, source: str = "rule") -> Rule:
    """Parse and check one rule's condition and reason template."""
    where = f"{source}: rule {name!r}"
    try:
        tree = ast.parse(when.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError("bad_rule", f"{where}: cannot read condition {when!r}: {exc.msg}") from exc
    inputs = _check(tree.body, where)
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(reason) if field}
    except ValueError as exc:
        raise RuleError("bad_rule", f"{where}: bad reason template {reason!r}: {exc}") from exc
    bad_fields = sorted(field for field in fields if not field.isidentifier())
    if bad_fields:
        raise RuleError("bad_rule", f"{where}: the reason may only name columns, not {', '.join(bad_fields)}")
    return Rule(name, weight, when.strip(), reason, tree, frozenset(inputs | fields))


def _check(node: ast.AST, where: str) -> set[str]:
    """The column names a condition reads; refuses any construct outside the rule language."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool | int | float | str):
            return set()
    elif isinstance(node, ast.BoolOp):
        return set().union(*(_check(value, where) for value in node.values))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        return _check(node.operand, where)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return _check(node.left, where) | _check(node.right, where)
    elif isinstance(node, ast.Compare):
        names = _check(node.left, where)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, ast.List | ast.Tuple | ast.Set) or not all(
                    isinstance(item, ast.Constant) for item in right.elts
                ):
                    raise RuleError(
                        "bad_rule", f"{where}: `in` needs a list of constants, e.g. in ['CN', 'HK']"
                    )
            elif type(op) not in _COMPARE:
                raise RuleError("bad_rule", f"{where}: comparison {type(op).__name__} is not supported")
            else:
                names |= _check(right, where)
        return names
    elif isinstance(node, ast.Call):
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            return _check(node.args[0], where)
        raise RuleError(
            "bad_rule", f"{where}: the only functions are {', '.join(_FUNCTIONS)}, with one argument"
        )
    raise RuleError(
        "bad_rule",
        f"{where}: {ast.unparse(node)!r} is not allowed in a rule condition "
        "(use column names, numbers, strings, comparisons, and/or/not, in [...], + - * /)",
    )


class _Evaluator:
    """Evaluates a checked condition over whole columns at once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def eval(self, node: ast.AST) -> Vector:
        if isinstance(node, ast.Name):
            return self.frame[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BoolOp):
            values = [_as_flags(self.eval(value), len(self.frame)) for value in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = values[0]
            for value in values[1:]:
                result = combine(result, value)
            return pd.Series(result, index=self.frame.index)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return pd.Series(~_as_flags(operand, len(self.frame)), index=self.frame.index)
            return -operand
        if isinstance(node, ast.BinOp):
            with np.errstate(divide="ignore", invalid="ignore"):
                left, right = self.eval(node.left), self.eval(node.right)
                result = _ARITHMETIC[type(node.op)](_numeric(left), _numeric(right))
            return result.replace([np.inf, -np.inf], np.nan) if isinstance(result, pd.Series) else result
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            value = self.eval(node.args[0])
            if node.func.id == "missing":
                return value.isna() if isinstance(value, pd.Series) else value is None
            return value.abs() if isinstance(value, pd.Series) else abs(value)
        raise AssertionError(f"unchecked node {ast.dump(node)}")  # _check refused it already

    def _compare(self, node: ast.Compare) -> Vector:
        left = self.eval(node.left)
        result: np.ndarray = np.ones(len(self.frame), dtype=bool)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                assert isinstance(right_node, ast.List | ast.Tuple | ast.Set)
                members = [item.value for item in right_node.elts if isinstance(item, ast.Constant)]
                series = left if isinstance(left, pd.Series) else pd.Series([left] * len(self.frame))
                known = series.notna().to_numpy(dtype=bool)
                inside = series.isin(members).to_numpy(dtype=bool) & known
                result &= inside if isinstance(op, ast.In) else (~inside & known)
                continue
            right = self.eval(right_node)
            compared = _COMPARE[type(op)](_comparable(left, right), _comparable(right, left))
            result &= _as_flags(compared, len(self.frame))
            left = right
        return pd.Series(result, index=self.frame.index)


def _numeric(value: Vector) -> Vector:
    if isinstance(value, pd.Series) and not pd.api.types.is_numeric_dtype(value):
        return pd.to_numeric(value, errors="coerce")
    if isinstance(value, pd.Series) and pd.api.types.is_bool_dtype(value):
        return value.astype("float64")
    return value


def _comparable(value: Vector, other: Vector) -> Vector:
    """Numbers compare as floats (so `x > 2` works on any numeric column), text as text."""
    if isinstance(value, pd.Series) and pd.api.types.is_bool_dtype(value) and isinstance(other, bool):
        return value
    if isinstance(other, int | float) and not isinstance(other, bool):
        return _numeric(value)
    return value


def _as_flags(value: Vector, rows: int) -> np.ndarray:
    if isinstance(value, pd.Series):
        series = value.astype("boolean") if not pd.api.types.is_bool_dtype(value) else value
        return series.fillna(False).to_numpy(dtype=bool)
    return np.full(rows, bool(value))


class _ReasonFormatter(string.Formatter):
    """Fills a reason; a value the format spec cannot take (an unknown number) is shown plainly."""

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return str(super().format_field(value, format_spec))
        except (ValueError, TypeError):
            return f"{value}"


class _Shown(dict[str, Any]):
    """Row values for a reason template: missing values read 'unknown', floats stay readable."""

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__({key: _shown(value) for key, value in row.items()})

    def __missing__(self, key: str) -> str:
        return "unknown"


def _shown(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return "unknown"
    if isinstance(value, float) and np.isnan(value):
        return "unknown"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(rule_set: RuleSet) -> Sequence[tuple[str, float, str]]:
    """(name, weight, condition) of every rule, for listings."""
    return [(rule.name, rule.weight, rule.when) for rule in rule_set.rules]
