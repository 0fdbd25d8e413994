/**
 * Playwright configuration of the in-browser benchmarks: the sidebar filter
 * (filter.bench.spec.ts) and the palette picker (palette-picker.bench.spec.ts).
 *
 * Run by bench/filter_keystroke.py and bench/palette_picker.py (through
 * bench/_browser_bench.py), which start OpenBao and `jupyter lab` themselves
 * and pass BENCH_SPEC (the spec to run), BENCH_BASE_URL, BENCH_INPUT (the key
 * script, JSON) and BENCH_OUTPUT (where the measurements go, JSON). No
 * webServer here: the Python script owns every process and stops them at the
 * end.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const launchOptions = require('../chromium');

module.exports = {
  ...baseConfig,
  testDir: __dirname,
  testMatch: process.env.BENCH_SPEC || '*.bench.spec.ts',
  outputDir:
    process.env.BENCH_OUTPUT_DIR ||
    path.resolve(__dirname, '..', 'test-results', 'bench'),
  reporter: [['list']],
  retries: 0,
  workers: 1,
  timeout: 20 * 60_000,
  expect: { timeout: 15_000 },
  use: {
    ...baseConfig.use,
    baseURL: process.env.BENCH_BASE_URL || 'http://127.0.0.1:18890',
    launchOptions,
    video: 'off',
    trace: 'off'
  }
};
