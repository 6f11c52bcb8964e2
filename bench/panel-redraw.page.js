// Runs inside the panel's page (bench/panel-redraw.ts evaluates this function expression there): posts
// the `append` batches on a timer, as the host does, and records every animation frame's interval and
// every chart redraw (the panel's `imlp:redraw:<chart>` performance measures) until the last batch is drawn.
async ({ runId, points, batch, intervalMs, epoch }) => {
  const frames = [];
  const redraws = {};
  const lossRedraws = [];
  const lossEl = document.getElementById('loss-chart');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const chart = e.name.replace('imlp:redraw:', '');
      (redraws[chart] ??= []).push(e.duration);
      if (chart === 'loss') lossRedraws.push({ points: e.detail.points, ms: e.duration });
    }
  }).observe({ type: 'measure' });
  let last = performance.now();
  let recording = true;
  const tick = (t) => {
    frames.push(t - last);
    last = t;
    if (recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // A seeded generator: every run streams the same curves.
  let state = 1;
  const rand = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const start = performance.now();
  for (let from = 1; from <= points; from += batch) {
    const steps = Array.from({ length: Math.min(batch, points - from + 1) }, (_, i) => from + i);
    const atEpoch = steps.filter((s) => s % epoch === 0);
    const series = {
      runId,
      steps,
      loss: steps.map((s) => 2.3 * Math.exp(-s / 8000) + 0.05 + 0.1 * rand()),
      priorLoss: steps.map((s) => 2.3 * Math.exp(-s / 5000) + 0.03 + 0.08 * rand()),
      evals: atEpoch.map((s) => ({ step: s, accuracy: 0.98 - 0.7 * Math.exp(-s / 6000), loss: 0.1, priorAccuracy: 0.99 - 0.6 * Math.exp(-s / 4000) })),
      syncs: atEpoch.map((s) => ({ step: s, alpha: 0.1 })),
    };
    window.postMessage({ type: 'append', series, currentStep: steps[steps.length - 1] }, '*');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const streamMs = performance.now() - start;
  while (Number(lossEl.dataset.points) < points) await new Promise((r) => requestAnimationFrame(r));
  await new Promise((r) => requestAnimationFrame(r));
  recording = false;
  return { frames: frames.slice(1), redraws, lossRedraws, streamMs, pointsHeld: Number(lossEl.dataset.points), lossRedrawCount: Number(lossEl.dataset.redraws) };
}
