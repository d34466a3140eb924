// How many of the formulas a capture found the live boxes found: the rule tests/e2e/live.test.mjs
// asserts and bench/live_recall.mjs measures over many frames. A live box finds a captured formula
// when it covers at least half of it and is not much larger (one box over the whole sheet would
// otherwise cover everything).
import { bounds, coveredShare } from '../../www/lib/live-tiles.js';

const area = (b) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

/** The captured quads that some live quad finds (quads in the frame's pixels). */
export function foundByLive(captured, live) {
  const liveBoxes = live.map(bounds);
  return captured.filter((q) => {
    const c = bounds(q);
    return liveBoxes.some((l) => coveredShare(c, l) >= 0.5 && area(l) <= 4 * area(c));
  });
}
