import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';

/**
 * Run a command from the modal command palette by typing its label, as a
 * user does, exactly once.
 *
 * On a busy machine focus moves late (a notebook that is still opening takes
 * it): the modal palette closes when it loses the focus, so the shortcut, the
 * typed label or the Enter can land elsewhere. The page counts the command's
 * runs (the registry's `commandExecuted` signal), and the palette is opened
 * again until the command has run: never twice, never zero times.
 *
 * @param label what the user types (the active item must show it)
 * @param id the command's id, to count its runs
 */
export async function runFromPalette(
  page: IJupyterLabPageFixture,
  label: string,
  id: string
): Promise<void> {
  const runs = await runCounter(page, id);
  const before = await runs();
  const input = page.locator('#modal-command-palette .lm-CommandPalette-input');
  const active = page.locator(
    '#modal-command-palette .lm-CommandPalette-item.lm-mod-active'
  );
  await expect(async () => {
    if ((await runs()) > before) {
      return;
    }
    if (await input.isVisible()) {
      await input.focus();
    } else {
      await page.keyboard.press('Control+Shift+C');
    }
    await expect(input).toBeFocused({ timeout: 3000 });
    await input.fill(label);
    await expect(active).toContainText(label, { timeout: 3000 });
    await input.press('Enter');
    // The palette runs the command while it handles the key.
    expect(await runs()).toBe(before + 1);
  }).toPass({ timeout: 60_000 });
  expect(await runs()).toBe(before + 1);
}

/**
 * Run a command by its keyboard shortcut, exactly once: pressed again (after
 * `refocus`) only while the command has not run (a shortcut pressed while the
 * focus moves can land nowhere).
 *
 * @param keys the shortcut, as playwright names it
 * @param id the command's id, to count its runs
 * @param refocus puts the focus where the shortcut applies
 */
export async function runByShortcut(
  page: IJupyterLabPageFixture,
  keys: string,
  id: string,
  refocus: () => Promise<void>
): Promise<void> {
  const runs = await runCounter(page, id);
  const before = await runs();
  await expect(async () => {
    if ((await runs()) > before) {
      return;
    }
    await refocus();
    await page.keyboard.press(keys);
    expect(await runs()).toBe(before + 1);
  }).toPass({ timeout: 60_000 });
  expect(await runs()).toBe(before + 1);
}

/** How many times the command `id` has run in the page (counted from the first call). */
async function runCounter(
  page: IJupyterLabPageFixture,
  id: string
): Promise<() => Promise<number>> {
  await page.evaluate(commandId => {
    const w = window as unknown as { __vaultJwtRuns?: Record<string, number> };
    const runs = (w.__vaultJwtRuns ??= {});
    if (runs[commandId] === undefined) {
      runs[commandId] = 0;
      window.jupyterapp.commands.commandExecuted.connect((_, args) => {
        if (args.id === commandId) {
          runs[commandId] += 1;
        }
      });
    }
  }, id);
  return () =>
    page.evaluate(
      commandId =>
        (window as unknown as { __vaultJwtRuns: Record<string, number> })
          .__vaultJwtRuns[commandId],
      id
    );
}
