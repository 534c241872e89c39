"""Questions a teacher authors (CONTRACT §7): a built-in network family with overrides, a fixed
network (``spec: my-net.yaml``) and a family file of the teacher's own (``family: my-family.yaml``).

Each becomes a :class:`AuthoredFamily`: a network family whose info is the base family's with the
overrides applied, checked like a spec before anything is drawn.  Its code (part of every variant
code) is the base family's code followed by three letters of a checksum of everything that decides
its draws, so ``derive solve --variant CODE --exam EXAM.yaml`` rebuilds the very same question, and
a code from an exam file that has changed since is refused instead of solved differently.

>>> family = question_family({"family": "backprop-full-step", "layers": [3, 2, 1]}, "exam.yaml", 0)
>>> family.code[:3], len(family.code), [str(k) for k in family.asked_keys][:2]
('BFS', 6, ['E', 'w_new[2,1,1]'])
"""

from __future__ import annotations

import copy
import json
import math
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy

from derive.core.errors import InputError, suggest
from derive.exam.family import Family
from derive.exam.network_family import NetworkFamily
from derive.exam.registry import AUTHORED, FAMILIES, all_families, authored_family, get_family

__all__ = ["AuthoredFamily", "OVERRIDES", "QUESTION_FIELDS", "FAMILY_FILE_FIELDS", "parse_entry",
           "question_family", "family_for", "load_family_file", "fixed_family", "load_authored",
           "FEASIBILITY_DRAWS"]

#: Fields of the base family's network a question may change, as a spec (CONTRACT §1) names them.
NETWORK_FIELDS = ("layers", "activation", "loss", "bias", "thresholds", "train_biases", "hidden_uses", "notation",
                  "leaky_slope")
#: The number ranges a question may change: ``[low, high]`` or ``{low, high, step}``.
RANGE_FIELDS = ("weights", "biases", "input", "target", "learning_rate")
#: Every override: the network, the ranges, the decimals of the drawn numbers, what is asked, the text.
OVERRIDES = ("title", "question", "asked") + NETWORK_FIELDS + RANGE_FIELDS + ("decimals",)
#: The fields of one entry of an exam file's ``questions:`` list.
QUESTION_FIELDS = ("family", "spec", "points") + OVERRIDES
#: The fields of a family file.
FAMILY_FILE_FIELDS = ("id", "code", "base", "asks", "topics", "difficulty", "question_template",
                      "solution_template") + OVERRIDES
BIAS_CONVENTIONS = ("shared", "neuron", "none")
#: Draws tried, when a question is built, before its ranges are declared impossible to meet.
FEASIBILITY_DRAWS = 2000
#: At most this many numbers on one range's grid.
MAX_GRID = 100_001
_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")



class AuthoredFamily(NetworkFamily):
    """A network family built from a base family's info with a teacher's changes (or a fixed spec)."""

    def __init__(self, data: dict, fixed: dict | None = None):
        super().__init__(data)
        self.fixed = fixed       # a fixed network: every variant asks about this spec

    def _spec_from(self, pick) -> dict:
        if self.fixed is not None:
            return copy.deepcopy(self.fixed)
        spec = super()._spec_from(pick)
        if spec["loss"] == "cce":      # categorical targets: one class, chosen where the drawn target is largest
            target = spec["target"]
            spec["target"] = [1.0 if k == target.index(max(target)) else 0.0 for k in range(len(target))]
        return spec

    def signature(self, params: dict, answers) -> tuple | None:
        # A fixed network is the same in every variant: no twin check (None).
        return None if self.fixed is not None else super().signature(params, answers)

    def __reduce__(self):
        return authored_family, (self.code,)


# ----------------------------------------------------------------------------- exam-file entries

def parse_entry(item, source: str, where: str) -> dict:
    """One entry of ``questions:``, as a mapping: a family id or path, or ``{family|spec: ..., ...}``."""
    if isinstance(item, str):
        item = {"family": item}
    if not isinstance(item, dict) or ("family" in item) == ("spec" in item):
        raise InputError(source, where, "{family: ID or family file, ...} or {spec: network file, ...}",
                         got=repr(item) if not isinstance(item, dict) else "both family and spec" if "family" in item
                         else "neither family nor spec")
    for key in item:
        if key not in QUESTION_FIELDS:
            raise InputError(source, f"{where}.{key}", "a field of a question (" + ", ".join(QUESTION_FIELDS) + ")",
                             got="an unknown field", suggestion=suggest(str(key), QUESTION_FIELDS))
    return item


