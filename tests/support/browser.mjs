// Drive Debian's chromium (headless) over a generated page, for tests/test_html_browser.py.
//
// stdin: JSON {"page": path, "actions": [...]} ; stdout: JSON {"results": [...], "requests": [...],
// "errors": [...]}.  Actions, run in order:
//   {"do": "open", "fragment": "#net_h1=0.3775", "width": 1000, "height": 800}
//   {"do": "verdicts"}                       -> {KEY: [data-verdict, text]} of every verdict element
//   {"do": "progress"}                       -> the progress elements' text and data-* counts
//   {"do": "type", "key": "net[1,1]", "text": "0.3775", "question": ""}   (keystrokes into the input)
//   {"do": "hash"}                           -> location.hash
//   {"do": "tab", "count": N}                -> the data-key (or tag) of the focused element after each Tab
//   {"do": "click", "selector": "..."}       -> (clicks the first match)
//   {"do": "eval", "js": "expression"}       -> its value
//   {"do": "overflow"}                       -> {scrollWidth, innerWidth}
//   {"do": "fonts"}                          -> {used: [KaTeX families on rendered text], failed: [...]}
//   {"do": "screenshot", "path": "x.png", "full": false}
// Every request the page makes is recorded (URL), so a test can assert it makes none but itself.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const requireFromRepo = createRequire(new URL("../../package.json", import.meta.url));
const { chromium } = requireFromRepo("playwright-core");

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const url = pathToFileURL(path.resolve(job.page)).href;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "derive-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.DERIVE_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const requests = [], errors = [], results = [];
let page = null;
try {
  for (const action of job.actions) {
    if (action.do === "open") {
      if (page) await page.close();
      page = await context.newPage();
      page.on("request", (r) => requests.push(r.url()));
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      await page.setViewportSize({ width: action.width || 1000, height: action.height || 800 });
      await page.goto(url + (action.fragment || ""), { waitUntil: "load" });
      await page.waitForSelector("html[data-ready=true]", { state: "attached", timeout: 10000 }).catch((e) => errors.push("page not ready: " + e.message.split("\n")[0]));
      results.push(null);
    } else if (action.do === "verdicts") {
      results.push(await page.evaluate(() => {
        const out = {};
        document.querySelectorAll("[data-verdict-for]").forEach((el) => {
          const panel = el.closest("section.practice");
          const id = (panel ? panel.dataset.prefix : "") + el.dataset.verdictFor;
          out[id] = [el.dataset.verdict, el.textContent];
        });
        return out;
      }));
    } else if (action.do === "progress") {
      results.push(await page.evaluate(() => Array.from(document.querySelectorAll("[data-progress-for]")).map(
        (el) => ({ text: el.textContent, correct: el.dataset.correct, consistent: el.dataset.consistent,
                   wrong: el.dataset.wrong, missing: el.dataset.missing }))));
    } else if (action.do === "type") {
      const panel = `section.practice[data-prefix="${action.question || ""}"]`;
      const box = page.locator(`${panel} input[data-key="${action.key}"]`);
      await box.fill("");
      await box.pressSequentially(action.text);
      results.push(null);
    } else if (action.do === "hash") {
      results.push(await page.evaluate(() => location.hash));
    } else if (action.do === "tab") {
      const seen = [];
      for (let n = 0; n < action.count; n++) {
        await page.keyboard.press("Tab");
        seen.push(await page.evaluate(() => {
          const el = document.activeElement;
          return el.dataset && el.dataset.key ? el.dataset.key : el.tagName.toLowerCase() + (el.className ? "." + el.className : "");
        }));
      }
      results.push(seen);
    } else if (action.do === "press") {
      await page.keyboard.press(action.key);
      results.push(await page.evaluate(() => document.activeElement.dataset.key || document.activeElement.tagName));
    } else if (action.do === "click") {
      await page.locator(action.selector).first().click();
      results.push(null);
    } else if (action.do === "eval") {
      results.push(await page.evaluate(action.js));
    } else if (action.do === "overflow") {
      results.push(await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth,
                                                innerWidth: window.innerWidth })));
    } else if (action.do === "fonts") {
      results.push(await page.evaluate(async () => {
        await document.fonts.ready;
        const used = new Set();
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode;
          if (!node.textContent.trim() || !node.parentElement.closest(".katex-html")) continue;
          const el = node.parentElement;
          if (el.closest("[hidden]")) continue;
          used.add(getComputedStyle(el).fontFamily.split(",")[0].trim().replace(/"/g, "") + "/" +
                   (getComputedStyle(el).fontStyle) + "/" + getComputedStyle(el).fontWeight);
        }
        const faces = Array.from(document.fonts).map((f) => ({ family: f.family.replace(/"/g, ""), style: f.style,
                                                            weight: f.weight, status: f.status }));
        return { used: Array.from(used).sort(), faces };
      }));
    } else if (action.do === "screenshot") {
      await page.screenshot({ path: action.path, fullPage: Boolean(action.full) });
      results.push(null);
    } else {
      throw new Error("unknown action " + action.do);
    }
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({ results, requests, errors }) + "\n");
