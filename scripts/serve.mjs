#!/usr/bin/env node
// Tiny static server for the mathsnap web app (www/), bound to 127.0.0.1.
//   node scripts/serve.mjs            -> http://127.0.0.1:8080/   ($PORT overrides; PORT=0 picks a free port)
// Serves correct MIME types (application/wasm), a strict CSP and ETag/304 revalidation.
// KaTeX is served from www/vendor/katex (copied by scripts/build_web.sh) or, if that copy
// is missing, straight from node_modules/katex/dist.
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

function resolveFile(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const candidates = [];
  const full = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  candidates.push(full);
  // Fallback: KaTeX straight from node_modules when www/vendor/katex was not copied.
  const m = /^\/vendor\/katex\/(.*)$/.exec(path.posix.normalize('/' + rel));
  if (m) {
    const dist = path.join(REPO, 'node_modules', 'katex', 'dist');
    const alt = path.resolve(dist, '.' + path.posix.normalize('/' + m[1]));
    if (alt.startsWith(dist + path.sep)) candidates.push(alt);
  }
  return candidates;
}

async function statFile(p) {
  try {
    let st = await fsp.stat(p);
    if (st.isDirectory()) {
      p = path.join(p, 'index.html');
      st = await fsp.stat(p);
    }
    return st.isFile() ? { p, st } : null;
  } catch {
    return null;
  }
}

export function createServer({ root = path.join(REPO, 'www'), log = false } = {}) {
  root = path.resolve(root);
  return http.createServer(async (req, res) => {
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(self), microphone=()',
    };
    const send = (code, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      // A photo shared into the installed app before its service worker runs (first visit, or
      // offline data removed) reaches the server, which never receives images: send the app
      // to its "could not be received" notice instead of a bare 405.
      if (req.method === 'POST' && new URL(req.url, 'http://localhost').pathname.endsWith('/share-target')) {
        req.resume();
        res.writeHead(303, { ...headers, Location: './?share=error', 'Cache-Control': 'no-store' });
        return res.end();
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(405, 'method not allowed\n');
      }
      const url = new URL(req.url, 'http://localhost');
      const cands = resolveFile(root, url.pathname);
      if (!cands) return send(400, 'bad path\n');
      let found = null;
      for (const c of cands) {
        found = await statFile(c);
        if (found) break;
      }
      if (!found) {
        if (log) console.log(`404 ${url.pathname}`);
        return send(404, `not found: ${url.pathname}\n`);
      }
      if (url.pathname.endsWith('/') === false && cands[0] && found.p.endsWith(path.sep + 'index.html') &&
          !url.pathname.endsWith('index.html')) {
        // Directory without trailing slash: redirect so relative URLs resolve.
        res.writeHead(301, { ...headers, Location: url.pathname + '/' + url.search });
        return res.end();
      }
      const { p, st } = found;
      const type = MIME[path.extname(p).toLowerCase()] || 'application/octet-stream';
      const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const h = {
        ...headers,
        'Content-Type': type,
        'Cache-Control': 'no-cache',
        ETag: etag,
        'Last-Modified': st.mtime.toUTCString(),
      };
      if (p.endsWith('sw.js')) h['Service-Worker-Allowed'] = '/';
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, h);
        return res.end();
      }
      h['Content-Length'] = st.size;
      res.writeHead(200, h);
      if (req.method === 'HEAD') return res.end();
      if (log) console.log(`200 ${url.pathname}`);
      const stream = fs.createReadStream(p);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (e) {
      if (!res.headersSent) send(500, 'server error\n');
      else res.destroy();
    }
  });
}

/** Start on 127.0.0.1; resolves {server, port, url, close()}. */
export async function startServer({ port = 0, host = '127.0.0.1', root, log = false } = {}) {
  const server = createServer({ root, log });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}/`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = process.env.PORT !== undefined && process.env.PORT !== '' ? Number(process.env.PORT) : 8080;
  const root = process.env.MATHSNAP_WWW || path.join(REPO, 'www');
  if (!fs.existsSync(path.join(root, 'pkg', 'mathsnap_bg.wasm'))) {
    console.warn('warning: www/pkg/mathsnap_bg.wasm is missing: run `bash scripts/build_web.sh` first');
  }
  if (fs.existsSync(path.join(root, 'precache.json'))) {
    // Keep the offline cache in step with files edited since the last build (new version -> new cache).
    const { writePrecache } = await import('./precache.mjs');
    writePrecache(root);
  }
  const s = await startServer({ port, root, log: !!process.env.VERBOSE });
  console.log(`mathsnap is being served at ${s.url}  (Ctrl+C to stop)`);
  const stop = () => s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
