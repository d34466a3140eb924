#!/usr/bin/env node
// Write www/precache.json: the files the service worker (www/sw.js) precaches, and a version
// (hash of their contents) that names the cache. Run by scripts/build_web.sh after every build.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'www');
const skip = (rel) =>
  rel === 'precache.json' || rel === 'sw.js' || rel.startsWith('examples/') || rel.endsWith('.d.ts') ||
  rel.endsWith('.gitignore') || rel.endsWith('.npmignore') || rel === 'pkg/package.json' || rel.endsWith('.md') ||
  (rel.startsWith('vendor/katex/fonts/') && !rel.endsWith('.woff2'));
export function writePrecache(www = WWW) {
  const files = [];
  (function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      const rel = path.relative(www, p).split(path.sep).join('/');
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !skip(rel)) files.push(rel);
    }
  })(www);
  const h = crypto.createHash('sha256');
  for (const f of [...files, 'sw.js']) {
    h.update(f);
    h.update(fs.readFileSync(path.join(www, f)));
  }
  const version = h.digest('hex').slice(0, 16);
  fs.writeFileSync(path.join(www, 'precache.json'), JSON.stringify({ version, files: ['./', ...files] }, null, 1) + '\n');
  return { version, count: files.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { version, count } = writePrecache();
  console.error(`[precache] www/precache.json: ${count} files, version ${version}`);
}
