// A self-checking page: typesets the math, checks every answer as it is typed (with
// DeriveCheck, check.js), shows each verdict next to its input, reveals steps of the worked
// solution on demand and keeps the answers in the URL fragment (#net_h1=0.3775&w5%2B=0.3589).
(function () {
  "use strict";
  var exercises = globalThis.DERIVE_EXERCISES || {};
  var panels = Array.prototype.slice.call(document.querySelectorAll("section.practice"));

  if (typeof renderMathInElement === "function") {
    renderMathInElement(document.body, {
      delimiters: [
        {left: "$$", right: "$$", display: true}, {left: "\\[", right: "\\]", display: true},
        {left: "\\(", right: "\\)", display: false}, {left: "$", right: "$", display: false}
      ],
      ignoredClasses: ["verdict"], throwOnError: false
    });
  }

  function inputsOf(panel) {
    return Array.prototype.slice.call(panel.querySelectorAll("input[data-key]"));
  }

  // The words come from the page's template (page_macros.html.j2), {name} filled in.
  var WORDS = JSON.parse(document.getElementById("derive-words").textContent);
  function say(name, fill) {
    return WORDS[name].replace(/\{(\w+)\}/g, function (_, field) { return String(fill[field]); });
  }

  function describe(entry) {
    if (entry.verdict === "missing") {
      return entry.invalid ? say("invalid", {reason: WORDS["invalid_" + entry.invalid]}) : say("missing", {});
    }
    if (entry.verdict === "correct") return say("correct", {});
    if (entry.verdict === "consistent" && entry.same_as) return say("same_mistake", entry);   // counted once
    if (entry.verdict === "consistent") return say(entry.note ? "consistent_note" : "consistent", entry);
    return say(entry.diagnosis ? "wrong_named" : "wrong", entry);
  }

  function check(panel) {
    var exercise = exercises[panel.getAttribute("data-exercise")];
    var inputs = inputsOf(panel);
    var result = DeriveCheck.check(exercise, inputs.map(function (input) {    // by the names students read
      return [input.getAttribute("data-name"), input.value];
    }));
    var counts = {correct: 0, consistent: 0, wrong: 0, missing: 0}, answered = 0, asked = 0, askedDone = 0;
    result.entries.forEach(function (entry) {
      var row = panel.querySelector('li.step[data-step="' + entry.key + '"]');
      if (!row) return;
      var verdict = row.querySelector("[data-verdict-for]"), text = describe(entry);
      verdict.setAttribute("data-verdict", entry.verdict);
      if (verdict.textContent !== text) verdict.textContent = text;     // announced (aria-live) only when it changes
      row.setAttribute("data-verdict", entry.verdict);
      counts[entry.verdict] += 1;
      if (entry.verdict !== "missing") answered += 1;
      if (row.classList.contains("asked")) {
        asked += 1;
        if (entry.verdict === "correct" || entry.verdict === "consistent") askedDone += 1;
      }
    });
    var progress = panel.querySelector("[data-progress-for]");
    Object.keys(counts).forEach(function (v) { progress.setAttribute("data-" + v, String(counts[v])); });
    var fill = Object.assign({answered: answered, steps: inputs.length, done: askedDone, asked: asked}, counts);
    progress.textContent = say(answered === 0 ? "progress_none" : asked ? "progress_asked" : "progress", fill);
  }

  // The fragment: name=value pairs, names as the student types them (plain names or keys),
  // prefixed with a question's prefix (q2.) on a page of several exercises.
  function readFragment() {
    var text = location.hash.replace(/^#/, "");
    var pairs = text ? text.split("&") : [];
    panels.forEach(function (panel) {
      var exercise = exercises[panel.getAttribute("data-exercise")];
      var prefix = panel.getAttribute("data-prefix");
      var byKey = {};
      inputsOf(panel).forEach(function (input) {       // the address holds the whole attempt
        byKey[input.getAttribute("data-key")] = input;
        input.value = "";
      });
      pairs.forEach(function (pair) {
        var cut = pair.indexOf("=");
        if (cut < 0) return;
        var name, value;
        try {
          name = decodeURIComponent(pair.slice(0, cut));
          value = decodeURIComponent(pair.slice(cut + 1));
        } catch (e) { return; }
        if (prefix) {
          if (name.indexOf(prefix) !== 0) return;
          name = name.slice(prefix.length);
        }
        var found = exercise.names[name.replace(/ /g, "")];
        if (!found || !byKey[found[0]]) return;
        value = value.trim();
        if (found[1] < 0 && value) value = value.charAt(0) === "-" ? value.slice(1) : "-" + value;   // Err5 = -delta5
        byKey[found[0]].value = value;
      });
      check(panel);
    });
  }

  function writeFragment() {
    var pairs = [];
    panels.forEach(function (panel) {
      var prefix = panel.getAttribute("data-prefix");
      inputsOf(panel).forEach(function (input) {
        var value = input.value.trim();
        if (value) pairs.push(encodeURIComponent(prefix + input.getAttribute("data-name")) + "=" + encodeURIComponent(value));
      });
    });
    var hash = pairs.length ? "#" + pairs.join("&") : "";
    if (hash === location.hash) return;
    if (history.replaceState) history.replaceState(null, "", hash || location.pathname + location.search);
    else location.hash = hash;
  }

  panels.forEach(function (panel) {
    var inputs = inputsOf(panel);
    inputs.forEach(function (input, n) {
      input.addEventListener("input", function () { check(panel); writeFragment(); });
      input.addEventListener("keydown", function (event) {     // Enter: on to the next step
        if (event.key === "Enter" && inputs[n + 1]) { event.preventDefault(); inputs[n + 1].focus(); }
      });
    });
    Array.prototype.forEach.call(panel.querySelectorAll("button.reveal"), function (button) {
      button.addEventListener("click", function () {
        var work = document.getElementById(button.getAttribute("aria-controls"));
        var open = work.hidden;
        work.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        button.textContent = say(open ? "hide" : "show", {});
      });
    });
  });
  window.addEventListener("hashchange", readFragment);
  readFragment();
  document.documentElement.setAttribute("data-ready", "true");
})();
