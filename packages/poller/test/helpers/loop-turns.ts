/**
 * Counts the turns of the event loop: a callback in each check phase (setImmediate, queued again
 * each time) adds one. Keeps the loop spinning while it counts: `stop()` once done.
 */
export function countLoopTurns(): { readonly turn: number; stop(): void } {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turn() {
      return turn;
    },
    stop() {
      running = false;
    },
  };
}

/** Keeps the thread busy for `ms` (work that holds the event loop, as parsing a page does). */
export function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}
