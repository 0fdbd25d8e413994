import { QUIET_ZONE, qrPath } from './qr';

describe('qrPath', () => {
  it('draws a square code with its quiet zone and the three finder patterns', () => {
    const { size, path } = qrPath(
      'https://idp.example/realms/main/device?user_code=ABCD-EFGH'
    );
    const modules = size - 2 * QUIET_ZONE;
    expect((modules - 17) % 4).toBe(0); // QR versions are 21, 25, 29... modules wide
    // The finder patterns' corners are dark: top-left, top-right, bottom-left.
    for (const [x, y] of [
      [0, 0],
      [modules - 1, 0],
      [0, modules - 1]
    ]) {
      expect(path).toContain(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`);
    }
    // Bottom-right has no finder pattern's corner; the quiet zone stays white.
    expect(path).not.toContain(`M0 0h`);
  });

  it('grows with the text', () => {
    expect(qrPath('x'.repeat(200)).size).toBeGreaterThan(qrPath('x').size);
  });
});
