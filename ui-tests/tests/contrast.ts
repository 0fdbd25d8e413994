/**
 * The contrast check of the UI tests (look.spec.ts, redaction.spec.ts).
 */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';

/**
 * Every text/background pair under `selector` whose contrast ratio is under
 * 4.5:1, computed in the page (WCAG relative luminance; backgrounds
 * composited up the tree, opacity applied). Disabled controls are exempt.
 */
export async function lowContrast(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<string[]> {
  return page.evaluate(selector => {
    type RGBA = [number, number, number, number];
    const parse = (text: string): RGBA | null => {
      const srgb = text.match(
        /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/
      );
      if (srgb) {
        return [
          Number(srgb[1]) * 255,
          Number(srgb[2]) * 255,
          Number(srgb[3]) * 255,
          srgb[4] === undefined ? 1 : Number(srgb[4])
        ];
      }
      const rgb = text.match(/rgba?\(([^)]+)\)/);
      if (!rgb) {
        return null;
      }
      const parts = rgb[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0], parts[1], parts[2], parts[3] ?? 1];
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3];
      return [
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1
      ];
    };
    const luminance = (c: RGBA): number => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const background = (element: Element): RGBA => {
      const layers: RGBA[] = [];
      for (
        let node: Element | null = element;
        node;
        node = node.parentElement
      ) {
        const color = parse(getComputedStyle(node).backgroundColor);
        if (color && color[3] > 0) {
          layers.push(color);
          if (color[3] >= 1) {
            break;
          }
        }
      }
      let result: RGBA = [255, 255, 255, 1];
      for (let i = layers.length - 1; i >= 0; i--) {
        result = over(layers[i], result);
      }
      return result;
    };
    const opacity = (element: Element): number => {
      let value = 1;
      for (
        let node: Element | null = element;
        node;
        node = node.parentElement
      ) {
        value *= Number(getComputedStyle(node).opacity);
      }
      return value;
    };
    const failures: string[] = [];
    const check = (element: Element, text: string) => {
      const style = getComputedStyle(element);
      if (
        style.visibility === 'hidden' ||
        element.getClientRects().length === 0 ||
        element.closest('[disabled], [aria-disabled="true"]')
      ) {
        return;
      }
      const fg = parse(style.color);
      if (!fg) {
        return;
      }
      const bg = background(element);
      const seen = over([fg[0], fg[1], fg[2], fg[3] * opacity(element)], bg);
      const [l1, l2] = [luminance(seen), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < 4.5) {
        failures.push(
          `${ratio.toFixed(2)}:1 "${text.trim().slice(0, 40)}" (${style.color} on rgb(${bg
            .slice(0, 3)
            .map(Math.round)
            .join(', ')}))`
        );
      }
    };
    for (const root of document.querySelectorAll(selector)) {
      for (const element of [root, ...root.querySelectorAll('*')]) {
        if (element instanceof HTMLInputElement && element.value) {
          check(element, element.value);
          continue;
        }
        const text = [...element.childNodes]
          .filter(node => node.nodeType === Node.TEXT_NODE)
          .map(node => node.textContent ?? '')
          .join('');
        if (text.trim()) {
          check(element, text);
        }
      }
    }
    return failures;
  }, selector);
}