def question_family(item: dict, source: str, number: int) -> Family:
    """The family of entry ``number`` (from 0) of the exam file ``source``: built-in, authored or fixed."""
    where = f"questions[{number}]"
    overrides = {k: v for k, v in item.items() if k in OVERRIDES}
    folder = Path(source).parent
    if "spec" in item:
        return _fixed_family(item["spec"], overrides, folder, f"{source}: {where}")
    return family_for(item["family"], f"{source}: {where}", folder, overrides, field="family")


def family_for(name, source: str, folder: Path = Path("."), overrides: dict | None = None,
               field: str = "") -> Family:
    """A family named by an id (with optional overrides) or by a family file's path (relative to ``folder``)."""
    if isinstance(name, str) and _looks_like_path(name):
        return load_family_file(folder / name, overrides or {}, source)
    family = get_family(name, f"{source}.{field}" if field else source)     # "exam.yaml: questions[0].family"
    if not overrides:
        return family
    if not isinstance(family, NetworkFamily):
        key = next(iter(overrides))
        raise InputError(source, key, f"only points for {family.id} (overrides change network families: "
                         f"{', '.join(_network_ids())})", got="an override")
    return _build(family, overrides, source, _identity(family, overrides, source))


def _looks_like_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml", ".json")) or "/" in name or "\\" in name


def _network_ids() -> list[str]:
    return [f.id for f in all_families() if isinstance(f, NetworkFamily)]


def _identity(base: NetworkFamily, overrides: dict, source: str) -> dict:
    title = overrides.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise InputError(source, "title", "a line of text", got=repr(title))
    if title is None and "layers" in overrides and isinstance(overrides["layers"], list):
        title = base.title.replace("-".join(map(str, base.network["layers"])), "-".join(map(str, overrides["layers"])))
    return {"id": base.id, "code": base.code, "title": title or base.title}


# ----------------------------------------------------------------------------- family files

def load_family_file(path, overrides: dict, source: str | None = None) -> Family:
    """A teacher's family file: ``id``, ``title``, ``base`` (a built-in network family) and its overrides."""
    from derive.core.inputs import read_data, read_file

    path = Path(path)
    where = str(path)
    data = read_data(read_file(path, "family file"), where)
    if not isinstance(data, dict):
        raise InputError(where, "", "a mapping with id, title, base and overrides (docs/families.md)",
                         got=type(data).__name__)
    for key in data:
        if key not in FAMILY_FILE_FIELDS:
            raise InputError(where, str(key), "a field of a family file (" + ", ".join(FAMILY_FILE_FIELDS) + ")",
                             got="an unknown field", suggestion=suggest(str(key), FAMILY_FILE_FIELDS))
    for key in ("id", "title", "base"):
        if key not in data:
            raise InputError(where, key, "this field to be present (docs/families.md)", got="nothing")
    family_id = data["id"]
    if not isinstance(family_id, str) or not _ID.match(family_id):
        raise InputError(where, "id", "lower-case letters, digits and dashes, starting with a letter (my-family)",
                         got=repr(family_id))
    all_families()
    if family_id in FAMILIES:
        raise InputError(where, "id", "an id of your own (not a built-in family's)", got=repr(family_id))
    base = get_family(data["base"], f"{where}: base") if isinstance(data["base"], str) else None
    if not isinstance(base, NetworkFamily):
        raise InputError(where, "base", "a built-in network family (" + ", ".join(_network_ids()) + ")",
                         got=repr(data["base"]))
    code = data.get("code", base.code)
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{1,3}", code):
        raise InputError(where, "code", "one to three capital letters", got=repr(code))
    merged = {k: v for k, v in data.items() if k in OVERRIDES}
    merged.update(overrides)
    identity = _identity(base, merged, where)
    identity.update(id=family_id, code=code, title=merged.get("title", data["title"]))
    for key in ("asks", "topics", "difficulty"):
        if key in data:
            identity[key] = _check_meta(key, data[key], where)
    identity["templates"] = {part: _template_path(path, data[f"{part}_template"], f"{part}_template")
                             for part in ("question", "solution") if f"{part}_template" in data}
    return _build(base, merged, source or where, identity, rename=bool(overrides))


def _check_meta(key: str, value, where: str):
    if key == "difficulty":
        if isinstance(value, bool) or value not in (1, 2, 3):
            raise InputError(where, key, "1, 2 or 3", got=repr(value))
        return value
    if key == "topics":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise InputError(where, key, "a list of words", got=repr(value))
        return value
    if not isinstance(value, str):
        raise InputError(where, key, "a line of text", got=repr(value))
    return value


