// Injected into every JupyterLab page of the benchmark (Playwright
// add_init_script) before the page's own scripts run.
//
// A MutationObserver watches the whole document. When text inside a cell's
// output area changes, it looks for the bench tokens of the offline provider,
// "⟦<sequence>|<unix µs sent>⟧", and records when each sequence number first
// appeared in the DOM, in unix microseconds (performance.timeOrigin +
// performance.now(), the same machine clock the provider stamps tokens with).
//
// Text is scanned from its end backwards and the scan stops at the first token
// already seen: outputs grow at their end, so the cost of a mutation is the
// size of what is new, not of the whole answer. bench/run.py checks the final
// output text afterwards and counts tokens this shortcut would have missed.
//
// window.__bench is the driver's handle:
//   reset(n)   start a measurement of an answer of n tokens
//   count      how many tokens have appeared so far
//   result()   {runAt, appear: [µs or null], sent: [µs or null], batches, busyMs}
// busyMs is the time spent in this observer: its own cost to the page.
// runAt is when Shift+Enter was pressed (keydown, capture phase).
(() => {
  if (window.__bench) {
    return;
  }
  const OPEN = "\u27e6";
  const CLOSE = "\u27e7";
  const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
  const B = {
    n: 0,
    appear: null,
    sent: null,
    runAt: 0,
    batches: 0,
    count: 0,
    busyMs: 0,
    reset(n) {
      this.n = n;
      this.appear = new Float64Array(n).fill(NaN);
      this.sent = new Float64Array(n).fill(NaN);
      this.runAt = 0;
      this.batches = 0;
      this.count = 0;
      this.busyMs = 0;
      return true;
    },
    result() {
      const list = (a) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
      return {
        runAt: this.runAt,
        appear: list(this.appear || []),
        sent: list(this.sent || []),
        batches: this.batches,
        busyMs: this.busyMs,
      };
    },
  };
  window.__bench = B;

  function scan(s, t) {
    let end = s.length;
    while (end > 0) {
      const open = s.lastIndexOf(OPEN, end - 1);
      if (open < 0) {
        return;
      }
      const close = s.indexOf(CLOSE, open);
      const bar = s.indexOf("|", open);
      if (close < 0 || close >= end || bar < 0 || bar > close) {
        end = open; // a marker cut at the end of this text
        continue;
      }
      const seq = parseInt(s.slice(open + 1, bar), 10);
      if (seq >= 0 && seq < B.n) {
        if (!Number.isNaN(B.appear[seq])) {
          return; // seen before: so is everything before it
        }
        B.appear[seq] = t;
        B.count++;
        B.sent[seq] = parseInt(s.slice(bar + 1, close), 10);
      }
      end = open;
    }
  }

  function consider(node, t) {
    if (!node.isConnected) {
      return; // replaced before it could be painted
    }
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el || !el.closest(".jp-OutputArea")) {
      return;
    }
    const s = node.textContent;
    if (s && s.indexOf(OPEN) >= 0) {
      scan(s, t);
    }
  }

  const observer = new MutationObserver((records) => {
    if (!B.n) {
      return;
    }
    const t0 = performance.now();
    const t = (performance.timeOrigin + t0) * 1000;
    B.batches++;
    for (const r of records) {
      if (r.type === "characterData") {
        consider(r.target, t);
      } else {
        for (const node of r.addedNodes) {
          consider(node, t);
        }
      }
    }
    B.busyMs += performance.now() - t0;
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });

  window.addEventListener(
    "keydown",
    (e) => {
      if (e.key === "Enter" && e.shiftKey) {
        B.runAt = nowUs();
      }
    },
    true,
  );
})();
