// Check that TeX snippets render with KaTeX, the way a Markdown viewer would.
//
// stdin:  JSON array of {"tex": string, "display": boolean}
// stdout: JSON array of {"index": i, "error": message} for the snippets that
//         fail to render; [] when all render.
// Exit 0 after a check (whatever its result); 2 if stdin is not such an array
// or KaTeX is not installed.
//
// Example:
//   echo '[{"tex": "\\frac{1}{", "display": false}]' | node tests/support/katex_check.mjs
//   -> [{"index":0,"error":"KaTeX parse error: ..."}]
import { createRequire } from "node:module";

// Resolve katex from the repo root (two levels above this file), never from
// the caller's cwd, so the pinned version in package-lock.json is the one used.
const requireFromRepo = createRequire(new URL("../../package.json", import.meta.url));

function die(message) {
  process.stderr.write(`katex_check: ${message}\n`);
  process.exit(2);
}

let katex;
try {
  katex = requireFromRepo("katex");
} catch (e) {
  die(`cannot load katex from the repo's node_modules (run npm ci): ${e.message}`);
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

let spans;
try {
  spans = JSON.parse(input);
} catch (e) {
  die(`stdin is not JSON: ${e.message}`);
}
if (!Array.isArray(spans)) die("stdin must be a JSON array");

const failures = [];
spans.forEach((span, index) => {
  if (span === null || typeof span.tex !== "string") {
    die(`item ${index} has no string "tex"`);
  }
  try {
    katex.renderToString(span.tex, {
      displayMode: Boolean(span.display),
      throwOnError: true,
      strict: "ignore", // warnings (e.g. unicode in math) are not errors
    });
  } catch (e) {
    failures.push({ index, error: e.message });
  }
});
process.stdout.write(JSON.stringify(failures) + "\n");