def _template_path(family_file: Path, name, field: str) -> str:
    folder = family_file.resolve().parent
    if not isinstance(name, str) or not name.endswith(".j2"):
        raise InputError(str(family_file), field, "a template file name ending in .j2, beside the family file",
                         got=repr(name))
    path = (folder / name).resolve()
    if folder not in path.parents:
        raise InputError(str(family_file), field, "a template in the family file's folder (or below it)",
                         got=repr(name))
    if not path.is_file():
        raise InputError(str(family_file), field, "an existing template file", got=f"no file {name}")
    return str(path)


# ----------------------------------------------------------------------------- fixed networks

def _fixed_family(spec_path, overrides: dict, folder: Path, source: str) -> Family:
    from derive.core.spec import load_spec

    if not isinstance(spec_path, str) or not spec_path.strip():
        raise InputError(source, "spec", "the path of a network spec (relative to the exam file)",
                         got=repr(spec_path))
    allowed = ("title", "question", "asked")
    for key in overrides:
        if key not in allowed:
            raise InputError(source, key, "only title, question and asked with spec: (the spec fixes the network)",
                             got="an override", suggestion="change the spec file itself")
    spec = load_spec(folder / spec_path)
    return fixed_family(spec, source, overrides, title=overrides.get("title") or spec.title or Path(spec_path).stem)


def fixed_family(spec, source: str, overrides: dict | None = None, title: str | None = None,
                 check: bool = True) -> AuthoredFamily:
    """The question of one fixed network (a NetworkSpec of one step on one example): the total error
    and every trained parameter after the step, unless ``asked:`` says otherwise.  With ``check``, its
    answers must pass the exam checks, as a drawn question's do."""
    overrides = overrides or {}
    if not spec.is_single_step:
        raise InputError(spec.source, "data", "one step on one example (input and target) for a question sheet",
                         got="a training run (data, epochs or momentum)")
    if spec.rounding is not None:
        raise InputError(spec.source, "rounding", "no rounding in an exam question "
                         "(derive exam --chain-rounding N works every network question by hand)", got="a rounding")
    fixed = spec.to_dict()
    fixed["title"] = title or spec.title or spec.name
    trained = ["theta_new[*]" if spec.architecture.bias_kind == "theta" else "b_new[*]"] \
        if spec.architecture.train_biases and any(b is not None for b in spec.biases) else []
    info = copy.deepcopy(get_family("backprop-full-step").data)      # its tolerances and templates
    parameters = "every weight and " + ("threshold" if spec.architecture.bias_kind == "theta" else "bias") \
        if trained else "every weight"
    info.update(id="spec", code="FIX", title=fixed["title"], base="backprop-full-step",
                asks=f"the total error and {parameters} after one gradient-descent step",
                network={"layers": fixed["layers"]}, draw={}, asked=["E", "w_new[*]"] + trained)
    info["question"] = _default_question(info["asks"] if "asked" not in overrides else
                                         "the quantities asked for below", spec.architecture.hidden_uses)
    info.update(_text_overrides(overrides, source, info))
    family = AuthoredFamily(_with_code(info, fixed), fixed=fixed)
    if not check:
        family.source = source
        family.asked_keys
        return family
    return _register(family, source)


# ----------------------------------------------------------------------------- overrides

def _build(base: NetworkFamily, overrides: dict, source: str, identity: dict, rename: bool = True) -> Family:
    """The base family with ``overrides`` applied, checked as a spec and for drawable ranges."""
    info = copy.deepcopy(base.data)
    info.pop("source", None)
    info.update({k: v for k, v in identity.items() if v is not None}, base=base.id)
    network, draw = info["network"], info["draw"]
    base_depth = len(network["layers"]) - 1
    for key in NETWORK_FIELDS:
        if key in overrides:
            network[key] = _network_value(key, overrides[key], source)
    decimals = overrides.get("decimals")
    if decimals is not None:
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 4:
            raise InputError(source, "decimals", "a whole number of decimals from 0 to 4 (the drawn numbers' digits)",
                             got=repr(decimals))
        for name, rule in draw.items():       # the base grids with a step: that many decimals
            if isinstance(rule, dict) and name not in overrides:
                draw[name] = _range(name, [rule["low"], rule["high"]], decimals, rule, source)
    for name in RANGE_FIELDS:
        if name in overrides:
            draw[name] = _range(name, overrides[name], decimals, draw.get(name), source)
    if "layers" in overrides and "asked" not in overrides:
        info["asked"] = _by_layer(info["asked"], base_depth, len(network["layers"]) - 1, base.id, source)
    changed = bool(set(overrides) & set(NETWORK_FIELDS)) or "asked" in overrides
    if changed and "question" not in overrides:      # the base's text names its own activation and loss
        info["question"] = _default_question(info["asks"] if "asked" not in overrides else
                                             "the quantities asked for below", network.get("hidden_uses", "old"))
    info.update(_text_overrides(overrides, source, info))
    return _register(AuthoredFamily(_with_code(info, rename=rename)), source)


