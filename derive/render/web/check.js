// The verdict rules of `derive check`, for a self-checking page.
//
// The same rules as derive/check/verdicts.py and derive/check/world.py, written once here
// and applied to any exercise's data (derive/check/page.py prints it: each step's
// definition, other routes and named mistakes' alternative formulas as functions).
// No DOM: page.js shows what check() returns; tests/test_html_check.py runs this very
// file under Node on random answer sheets and compares with check_answers in Python.
//
//   DeriveCheck.check(exercise, [[name, text], ...], {tolerance})  ->  {entries, counts}
//
// Each entry: {name, key, given, expected, verdict, diagnosis, mistake, candidates, same_as,
// recomputed, note, position, sign}; verdict is correct | consistent | wrong | missing; a text that is no
// number gives {verdict: "missing", invalid: "comma" | "number"} (derive check refuses such a sheet).
(function (root) {
  "use strict";

  var VERDICTS = ["correct", "consistent", "wrong", "missing"];
  var COPIED = "given_value_copied";     // the candidate "a given number written down" (rule 5)
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  // Python raises where JavaScript returns Infinity; a raise makes the whole step NaN
  // (world.py _call), so the helpers the printed steps use throw the same way.
  function Raise() {}
  var X = {
    exp: function (x) {
      var y = Math.exp(x);
      if (y === Infinity && x !== Infinity) throw new Raise();   // math.exp: OverflowError
      return y;
    },
    log: function (x) {
      if (x <= 0 || x === -Infinity) throw new Raise();         // math.log: domain error
      return Math.log(x);
    },
    pow: function (b, e) {
      if (b === 0 && e < 0) throw new Raise();                  // 0.0 ** -1: ZeroDivisionError
      if (b < 0 && isFinite(e) && e !== Math.round(e)) throw new Raise();   // a complex result
      var y = e === -1 ? 1 / b : e === 2 ? b * b : e === 1 ? b : e === 0.5 ? Math.sqrt(b) : Math.pow(b, e);
      if (!isFinite(y) && isFinite(b) && isFinite(e)) throw new Raise();    // OverflowError
      return y;
    },
    max: function () { return pyExtreme(arguments, 1); },
    min: function () { return pyExtreme(arguments, -1); }
  };

  // Python's max/min: the first argument unless a later one compares greater (smaller).
  function pyExtreme(args, sign) {
    var best = args[0];
    for (var i = 1; i < args.length; i++) if (sign > 0 ? args[i] > best : args[i] < best) best = args[i];
    return best;
  }

  function call(fn, values) {
    try {
      var y = fn.f(values, X);
      return typeof y === "number" ? y : NaN;
    } catch (e) {
      if (e instanceof Raise) return NaN;
      throw e;
    }
  }

  // The value of one step and its spread (world.py evaluate_step).
  function evaluateStep(fn, values) {
    var centre = values.map(function (v) { return v[0]; });
    var value = call(fn, centre);
    var spread = 0;
    for (var n = 0; n < values.length; n++) {
      var u = values[n][1];
      if (!u) continue;
      var moved = [1, -1].map(function (s) {
        var at = centre.slice();
        at[n] = values[n][0] + s * u;
        return Math.abs(call(fn, at) - value);
      });
      spread += pyExtreme(moved, 1);
    }
    return [value, spread];
  }

  // The student's world (world.py World).
  function World(ex, answers, working, overrides, ignore) {
    this.ex = ex; this.answers = answers; this.working = working;
    this.overrides = overrides || {}; this.ignore = ignore || {};
    this.memo = {};
  }
  World.prototype.value = function (key) {
    if (!Object.prototype.hasOwnProperty.call(this.memo, key)) this.memo[key] = this.compute(key);
    return this.memo[key];
  };
  World.prototype.compute = function (key) {
    var has = Object.prototype.hasOwnProperty;
    if (has.call(this.answers, key) && !has.call(this.ignore, key) && !has.call(this.overrides, key)) {
      return this.answers[key];
    }
    var q = this.ex.quantities[key];
    var definition = has.call(this.overrides, key) ? this.overrides[key] : q.definition;
    if (definition === null) return [q.given, 0];
    var r = this.recompute(definition);
    return [r[0], r[1] + this.working];
  };
  World.prototype.recompute = function (fnIndex) {
    var fn = this.ex.functions[fnIndex], self = this;
    return evaluateStep(fn, fn.inputs.map(function (k) { return self.value(k); }));
  };

  function within(slack, given, value, spread, halfUnit) {
    var bound = spread + halfUnit;
    return Math.abs(given - value) <= bound * (1 + slack) + slack * pyExtreme([1.0, Math.abs(value)], 1);
  }

  function allows(tolerance, given, exact) {      // sheet.py Tolerance.allows
    if (!tolerance) return false;
    if (tolerance.kind === "absolute") return Math.abs(given - exact) <= tolerance.amount * (1 + 1e-12);
    if (tolerance.kind === "relative") return Math.abs(given - exact) <= tolerance.amount * Math.abs(exact) * (1 + 1e-12);
    if (exact === 0) return given === 0;
    var unit = Math.pow(10, Math.floor(Math.log10(Math.abs(exact))) - Math.trunc(tolerance.amount) + 1);
    return Math.abs(given - exact) <= 0.5 * unit * (1 + 1e-9);
  }

  // "0.5933" -> [0.5933, 5e-05] (sheet.py parse_number); null when it is no number.
  function parseNumber(text) {
    var word = String(text).trim();
    var match = NUMBER.exec(word);
    if (!match) return null;
    var point = match[1].indexOf(".");
    var places = point < 0 ? 0 : match[1].length - point - 1;
    var exponent = (match[2] ? parseInt(match[2].slice(1), 10) : 0) - places;
    var value = Number(word), halfUnit = 0.5 * Number("1e" + exponent);
    if (!isFinite(value) || !isFinite(halfUnit)) return null;
    return [value, halfUnit];
  }

  // Python's repr of a float, as the checker's notes print numbers (1e-05, not 1e-5).
  function pyFloat(x) {
    if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
    var abs = Math.abs(x);
    if (abs >= 1e-4 && abs < 1e16) return String(x);
    var text = x.toExponential();             // shortest round-trip digits
    var parts = text.split("e");
    var exp = parseInt(parts[1], 10);
    return parts[0] + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
  }

  function Checker(ex, sheet, options) {
    if (ex.version !== 1) throw new Error("check.js reads exercise data of version 1, not " + ex.version);
    this.ex = ex;
    this.tolerance = (options && options.tolerance) || ex.tolerance;
    this.sheet = sheet;
    var filled = sheet.filter(function (a) { return a.value !== null; });
    this.answers = {};
    var self = this;
    filled.forEach(function (a) { self.answers[a.key] = [a.value, a.halfUnit]; });
    this.working = workingHalfUnit(filled);
    this.world = new World(ex, this.answers, this.working);
    this.shown = [];                      // [[rule names], name]: the mistakes shown so far (rule 6)
    this.ruleIndex = {};
    ex.mistakes.forEach(function (rule, m) { self.ruleIndex[rule.name] = m; });
  }

  // Half a unit at the decimals the sheet uses most (verdicts.py _working_half_unit).
  function workingHalfUnit(answers) {
    var counts = new Map();
    answers.forEach(function (a) { if (a.halfUnit < 0.5) counts.set(a.halfUnit, (counts.get(a.halfUnit) || 0) + 1); });
    var best = 0, bestCount = 0;
    counts.forEach(function (count, unit) { if (count > bestCount) { best = unit; bestCount = count; } });
    return best;
  }

  // The rules of verdicts.py, in its order (1 missing, 2 correct, 3 a given number copied wrongly,
  // 4 consistent, 5 the copy test, 6 consistent by a mistake already shown, 7 wrong with the mistake
  // that fits, or its candidates).
  Checker.prototype.entry = function (a) {
    var ex = this.ex, q = ex.quantities[a.key], tolerance = this.tolerance, slack = ex.slack, self = this;
    var base = {name: a.name, key: a.key, given: a.value, expected: q.expected, sign: a.sign, text: a.text,
                diagnosis: null, mistake: null, recomputed: null, note: null, candidates: [], same_as: null};
    function make(verdict, extra) { return Object.assign({}, base, {verdict: verdict}, extra || {}); }
    if (a.value === null) return make("missing", a.invalid ? {invalid: a.invalid} : {});          // rule 1
    var given = a.value;
    var values = q.exact === q.expected ? [q.exact] : [q.exact, q.expected];
    if (values.some(function (v) { return within(slack, given, v, 0, a.halfUnit) || allows(tolerance, given, v); })) {
      return make("correct");                                                                        // rule 2
    }
    if (q.definition === null) return make("wrong", {diagnosis: "a given number of the exercise copied wrongly"});   // rule 3
    for (var r = 0; r < q.routes.length; r++) {                                                       // rule 4
      var found = this.world.recompute(q.routes[r]);
      if (within(slack, given, found[0], found[1], a.halfUnit) || allows(tolerance, given, found[0])) {
        return make("consistent", {recomputed: found[0], note: this.plausibility(a.key)});
      }
    }
    var honest = this.world.recompute(q.definition);
    var copied = this.copied(a);                                                                      // rule 5
    if (copied === null) {
      for (var s = 0; s < this.shown.length; s++) {                                                   // rule 6
        var shown = this.shown[s];
        var rules = shown[0].map(function (name) { return self.ruleIndex[name]; });
        var again = this.fits(a, honest, rules);
        if (again.length) {
          var rule = again[0].rule;
          var same = again.filter(function (f) { return f.rule === rule; });
          var note = ["same mistake as at " + shown[1], this.plausibility(a.key)].filter(Boolean).join("; ");
          return make("consistent", {recomputed: again[0].value, mistake: ex.mistakes[rule].name, note: note,
                                     same_as: shown[1], diagnosis: this.describe(rule, a.key, same)});
        }
      }
    }
    var all = ex.mistakes.map(function (_, m) { return m; });
    var fits = this.fits(a, honest, all);                                                             // rule 7
    var byRule = [];                                                   // [rule, fits] in the registry's order
    all.forEach(function (m) {
      var mine = fits.filter(function (f) { return f.rule === m; });
      if (mine.length) byRule.push([m, mine]);
    });
    var names = byRule.map(function (pair) { return ex.mistakes[pair[0]].name; });
    var wrong = {recomputed: honest[0]};
    if (copied !== null) {
      var others = names.length ? ", or come from " + names.join(" or ") : "";
      return make("wrong", Object.assign(wrong, {candidates: [COPIED].concat(names),
        diagnosis: "equals the given " + copied + " of the exercise: it may be copied" + others + "; no mistake is named"}));
    }
    if (byRule.length === 1) {
      return make("wrong", Object.assign(wrong, {mistake: names[0], diagnosis: this.describe(byRule[0][0], a.key, byRule[0][1])}));
    }
    if (byRule.length) {
      var listed = byRule.map(function (pair) {
        var where = self.where(a.key, pair[1]);
        return where ? ex.mistakes[pair[0]].name + " (" + where + ")" : ex.mistakes[pair[0]].name;
      }).join(", ");
      return make("wrong", Object.assign(wrong, {candidates: names,
        diagnosis: "one of " + listed + ": each reproduces the number equally; none is named"}));
    }
    return make("wrong", wrong);
  };

  // Rule 5: the given number of the exercise the answer equals at its own digits, by name.
  Checker.prototype.copied = function (a) {
    var givens = this.ex.givens;
    for (var n = 0; n < givens.length; n++) {
      var q = this.ex.quantities[givens[n]];
      if (within(this.ex.slack, a.value, q.given, 0, a.halfUnit)) return q.name + " = " + q.given_text;
    }
    return null;
  };

  // The step itself and the steps the sheet skipped on the way to it, nearest first.
  Checker.prototype.sites = function (key) {
    var ex = this.ex, sites = [key], stack = ex.quantities[key].deps.slice(), seen = {};
    seen[key] = true;
    while (stack.length) {
      var dep = stack.shift();
      if (seen[dep] || Object.prototype.hasOwnProperty.call(this.answers, dep) || ex.quantities[dep].definition === null) continue;
      seen[dep] = true;
      sites.push(dep);
      stack.push.apply(stack, ex.quantities[dep].deps);
    }
    return sites;
  };

  // Every (rule, site) of ``rules`` that reproduces the answer, one site at a time; where none
  // does, each rule at all of its sites at once (verdicts.py _Checker.fits).
  Checker.prototype.fits = function (a, honest, rules) {
    var ex = this.ex, sites = this.sites(a.key), found = [], self = this;
    sites.forEach(function (site) {
      rules.forEach(function (m) {
        ex.quantities[site].alternatives.forEach(function (alt) {
          if (alt[0] !== m) return;
          var attempt = [[site, alt]], value = self.reproduces(a, attempt, honest);
          if (value !== null) found.push({rule: m, attempt: attempt, value: value});
        });
      });
    });
    if (found.length) return found;
    rules.forEach(function (m) {
      var attempt = [], distinct = {};
      sites.forEach(function (site) {
        ex.quantities[site].alternatives.forEach(function (alt) {
          if (alt[0] === m) { attempt.push([site, alt]); distinct[site] = true; }
        });
      });
      if (attempt.length > 1 && Object.keys(distinct).length === attempt.length) {
        var value = self.reproduces(a, attempt, honest);
        if (value !== null) found.push({rule: m, attempt: attempt, value: value});
      }
    });
    return found;
  };

  // The value an attempt gives, when it reproduces the answer and is not itself honest; else null.
  Checker.prototype.reproduces = function (a, attempt, honest) {
    var ex = this.ex, overrides = {}, expressions, count = 0;
    attempt.forEach(function (pair) { overrides[pair[0]] = pair[1][1]; });
    if (Object.prototype.hasOwnProperty.call(overrides, a.key)) {
      expressions = [overrides[a.key]];
      delete overrides[a.key];
    } else {
      expressions = ex.quantities[a.key].routes;
    }
    for (var k in overrides) if (Object.prototype.hasOwnProperty.call(overrides, k)) count += 1;
    var world = count ? new World(ex, this.answers, this.working, overrides) : this.world;
    for (var n = 0; n < expressions.length; n++) {
      var found = world.recompute(expressions[n]);
      if (within(ex.slack, a.value, found[0], found[1], a.halfUnit) &&
          !within(ex.slack, found[0], honest[0], honest[1], a.halfUnit)) return found[0];
    }
    return null;
  };

  // Where a rule fits, in words (verdicts.py _Checker.where).
  Checker.prototype.where = function (key, fits) {
    var ex = this.ex, itself = false, elsewhere = [];
    fits.forEach(function (fit) {
      var sites = fit.attempt.filter(function (p) { return p[0] !== key; }).map(function (p) { return ex.quantities[p[0]].name; });
      var details = fit.attempt.map(function (p) { return p[1][2]; }).filter(Boolean).join("; ");
      if (!sites.length) {
        itself = true;
        if (details) elsewhere.push(details);
        return;
      }
      elsewhere.push([sites.join(" and "), details].filter(Boolean).join(", "));
    });
    elsewhere = elsewhere.filter(function (text, n) { return elsewhere.indexOf(text) === n; });
    if (!elsewhere.length) return "";
    var places = elsewhere.join(" or ");
    if (itself && fits.some(function (fit) { return fit.attempt[0][0] !== key || fit.attempt.length > 1; })) {
      return "at this step, or in " + places;
    }
    return itself ? places : "in " + places;
  };

  Checker.prototype.describe = function (m, key, fits) {
    var rule = this.ex.mistakes[m], where = this.where(key, fits);
    return rule.name + ": " + rule.description + (where ? " (" + where + ")" : "");
  };

  // Anti-gaming: a consistent answer built on inputs no sigmoid or error could produce.
  Checker.prototype.plausibility = function (key) {
    var ex = this.ex, deps = ex.quantities[key].deps;
    for (var n = 0; n < deps.length; n++) {
      if (!Object.prototype.hasOwnProperty.call(this.answers, deps[n])) continue;
      var value = this.answers[deps[n]][0], bound = ex.quantities[deps[n]].bound, name = ex.quantities[deps[n]].name;
      if (bound === "sigmoid" && !(0 < value && value < 1)) return "built on " + name + " = " + pyFloat(value) + ", which no sigmoid can output";
      if (bound === "error" && value < 0) return "built on " + name + " = " + pyFloat(value) + ", a negative error";
    }
    return null;
  };

  // A sheet's lines: [[name or key, text or null], ...] -> answers with keys and numbers.
  function readSheet(ex, lines) {
    var seen = {};
    return lines.map(function (line) {
      var name = String(line[0]), text = line[1];
      var found = ex.names[name.replace(/ /g, "")];
      if (!found) throw new Error("not a quantity of this exercise: " + name);
      if (seen[found[0]]) throw new Error(name + " is the same quantity as " + seen[found[0]]);
      seen[found[0]] = name;
      // A blank keeps sign 1 (sheet.py _answers): only a number is read as minus the quantity.
      var answer = {name: name, key: found[0], sign: 1, text: null, value: null, halfUnit: 0};
      if (text === null || text === undefined || String(text).trim() === "") return answer;
      var number = parseNumber(text);
      if (number === null) {
        answer.invalid = /^[+-]?\d+,\d+$/.test(String(text).trim()) ? "comma" : "number";   // as sheet.py refuses it
        return answer;
      }
      answer.text = String(text).trim();
      answer.sign = found[1];
      answer.value = found[1] * number[0];
      answer.halfUnit = number[1];
      return answer;
    });
  }

  function check(ex, lines, options) {
    var sheet = readSheet(ex, lines);
    var checker = new Checker(ex, sheet, options);
    var position = {};
    ex.order.forEach(function (key, n) { position[key] = n; });
    var entries = sheet.slice().sort(function (a, b) { return position[a.key] - position[b.key]; })
      .map(function (a) {
        var entry = checker.entry(a);
        var rules = entry.mistake ? [entry.mistake] : entry.candidates.filter(function (c) { return c !== COPIED; });
        if (entry.verdict === "wrong" && rules.length) checker.shown.push([rules, entry.name]);
        return entry;
      });
    var onSheet = {};
    sheet.forEach(function (a) { onSheet[a.key] = true; });
    var asks = (options && options.asks) || ex.asks;
    asks.forEach(function (pair) {
      if (!onSheet[pair[1]]) {
        entries.push({name: pair[0], key: pair[1], given: null, expected: ex.quantities[pair[1]].expected, sign: 1,
                      text: null, verdict: "missing", diagnosis: null, mistake: null, recomputed: null, note: null,
                      candidates: [], same_as: null});
      }
    });
    entries.forEach(function (e) {
      e.position = position[e.key];
      var shown = function (v) { return v === null ? null : e.sign * v; };
      e.given = shown(e.given); e.expected = shown(e.expected); e.recomputed = shown(e.recomputed);
    });
    var counts = {};
    VERDICTS.forEach(function (v) { counts[v] = entries.filter(function (e) { return e.verdict === v; }).length; });
    return {entries: entries, counts: counts};
  }

  var api = {check: check, parseNumber: parseNumber, pyFloat: pyFloat, VERDICTS: VERDICTS};
  root.DeriveCheck = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
