// Renders every formula given on stdin (one a line) with KaTeX, throwOnError: true.
// Prints a summary; exits 1 if any formula fails, listing the first failures.
// Usage: python3 -m training.datagen.dump_formulas --count 10000 | node training/datagen/node/katex_check.mjs
import readline from 'node:readline';
import katex from 'katex';

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let n = 0;
const failures = [];
const t0 = Date.now();
rl.on('line', (line) => {
  if (!line.trim()) return;
  n += 1;
  try {
    katex.renderToString(line, { throwOnError: true, displayMode: true, strict: 'ignore' });
  } catch (e) {
    failures.push(`${line}\n    ${String(e.message).split('\n')[0]}`);
  }
});
rl.on('close', () => {
  console.log(`katex_check: ${n} formulas, ${failures.length} failed (KaTeX ${katex.version}, ${Date.now() - t0} ms)`);
  for (const f of failures.slice(0, 20)) console.log('  FAIL ' + f);
  process.exit(failures.length || n === 0 ? 1 : 0);
});