def _network_value(key: str, value, source: str):
    if key == "layers":
        if not isinstance(value, list) or len(value) < 2 or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 20 for n in value):
            raise InputError(source, "layers", "a list of at least 2 layer sizes from 1 to 20, input layer first",
                             got=repr(value))
        return value
    if key == "bias":
        if value not in BIAS_CONVENTIONS:
            raise InputError(source, "bias", "one of " + ", ".join(BIAS_CONVENTIONS) + " (one bias per layer, "
                             "one per neuron, no bias)", got=repr(value),
                             suggestion=suggest(str(value), BIAS_CONVENTIONS))
        return value
    if key in ("thresholds", "train_biases") and not isinstance(value, bool):
        raise InputError(source, key, "true or false", got=repr(value))
    return value      # activation, loss, hidden_uses, notation, leaky_slope: checked as spec fields


def _range(name: str, value, decimals, base_rule, source: str) -> dict:
    """A grid ``{low, high, step[, nonzero]}`` from ``[low, high]`` (step 10**-decimals, else the base
    family's step) or a mapping ``{low, high, step}``."""
    expected = "[low, high] or {low: L, high: H, step: S}, numbers with low < high"
    if isinstance(value, list) and len(value) == 2:
        low, high = value
        step = 10.0 ** -decimals if decimals is not None else (
            base_rule["step"] if isinstance(base_rule, dict) else 0.01 if name == "target" else 0.05)
        nonzero = bool(isinstance(base_rule, dict) and base_rule.get("nonzero"))
    elif isinstance(value, dict) and set(value) <= {"low", "high", "step", "nonzero"} and {"low", "high"} <= set(value):
        low, high = value["low"], value["high"]
        step = value.get("step", 10.0 ** -decimals if decimals is not None else 0.05)
        nonzero = value.get("nonzero", False)
        if not isinstance(nonzero, bool):
            raise InputError(source, f"{name}.nonzero", "true or false", got=repr(nonzero))
    else:
        raise InputError(source, name, expected, got=repr(value))
    numbers = (low, high, step)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in numbers) \
            or not low < high or step <= 0:
        raise InputError(source, name, expected + " and a step above 0", got=repr(value))
    count = int(math.floor((high - low) / step + 1e-9)) + 1
    if count > MAX_GRID:
        raise InputError(source, name, f"at most {MAX_GRID - 1} steps from low to high", got=f"{count - 1} steps",
                         suggestion="use fewer decimals or a narrower range")
    if count < 2:
        raise InputError(source, name, "a range holding at least two numbers of its step", got=repr(value))
    rule = {"low": float(low), "high": round(float(low) + step * (count - 1), 9), "step": float(step)}
    if nonzero:
        rule["nonzero"] = True
    return rule


def _by_layer(asked: list, base_depth: int, depth: int, base_id: str, source: str) -> list:
    """The base family's asked keys as patterns by layer (``w_new[2,1,1]`` -> ``w_new[L,*]`` in a 2-layer
    base), so that they fit a network of another shape."""
    from derive.core.keys import Key

    patterns: list[str] = []
    for text in asked:
        pattern = text
        if not text.endswith("*]"):
            key = Key.parse(text)
            if key.index:
                layer = key.index[0]
                if layer != base_depth and layer >= depth:
                    raise InputError(source, "layers", f"a network with at least {layer} hidden layer(s): "
                                     f"{base_id} asks about hidden layer {layer}", got=f"{depth - 1} hidden")
                pattern = f"{key.kind}[{'L' if layer == base_depth else layer},*]"
        if pattern not in patterns:
            patterns.append(pattern)
    return patterns


