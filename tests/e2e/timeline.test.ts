/**
 * The timeline in Chromium, two people: Ada writes, names a version, rewrites; she opens the timeline,
 * previews the older point read-only, compares it with now and two earlier points with each other, and
 * restores it; Bob's browser shows the restored text, and the restore is in the timeline.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  editorText,
  twoPeopleInOneDocument,
  saveScreenshot,
} from '../helpers/browser.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/timeline.png');

describe.skipIf(!browserTestsEnabled())('timeline: preview, compare, restore', () => {
  const env = twoPeopleInOneDocument('timeline');

  it('previews an older point, compares it, and restores it for everyone', async () => {
    const { page } = env.ada;
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('The original plan.');
    await expect.poll(() => editorText(env.bob.page)).toBe('The original plan.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();

    // Open the timeline and name this version.
    await page.getByTestId('timeline-toggle').click();
    await page.getByTestId('timeline-panel').waitFor();
    await page.getByTestId('timeline-session').first().waitFor();
    await page.getByTestId('timeline-name-version').fill('First draft');
    await page.getByTestId('timeline-name-version').press('Enter');
    await page.getByTestId('timeline-version').filter({ hasText: 'First draft' }).waitFor();

    // A bad afternoon: the text is replaced.
    await page.locator('.ProseMirror').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Something else entirely.');
    await expect.poll(() => editorText(env.bob.page)).toBe('Something else entirely.');

    // Preview the named version: read-only, in place of the editor, with the banner.
    await page.getByTestId('timeline-version').filter({ hasText: 'First draft' }).click();
    const preview = page.getByTestId('timeline-preview');
    await preview.waitFor();
    await expect.poll(() => preview.locator('.ProseMirror').textContent()).toBe('The original plan.');
    expect(await preview.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false');
    expect(await preview.textContent()).toContain('Viewing');
    expect(await page.getByTestId('timeline-live').isVisible()).toBe(false);

    // Scrubbing to the very first change previews that point too.
    await page.getByTestId('timeline-scrubber').fill('1');
    await expect.poll(() => preview.locator('.ProseMirror').textContent()).toBe('T');
    await page.getByTestId('timeline-version').filter({ hasText: 'First draft' }).click();
    await expect.poll(() => preview.locator('.ProseMirror').textContent()).toBe('The original plan.');

    // Compare with now: deletions and insertions are marked, in Ada's colour.
    await page.getByTestId('timeline-compare').click();
    await preview.locator('ychange[data-ychange="removed"]').first().waitFor();
    await preview.locator('ychange[data-ychange="added"]').first().waitFor();
    const removed = (await preview.locator('ychange[data-ychange="removed"]').allTextContents()).join('');
    const added = (await preview.locator('ychange[data-ychange="added"]').allTextContents()).join('');
    expect(removed).toContain('original plan');
    expect(added).toContain('else entirely');
    expect(await page.getByTestId('timeline-legend').textContent()).toContain('Ada Lovelace');
    await saveScreenshot(page, SCREENSHOT);

    // Compare two earlier points: from the very first change to the named version, only what was typed
    // in between is marked, and nothing as deleted.
    await page.getByTestId('timeline-scrubber').fill('1');
    await expect.poll(() => page.getByTestId('timeline-compare-with').inputValue()).toBe('now');
    const picker = page.getByTestId('timeline-compare-with');
    const draftOption = await picker.locator('option', { hasText: 'First draft' }).getAttribute('value');
    await picker.selectOption(draftOption ?? 'missing');
    await expect.poll(async () => (await preview.locator('ychange[data-ychange="added"]').allTextContents()).join('')).toBe('he original plan.');
    expect(await preview.locator('ychange[data-ychange="removed"]').count()).toBe(0);
    expect(await preview.locator('.ProseMirror').textContent()).toBe('The original plan.');

    // Picked the other way round (the newer point shown, the older one picked), the diff still runs forward.
    const rewrite = page.getByTestId('timeline-session').filter({ hasText: '+24' });
    await rewrite.waitFor();
    await rewrite.click();
    await picker.selectOption(draftOption ?? 'missing');
    await expect.poll(async () => (await preview.locator('ychange[data-ychange="added"]').allTextContents()).join('')).toBe('Something else entirely.');
    expect((await preview.locator('ychange[data-ychange="removed"]').allTextContents()).join('')).toBe('The original plan.');

    // Selecting the version itself compares it with now (a point against itself would show nothing).
    await page.getByTestId('timeline-version').filter({ hasText: 'First draft' }).click();
    await expect.poll(() => picker.inputValue()).toBe('now');
    await expect.poll(async () => (await preview.locator('ychange[data-ychange="added"]').allTextContents()).join('')).toContain('else entirely');

    // Restore, with confirmation: both browsers converge on the restored text.
    await page.getByTestId('timeline-restore').click();
    await page.getByTestId('timeline-restore-confirm').click();
    await preview.waitFor({ state: 'detached' });
    await expect.poll(() => editorText(page)).toBe('The original plan.');
    await expect.poll(() => editorText(env.bob.page)).toBe('The original plan.');
    await page.locator('.timeline-item--restore').first().waitFor();
    expect(await page.locator('.timeline-item--restore').first().textContent()).toContain('Ada Lovelace restored');

    // Bob keeps editing the restored text normally.
    await env.bob.page.locator('.ProseMirror').click();
    await env.bob.page.keyboard.press('End');
    await env.bob.page.keyboard.type(' Agreed.');
    await expect.poll(() => editorText(page)).toBe('The original plan. Agreed.');
    expect(env.ada.errors).toEqual([]);
    expect(env.bob.errors).toEqual([]);
  });
});
