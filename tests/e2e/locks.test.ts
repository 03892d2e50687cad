/**
 * Section locks in two browsers: Ada locks a section; Bob sees her badge and cannot type into it (a
 * polite message says why) but can still edit elsewhere; Ada releases; Bob can type there again.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  editorText,
  twoPeopleInOneDocument,
} from '../helpers/browser.js';

const DOCUMENT = ['Intro', 'intro text', 'Clause', 'clause text', 'Other', 'other text'].join('\n');

/** The document's lines, without the empty paragraph the editor keeps after a trailing heading. */
const textOf = async (page: Page): Promise<string> => (await editorText(page)).trimEnd();

const headingOf = (page: Page, title: string) => page.locator('.ProseMirror h1', { hasText: title });

/** Puts the caret at the end of the paragraph with exactly this text. */
async function caretAtEndOf(page: Page, text: string): Promise<void> {
  await page.locator('.ProseMirror p', { hasText: text }).click();
  await page.keyboard.press('End');
}

describe.skipIf(!browserTestsEnabled())('section locks', () => {
  const env = twoPeopleInOneDocument('locks');

  it('locks a section for its holder only, and releases it', async () => {
    await env.ada.page.locator('.ProseMirror').click();
    await env.ada.page.keyboard.type('# Intro\nintro text\n# Clause\nclause text\n# Other\nother text');
    await expect.poll(() => textOf(env.bob.page)).toBe(DOCUMENT);
    // Bob edits the clause before anyone locks it (this goes on his undo stack).
    await caretAtEndOf(env.bob.page, 'clause text');
    await env.bob.page.keyboard.type(' b');
    await expect.poll(() => textOf(env.ada.page)).toBe(DOCUMENT.replace('clause text', 'clause text b'));

    // Ada locks "Clause" with the button on its heading.
    await headingOf(env.ada.page, 'Clause').hover();
    await headingOf(env.ada.page, 'Clause').getByTestId('lock-button').click();
    await expect.poll(() => headingOf(env.ada.page, 'Clause').getByTestId('lock-badge').getAttribute('data-label')).toBe('Locked by you');
    await expect.poll(() => headingOf(env.ada.page, 'Clause').getByTestId('release-lock').count()).toBe(1);

    // Bob sees Ada's badge, and no release control.
    const badge = headingOf(env.bob.page, 'Clause').getByTestId('lock-badge');
    await expect.poll(() => badge.getAttribute('data-label'), { timeout: 10_000 }).toMatch(/^Locked by Ada Lovelace · since \d{1,2}:\d{2}/);
    expect(await headingOf(env.bob.page, 'Clause').getByTestId('release-lock').count()).toBe(0);

    // Bob cannot type into the section, delete from it, retitle it, or undo his earlier edit there;
    // he is told why.
    await env.bob.page.keyboard.press('Control+z');
    await env.bob.page.getByTestId('lock-toast').waitFor();
    await caretAtEndOf(env.bob.page, 'clause text b');
    await env.bob.page.keyboard.type('XYZ');
    await env.bob.page.keyboard.press('Backspace');
    await env.bob.page.keyboard.press('Enter');
    await env.bob.page.getByTestId('lock-toast').waitFor();
    expect(await env.bob.page.getByTestId('lock-toast').innerText()).toContain('Ada Lovelace is editing this section');
    await headingOf(env.bob.page, 'Clause').click();
    await env.bob.page.keyboard.type('!!');
    // Outside the section he can still type.
    await caretAtEndOf(env.bob.page, 'other text');
    await env.bob.page.keyboard.type(' by Bob');
    const afterRefusal = DOCUMENT.replace('clause text', 'clause text b').replace('other text', 'other text by Bob');
    await expect.poll(() => textOf(env.ada.page)).toBe(afterRefusal);
    expect(await textOf(env.bob.page)).toBe(afterRefusal);

    // The editor refused all of it: the env.server never had to revert anything.
    const metrics = await (await fetch(`${env.server.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^tandem_lock_reverts_total(\{[^}]*\})? [1-9]/m);

    // Ada can still edit her own section.
    await caretAtEndOf(env.ada.page, 'clause text b');
    await env.ada.page.keyboard.type(' (Ada)');
    await expect.poll(() => editorText(env.bob.page)).toContain('clause text b (Ada)');

    // Ada releases; the badge goes away for Bob, and he can type there.
    await headingOf(env.ada.page, 'Clause').getByTestId('release-lock').click();
    await expect.poll(() => headingOf(env.bob.page, 'Clause').getByTestId('lock-badge').count(), { timeout: 10_000 }).toBe(0);
    await caretAtEndOf(env.bob.page, 'clause text b (Ada)');
    await env.bob.page.keyboard.type(' and Bob');
    await expect.poll(() => editorText(env.ada.page)).toContain('clause text b (Ada) and Bob');
    expect(env.ada.errors).toEqual([]);
    expect(env.bob.errors).toEqual([]);
  });

  it('frees a section within seconds when the tab holding it closes', async () => {
    // A second tab of Ada's takes the lock; closing it must not leave Bob waiting out the lease.
    const tab = await env.ada.page.context().newPage();
    await tab.goto(env.ada.page.url());
    await headingOf(tab, 'Other').waitFor();
    await headingOf(tab, 'Other').hover();
    await headingOf(tab, 'Other').getByTestId('lock-button').click();
    const badge = headingOf(env.bob.page, 'Other').getByTestId('lock-badge');
    await expect.poll(() => badge.getAttribute('data-label'), { timeout: 10_000 }).toMatch(/^Locked by Ada Lovelace · since /);

    await tab.close();
    await expect.poll(() => badge.count(), { timeout: 5_000 }).toBe(0);
    await caretAtEndOf(env.bob.page, 'other text by Bob');
    await env.bob.page.keyboard.type(' again');
    await expect.poll(() => editorText(env.ada.page)).toContain('other text by Bob again');
  });
});
