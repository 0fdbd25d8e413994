/**
 * In-page helpers shared by the keystroke benchmarks (filter.bench.spec.ts,
 * palette-picker.bench.spec.ts). Each runs in the page through
 * page.evaluate, so it must be self-contained (no imports, no closures).
 */

/** One idle frame: its rAF timestamp, the rAF callback, the task after it. */
export interface IIdleFrame {
  rafTs: number;
  tRaf: number;
  tPaint: number;
}

/** Runs in the page: `count` frames with no work (rAF to the task after it). */
export async function idleFrames(count: number): Promise<IIdleFrame[]> {
  const frames: IIdleFrame[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(
      await new Promise<IIdleFrame>(resolve => {
        requestAnimationFrame(rafTs => {
          const tRaf = performance.now();
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            channel.port1.close();
            resolve({ rafTs, tRaf, tPaint: performance.now() });
          };
          channel.port2.postMessage(null);
        });
      })
    );
  }
  return frames;
}
