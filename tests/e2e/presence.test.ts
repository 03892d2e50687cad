/**
 * Presence between two browsers: each sees the other's avatar, caret label and section marker; follow
 * mode scrolls to the other person's caret and keeps it in view until you act; a closed tab disappears.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  createDocument,
  newUser,
  openDocument,
  shareWith,
  type UserPage,
  browserEnvironment,
  saveScreenshot,
} from '../helpers/browser.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/presence.png');

const lorem = (n: number): string =>
  `Paragraph ${n}. Shared documents feel alive when you can see who is reading, who is writing and where.`;

/** Short opening sections (both fit on screen for the screenshot), then long ones so following must scroll. */
const DOCUMENT_HTML = [
  '<h1>Intro</h1>',
  '<p>Tandem is a calm, fast writing tool that happens to be shared.</p>',
  '<h1>Budget</h1>',
  '<p>Numbers go here: design 40%, engineering 45%, the rest for coffee.</p>',
  '<h2>Risks</h2>',
  ...Array.from({ length: 30 }, (_, i) => `<p>${lorem(i + 1)}</p>`),
  '<h1>Appendix</h1>',
  ...Array.from({ length: 30 }, (_, i) => `<p>${lorem(i + 31)}</p>`),
  '<p>The very last line.</p>',
].join('');

/** One paste is one transaction (and one caret update), unlike typing it key by key. */
async function pasteHtml(page: Page, html: string): Promise<void> {
  await page.locator('.ProseMirror').evaluate((editor, content) => {
    const data = new DataTransfer();
    data.setData('text/html', content);
    data.setData('text/plain', content.replace(/<[^>]+>/g, '\n'));
    editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, html);
}

const avatarOf = (page: Page, name: string) => page.locator(`[data-testid="presence-avatar"][data-name="${name}"]`);
const caretOf = (page: Page, userId: string) => page.locator(`.collaboration-carets__caret[data-user-id="${userId}"]`);
const sectionNamed = (page: Page, title: string) => page.locator('[data-testid="outline-section"]').filter({ hasText: title });

/** Whether the element is on screen below the sticky top bar and toolbar. */
/** The page's scroll position once it has stopped moving (unchanged for 5 animation frames). */
async function settledScrollY(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let last = window.scrollY;
        let unchanged = 0;
        const tick = (): void => {
          unchanged = window.scrollY === last ? unchanged + 1 : 0;
          last = window.scrollY;
          if (unchanged >= 5) resolve(last);
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
  );
}

async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel);
    if (!element) return false;
    const rect = element.getBoundingClientRect();
    const toolbar = document.querySelector('.toolbar')?.getBoundingClientRect().bottom ?? 0;
    return rect.top >= toolbar && rect.bottom <= window.innerHeight;
  }, selector);
}

