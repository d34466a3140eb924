// Static server for the browser benchmark: the repository root on 127.0.0.1, so one page reaches
// the app's worker (www/), the bench pages (bench/), onnxruntime-web (bench/node_modules) and
// the fixtures (bench/out). No caching headers: cold starts are made cold by a fresh browser context.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.f32': 'application/octet-stream', '.jpg': 'image/jpeg', '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Serve `root` on a free port; resolves to {url, close}. */
export function serve(root) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404).end(`not found: ${rel}`); return; }
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-store' });
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}
