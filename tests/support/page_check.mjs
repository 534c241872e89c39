// Check answer sheets with the checker a generated page embeds, under Node.
//
// stdin:  JSON {"page": path of an .html page, "sheets": [{"exercise": "solution",
//         "lines": [[name, text or null], ...], "tolerance": null | {"kind", "amount"},
//         "asks": null (the exercise's) | [[name, key], ...]}, ...]}
// stdout: JSON array, one {"entries": [...], "counts": {...}} per sheet (DeriveCheck.check).
//
// It runs the page's own <script data-derive="check"> and every <script data-derive="exercise">
// (the very text the browser runs), in one fresh context: no copy of the rules is involved.
import fs from "node:fs";
import vm from "node:vm";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const html = fs.readFileSync(job.page, "utf8");
const context = vm.createContext({});
let found = 0;
for (const match of html.matchAll(/<script data-derive="(check|exercise)">([\s\S]*?)<\/script>/g)) {
  vm.runInContext(match[2], context, { filename: `${job.page}#${match[1]}` });
  found += 1;
}
if (!found || !context.DeriveCheck) {
  process.stderr.write(`page_check: no checker scripts in ${job.page}\n`);
  process.exit(2);
}
const results = job.sheets.map((sheet) => {
  const exercise = context.DERIVE_EXERCISES[sheet.exercise || "solution"];
  try {
    return context.DeriveCheck.check(exercise, sheet.lines, { tolerance: sheet.tolerance || null, asks: sheet.asks || null });
  } catch (e) {
    return { error: String(e) };
  }
});
process.stdout.write(JSON.stringify(results) + "\n");