describe.skipIf(!browserTestsEnabled())('presence and live cursors', () => {
  const env = browserEnvironment();
  let ada: UserPage;
  let bob: UserPage;
  let adaId = '';
  let bobId = '';
  let docName = '';

  beforeAll(async () => {
    ada = await newUser(env.browser, env.server.url, 'Ada Lovelace');
    bob = await newUser(env.browser, env.server.url, 'Bob Moog');
    // Colours come from the accounts now (the server picks them); the README screenshot is written only when missing.
    docName = await createDocument(ada, 'Presence');
    await shareWith(ada, docName, bob.email, 'editor');
    await openDocument(ada.page, docName);
    await openDocument(bob.page, docName);
    await ada.page.locator('.ProseMirror').click();
    await pasteHtml(ada.page, DOCUMENT_HTML);
    await bob.page.waitForFunction(() => document.querySelector('.ProseMirror')?.textContent?.includes('The very last line.'), null, {
      timeout: 15_000,
    });
  });

  it("shows each person the other's avatar, caret label, selection and section", async () => {
    // Ada selects a word in Budget; Bob puts his caret in Intro.
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'Numbers go here' }).click();
    await ada.page.keyboard.press('Home');
    await ada.page.keyboard.press('Shift+Control+ArrowRight');
    await bob.page.locator('.ProseMirror p').filter({ hasText: 'calm, fast writing tool' }).click();

    await avatarOf(bob.page, 'Ada Lovelace').waitFor();
    await avatarOf(ada.page, 'Bob Moog').waitFor();
    adaId = (await avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-user-id')) ?? '';
    bobId = (await avatarOf(ada.page, 'Bob Moog').getAttribute('data-user-id')) ?? '';
    expect(adaId).not.toBe('');
    expect(bobId).not.toBe('');
    expect(await bob.page.getByTestId('presence-count').getAttribute('data-count')).toBe('2');

    // Carets with name labels, per person.
    await expect.poll(() => caretOf(bob.page, adaId).locator('.collaboration-carets__label').innerText()).toBe('Ada Lovelace');
    await expect.poll(() => caretOf(ada.page, bobId).locator('.collaboration-carets__label').innerText()).toBe('Bob Moog');
    // Ada's selection is tinted on Bob's screen.
    await expect.poll(() => bob.page.locator('.ProseMirror [style*="background-color"]').count()).toBeGreaterThan(0);

    // Section markers in the outline: Ada in Budget on Bob's screen, Bob in Intro on Ada's.
    await sectionNamed(bob.page, 'Budget').locator(`[data-testid="section-marker"][data-user-id="${adaId}"]`).waitFor();
    await sectionNamed(ada.page, 'Intro').locator(`[data-testid="section-marker"][data-user-id="${bobId}"]`).waitFor();
    await expect.poll(() => bob.page.locator('[data-testid="section-marker"]').count()).toBe(1);

    // Ada moves into Risks (a subsection of Budget): the marker moves with her.
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'Paragraph 1.' }).click();
    await sectionNamed(bob.page, 'Risks').locator(`[data-testid="section-marker"][data-user-id="${adaId}"]`).waitFor();
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'Numbers go here' }).click();
    await ada.page.keyboard.press('End');
    for (let i = 0; i < 4; i++) await ada.page.keyboard.press('Shift+Control+ArrowLeft');
    await sectionNamed(bob.page, 'Budget').locator(`[data-testid="section-marker"][data-user-id="${adaId}"]`).waitFor();

    // Hovering Ada's avatar says who, how and where (once the typing from her paste has settled).
    await expect.poll(() => avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-typing'), { timeout: 8_000 }).toBe('false');
    await avatarOf(bob.page, 'Ada Lovelace').hover();
    const card = bob.page.locator('.presence__person', { has: avatarOf(bob.page, 'Ada Lovelace') }).getByTestId('presence-card');
    await expect.poll(() => card.innerText()).toMatch(/Ada Lovelace[\s\S]*Active[\s\S]*In Budget/);

    await expect.poll(() => card.evaluate((element) => getComputedStyle(element).opacity)).toBe('1');
    await saveScreenshot(bob.page, SCREENSHOT);
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it("follows the other person's caret until you act yourself", async () => {
    const adaCaret = `.collaboration-carets__caret[data-user-id="${adaId}"]`;
    // Ada goes to the end of the document; Bob stays at the top, so her caret is off his screen.
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'The very last line.' }).click();
    await ada.page.keyboard.press('End');
    await bob.page.evaluate(() => window.scrollTo(0, 0));
    // Her caret was already on Bob's screen at its old place (near the top): wait for the move to arrive.
    await caretOf(bob.page, adaId).waitFor({ state: 'attached' });
    await expect.poll(() => inViewport(bob.page, adaCaret)).toBe(false);

    await avatarOf(bob.page, 'Ada Lovelace').click();
    await expect.poll(() => bob.page.getByTestId('follow-chip').innerText()).toMatch(/Following\s+Ada Lovelace/);
    await expect.poll(() => inViewport(bob.page, adaCaret)).toBe(true);

    // She moves back up; Bob's view goes with her.
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'Paragraph 2.' }).click();
    await expect.poll(() => inViewport(bob.page, adaCaret)).toBe(true);
    await expect.poll(() => bob.page.evaluate(() => window.scrollY)).toBeLessThan(1500);
    await ada.page.keyboard.press('Control+End');
    await expect.poll(() => inViewport(bob.page, adaCaret)).toBe(true);

    // Bob scrolls himself: following stops and stays stopped.
    await bob.page.mouse.move(600, 400);
    await bob.page.mouse.wheel(0, -600);
    await bob.page.getByTestId('follow-chip').waitFor({ state: 'detached' });
    // Following stops on the wheel event itself; the (smooth) scroll it starts finishes frames later.
    const scrolled = await settledScrollY(bob.page);
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'Paragraph 3.' }).click();
    await expect.poll(() => caretOf(bob.page, adaId).count()).toBe(1);
    expect(await bob.page.evaluate(() => window.scrollY)).toBe(scrolled);

    // The chip's Stop button ends following too.
    await avatarOf(bob.page, 'Ada Lovelace').click();
    await bob.page.getByTestId('follow-chip').waitFor();
    await bob.page.getByTestId('follow-stop').click();
    await bob.page.getByTestId('follow-chip').waitFor({ state: 'detached' });
    expect(bob.errors).toEqual([]);
  });

  it('jumps to a section from the outline', async () => {
    await sectionNamed(bob.page, 'Appendix').locator('button').first().click();
    await expect.poll(() => inViewport(bob.page, '.ProseMirror h1:nth-of-type(3)')).toBe(true);
    await expect.poll(() => sectionNamed(bob.page, 'Appendix').getAttribute('class')).toContain('is-current');
  });

  it('shows who is typing, and who is away while their tab is hidden', async () => {
    await ada.page.locator('.ProseMirror p').filter({ hasText: 'The very last line.' }).click();
    await ada.page.keyboard.press('End');
    await ada.page.keyboard.type(' More', { delay: 30 });
    await expect.poll(() => avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-typing')).toBe('true');
    // A quiet spell ends "typing" (TYPING_QUIET_MS, 2.5 s).
    await expect.poll(() => avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-typing'), { timeout: 8_000 }).toBe('false');

    // Headless pages are never hidden, so stage what the env.browser does when another tab comes to the front.
    const setHidden = (hidden: boolean) =>
      ada.page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await expect.poll(() => avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-status')).toBe('away');
    await setHidden(false);
    await expect.poll(() => avatarOf(bob.page, 'Ada Lovelace').getAttribute('data-status')).toBe('active');
  });

  it('groups one person with two tabs into one avatar ("2 tabs")', async () => {
    const secondTab = await ada.context.newPage();
    await openDocument(secondTab, docName);
    const card = bob.page.locator('.presence__person', { has: avatarOf(bob.page, 'Ada Lovelace') }).getByTestId('presence-card');
    await expect.poll(() => card.textContent()).toContain('2 tabs');
    expect(await avatarOf(bob.page, 'Ada Lovelace').count()).toBe(1);
    expect(await bob.page.getByTestId('presence-count').getAttribute('data-count')).toBe('2');
    // Ada's own other tab is not someone else: she still sees only Bob.
    await expect.poll(() => secondTab.getByTestId('presence-avatar').count()).toBe(1);
    expect(await secondTab.getByTestId('presence-count').getAttribute('data-count')).toBe('2');
    await secondTab.close();
    await expect.poll(() => card.textContent()).not.toContain('2 tabs');
  });

  it('shows a third person arriving and removes them within seconds when their tab closes', async () => {
    const cy = await newUser(env.browser, env.server.url, 'Cy Twombly');
    await shareWith(ada, docName, cy.email, 'viewer');
    await openDocument(cy.page, docName);
    await avatarOf(bob.page, 'Cy Twombly').waitFor();
    await expect.poll(() => bob.page.getByTestId('presence-count').getAttribute('data-count')).toBe('3');
    await cy.context.close();
    await avatarOf(bob.page, 'Cy Twombly').waitFor({ state: 'detached', timeout: 5_000 });
    expect(await bob.page.getByTestId('presence-count').getAttribute('data-count')).toBe('2');
  });
});
