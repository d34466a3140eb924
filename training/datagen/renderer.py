"""Client of the node render worker (node/render_worker.mjs): one long-lived process per generator,
formulas sent as JSON lines, PNGs back. Returns ink coverage as a float32 array (1 = ink)."""
import base64
import json
import os
import subprocess

import cv2
import numpy as np

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


class RenderError(Exception):
    pass


class Renderer:
    def __init__(self):
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
            subprocess.run(["npm", "ci", "--silent"], cwd=NODE_DIR, check=True)
        self.proc = subprocess.Popen(["node", "render_worker.mjs"], cwd=NODE_DIR, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.next_id = 0

    def _ask(self, req):
        self.next_id += 1
        req["id"] = self.next_id
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("render worker died")
        rep = json.loads(line)
        if not rep["ok"]:
            raise RenderError(rep["error"])
        return rep

    def keys(self, tex):
        """The glyphs MathJax lays out for `tex`, as plain characters in document order."""
        return self._ask({"tex": tex, "keys": True})["keys"]

    def render(self, tex, style, em=None, height=None, check=None):
        """Ink coverage (float32 HxW in 0..1) of `tex` drawn in `style` at `em` px per em (or fitted to `height` px).
        `check` (the label) must render in KaTeX too; raises RenderError otherwise."""
        rep = self._ask({"tex": tex, "check": check, "style": style, "em": em, "height": height})
        rgba = cv2.imdecode(np.frombuffer(base64.b64decode(rep["png"]), np.uint8), cv2.IMREAD_UNCHANGED)
        if rgba is None or rgba.ndim != 3:
            raise RenderError("empty image")
        return rgba[:, :, 3].astype(np.float32) / 255.0

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
