// Minimal SVG path toolkit for MathJax glyph outlines: parse to absolute commands, map every point
// through a function (used for hand-drawn wobble and glyph placement), and serialise back.
// MathJax emits absolute M/L/H/V/Q/T/C/Z only; relative commands are converted to absolute anyway.

const TOKEN = /[MLHVQTCSZmlhvqtcsz]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/g;
const ARITY = { M: 2, L: 2, H: 1, V: 1, Q: 4, T: 2, C: 6, S: 4, Z: 0 };

/** Parse `d` into [{type, pts: [[x,y],...]}] with absolute coordinates; H/V become L. */
export function parsePath(d) {
  const toks = d.match(TOKEN) || [];
  const out = [];
  let i = 0, cmd = null, cx = 0, cy = 0, sx = 0, sy = 0;
  while (i < toks.length) {
    if (/^[A-Za-z]$/.test(toks[i])) { cmd = toks[i++]; if (cmd === 'Z' || cmd === 'z') { out.push({ type: 'Z', pts: [] }); cx = sx; cy = sy; continue; } }
    if (cmd === null) break;
    const up = cmd.toUpperCase(), rel = cmd !== up, n = ARITY[up];
    if (!n || i + n > toks.length) break;
    const v = toks.slice(i, i + n).map(Number);
    i += n;
    let pts;
    if (up === 'H') pts = [[rel ? cx + v[0] : v[0], cy]];
    else if (up === 'V') pts = [[cx, rel ? cy + v[0] : v[0]]];
    else {
      pts = [];
      for (let k = 0; k < n; k += 2) pts.push(rel ? [cx + v[k], cy + v[k + 1]] : [v[k], v[k + 1]]);
    }
    const type = up === 'H' || up === 'V' ? 'L' : up;
    out.push({ type, pts });
    [cx, cy] = pts[pts.length - 1];
    if (up === 'M') { sx = cx; sy = cy; cmd = rel ? 'l' : 'L'; }
  }
  return out;
}

/** Convert opentype.js path commands (font units, y up) to our command form. */
export function fromOpentype(commands) {
  return commands.map((c) => {
    if (c.type === 'Z') return { type: 'Z', pts: [] };
    if (c.type === 'Q') return { type: 'Q', pts: [[c.x1, c.y1], [c.x, c.y]] };
    if (c.type === 'C') return { type: 'C', pts: [[c.x1, c.y1], [c.x2, c.y2], [c.x, c.y]] };
    return { type: c.type, pts: [[c.x, c.y]] };
  });
}

export function bbox(cmds) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const c of cmds) for (const [x, y] of c.pts) {
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  return x0 === Infinity ? null : { x0, y0, x1, y1, w: x1 - x0, h: y1 - y0, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
}

export function mapPath(cmds, f) {
  return cmds.map((c) => ({ type: c.type, pts: c.pts.map(([x, y]) => f(x, y)) }));
}

export function serialise(cmds) {
  const r = (v) => Math.round(v * 10) / 10;
  return cmds.map((c) => c.type + c.pts.map(([x, y]) => `${r(x)} ${r(y)}`).join(' ')).join('');
}