def _default_question(asks: str, hidden_uses: str) -> str:
    text = f"For the network below (its conventions follow the figure), compute {asks}."
    if hidden_uses == "new":
        text += " For the hidden layer's error signals, use the output-layer weights after their update."
    return text


def _text_overrides(overrides: dict, source: str, info: dict) -> dict:
    out = {}
    if "question" in overrides:
        if not isinstance(overrides["question"], str) or not overrides["question"].strip():
            raise InputError(source, "question", "the question's text (Markdown with $...$ math)",
                             got=repr(overrides["question"]))
        out.update(question=overrides["question"], teachers_text=True)
    if "asked" in overrides:
        asked = overrides["asked"]
        if not isinstance(asked, list) or not asked or not all(isinstance(a, str) for a in asked):
            raise InputError(source, "asked", "a list of quantity keys (E, w_new[*], dE/dw[L,*], ...)",
                             got=repr(asked))
        out["asked"] = list(asked)
    return out


def _with_code(info: dict, fixed: dict | None = None, rename: bool = True) -> dict:
    """``info`` with its code: the base's letters and a checksum of what decides the draws; and,
    with ``rename``, an id of its own (``backprop-full-step-c5a``): answers.json and the Moodle
    categories keep a changed family apart from the built-in one."""
    digest = zlib.crc32(_content(info, fixed).encode())
    letters = "".join(_CODE_LETTERS[(digest >> (5 * k)) % 32] for k in range(3))
    return dict(info, code=info["code"] + letters, id=f"{info['id']}-{letters.lower()}" if rename else info["id"])


def _content(info: dict, fixed: dict | None) -> str:
    """Everything that decides a family's questions, as text: its info, the fixed spec and the
    texts (not the paths) of its templates."""
    content = dict(info, fixed=fixed, templates={part: Path(p).read_text(encoding="utf-8")
                                                 for part, p in info.get("templates", {}).items()})
    return json.dumps(content, sort_keys=True, default=str)


def _register(family: AuthoredFamily, source: str) -> AuthoredFamily:
    """Check the family now (spec fields, asked keys, drawable ranges) and register it by code."""
    family.source = source
    known = AUTHORED.get(family.code)
    if known is not None and _content(known.data, known.fixed) == _content(family.data, family.fixed):
        return known
    if known is not None:        # 1 in 32768: two different questions drew the same checksum letters
        raise InputError(source, "title", f"a question whose code differs from {known.source}'s ({family.code})",
                         got="the same code", suggestion="give one of them another title")
    family.asked_keys        # parses the spec at both ends of every range, and the asked keys
    _check_drawable(family)
    AUTHORED[family.code] = family
    return family


def _check_drawable(family: AuthoredFamily) -> None:
    """Refuse ranges under which no draw passes the family's checks, after a bounded number of draws."""
    rng = numpy.random.default_rng(zlib.crc32(family.code.encode()))
    reasons: Counter = Counter()
    examples: dict[str, str] = {}
    total, batch = (1, 1) if family.fixed is not None else (FEASIBILITY_DRAWS, 200)
    for _ in range(0, total, batch):
        candidates = [family.draw(rng) for _ in range(batch)]
        family.prefetch(candidates)
        try:
            for params in candidates:
                problems = family.problems(params, family.answers(params))
                if not problems:
                    return
                kind = re.sub(r"-?[\d.]+", "#", problems[0])     # the reason without its numbers
                reasons[kind] += 1
                examples.setdefault(kind, problems[0])
        finally:
            family.prefetch([])
    reason = examples[reasons.most_common(1)[0][0]]
    if family.fixed is not None:
        raise InputError(family.source, "spec", "a network whose asked answers pass the exam checks",
                         got=reason, suggestion="ask for other quantities with asked:, or change the numbers")
    raise InputError(family.source, "", "ranges with an acceptable draw", got=f"none in {total} draws: {reason}",
                     suggestion="widen the ranges")


# ----------------------------------------------------------------------------- decoding

def load_authored(path: str) -> list[Family]:
    """The families of an exam file or a family file (registered, so that their codes decode)."""
    from derive.core.inputs import read_data, read_file

    data = read_data(read_file(path, "exam file or family file"), path)
    if isinstance(data, dict) and "base" in data:
        return [load_family_file(path, {})]
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise InputError(path, "questions", "an exam file (questions: [...]) or a family file (base: ...)",
                         got=type(data).__name__ if not isinstance(data, dict) else "no questions list")
    return [question_family(parse_entry(item, path, f"questions[{k}]"), path, k)
            for k, item in enumerate(data["questions"])]
