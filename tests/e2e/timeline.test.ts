/**
 * The timeline in Chromium, two people: Ada writes, names a version, rewrites; she opens the timeline,
 * previews the older point read-only, compares it with now and two earlier points with each other, and
 * restores it; Bob's browser shows the restored text, and the restore is in the timeline. Then, in a second
 * document: a restore is told to both in words, naming who restored which version, and undone from the
 * banner (Ada's Undo, Bob's Undo restore) and with Ctrl+Z (by whoever restored, before they type).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  editorText,
  twoPeopleInOneDocument,
  saveScreenshot,
} from '../helpers/browser.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/timeline.png');
/** Where the restore banner's screenshots go when RESTORE_SCREENSHOTS is set (looked at by hand, not tracked). */
const RESTORE_SCREENSHOTS = process.env.RESTORE_SCREENSHOTS;

/** Opens the timeline and names the current state `name`. */
async function nameVersion(page: Page, name: string): Promise<void> {
  await page.getByTestId('timeline-toggle').click();
  await page.getByTestId('timeline-panel').waitFor();
  await page.getByTestId('timeline-session').first().waitFor();
  await page.getByTestId('timeline-name-version').fill(name);
  await page.getByTestId('timeline-name-version').press('Enter');
  await page.getByTestId('timeline-version').filter({ hasText: name }).waitFor();
}

/** Replaces the whole text in `page`'s editor and waits until `watcher` has it. */
async function replaceAllText(page: Page, text: string, watcher: Page): Promise<void> {
  await page.locator('.ProseMirror').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
  await expect.poll(() => editorText(watcher)).toBe(text);
}

async function restoreScreenshot(page: Page, name: string, phone = false): Promise<void> {
  if (!RESTORE_SCREENSHOTS) return;
  const viewport = page.viewportSize();
  if (phone) await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(RESTORE_SCREENSHOTS, `${name}.png`) });
  if (phone && viewport) await page.setViewportSize(viewport);
}

describe.skipIf(!browserTestsEnabled())('timeline: preview, compare, restore', () => {
  const env = twoPeopleInOneDocument('timeline');

  it('previews an older point, compares it, and restores it for everyone', async () => {
    const { page } = env.ada;
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('The original plan.');
    await expect.poll(() => editorText(env.bob.page)).toBe('The original plan.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();

    // Open the timeline and name this version.
    await nameVersion(page, 'First draft');

    // A bad afternoon: the text is replaced.
    await replaceAllText(page, 'Something else entirely.', env.bob.page);

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

describe.skipIf(!browserTestsEnabled())('timeline: a restore is told to everyone and can be undone', () => {
  const env = twoPeopleInOneDocument('restore-told');

  it("names who restored which version for both; Ada's Undo and Ctrl+Z, and Bob's Undo restore, each work", async () => {
    const { page } = env.ada;
    const bob = env.bob.page;
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('The original plan.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    await nameVersion(page, 'First draft');
    await replaceAllText(page, 'Something else entirely.', bob);
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();

    // Ada restores the named version: Bob is told, in words, by whom and which version; Ada is told it was her.
    await page.getByTestId('timeline-version').filter({ hasText: 'First draft' }).click();
    await page.getByTestId('timeline-restore').click();
    await page.getByTestId('timeline-restore-confirm').click();
    await expect.poll(() => editorText(bob)).toBe('The original plan.');
    const bobBanner = bob.getByTestId('restored-banner');
    await bobBanner.waitFor();
    expect(await bobBanner.textContent()).toMatch(/Ada Lovelace restored “First draft” \(today \d/);
    expect(await bobBanner.getByTestId('restored-undo').textContent()).toBe('Undo restore');
    await restoreScreenshot(bob, 'restored-bob');
    await restoreScreenshot(bob, 'restored-bob-phone', true);
    const adaBanner = page.getByTestId('restored-banner');
    await adaBanner.waitFor();
    expect(await adaBanner.textContent()).toMatch(/^You restored “First draft”/);
    await restoreScreenshot(page, 'restored-ada');

    // Ada's Undo brings the text from before the restore back for both; her banner says it was undone.
    await adaBanner.getByTestId('restored-undo').filter({ hasText: /^Undo$/ }).click();
    await expect.poll(() => editorText(page)).toBe('Something else entirely.');
    await expect.poll(() => editorText(bob)).toBe('Something else entirely.');
    await expect.poll(() => adaBanner.textContent()).toContain('You undid the restore.');
    await restoreScreenshot(page, 'undone-ada');

    // Redo is a restore again, which Ctrl+Z in the editor undoes (she has not typed since).
    await adaBanner.getByTestId('restored-undo').filter({ hasText: /^Redo$/ }).click();
    await expect.poll(() => editorText(bob)).toBe('The original plan.');
    await expect.poll(() => adaBanner.textContent()).toMatch(/^You restored the version/);
    await page.locator('.ProseMirror').click();
    await page.keyboard.press('ControlOrMeta+z');
    await expect.poll(() => editorText(bob)).toBe('Something else entirely.');
    await expect.poll(() => editorText(page)).toBe('Something else entirely.');
    await expect.poll(() => adaBanner.textContent()).toContain('You undid the restore.');

    // Bob undoes Ada's undo from his banner, which names her: the restored text is back for both.
    await expect.poll(() => bobBanner.textContent()).toContain('Ada Lovelace restored');
    await bobBanner.getByTestId('restored-undo').filter({ hasText: 'Undo restore' }).click();
    await expect.poll(() => editorText(page)).toBe('The original plan.');
    await expect.poll(() => editorText(bob)).toBe('The original plan.');
    await expect.poll(() => adaBanner.textContent()).toContain('Bob Moog restored');
    await expect.poll(() => bobBanner.textContent()).toContain('You undid the restore.');

    // Dismiss closes the banner.
    await bob.getByTestId('restored-dismiss').click();
    await bobBanner.waitFor({ state: 'detached' });

    // With the banner gone, Ctrl+Z in Ada's editor has nothing of before the restore to undo: her earlier
    // edits must not come back beside the restored text (client/editor/undoAfterRestore.ts).
    await page.getByTestId('restored-dismiss').click();
    await adaBanner.waitFor({ state: 'detached' });
    await page.locator('.ProseMirror').click();
    await page.keyboard.press('ControlOrMeta+z');
    await page.keyboard.press('ControlOrMeta+z');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    expect(await editorText(page)).toBe('The original plan.');
    await expect.poll(() => editorText(bob)).toBe('The original plan.');
    expect(env.ada.errors).toEqual([]);
    expect(env.bob.errors).toEqual([]);
  });
});
