/**
 * The browser's stand-in for linkifyjs (client/editor/linkifyOnDemand.ts): finds nothing until the real
 * linkify has loaded, then answers exactly as linkify does, and keeps what Link registered meanwhile.
 */
import * as linkify from 'linkifyjs';
import { afterEach, describe, expect, it } from 'vitest';
import { linkifyStandIn, type LinkifyModule } from '../../client/editor/linkifyOnDemand.js';

/** A load the test finishes when it chooses, so "before" and "after" are not a race. */
function deferredLoad(): { load: () => Promise<LinkifyModule>; arrive: () => void; fail: () => void; calls: () => number } {
  let calls = 0;
  let arrive = (): void => undefined;
  let fail = (): void => undefined;
  const promise = new Promise<LinkifyModule>((resolve, reject) => {
    arrive = () => resolve(linkify);
    fail = () => reject(new Error('chunk not reachable'));
  });
  return { load: () => (calls++, promise), arrive, fail, calls: () => calls };
}

afterEach(() => {
  // The real linkify is one module-wide state machine; custom protocols must not leak between tests.
  linkify.reset();
});

describe('linkify on demand', () => {
  it('starts loading at once, exactly once', () => {
    const load = deferredLoad();
    linkifyStandIn(load.load);
    expect(load.calls()).toBe(1);
  });

  it('finds no links before linkify arrives, and the same links as linkify after', async () => {
    const load = deferredLoad();
    const standIn = linkifyStandIn(load.load);
    const text = 'see example.com and https://tandem.test/x';
    expect(standIn.find(text)).toEqual([]);
    expect(standIn.tokenize(text)).toEqual([]);

    load.arrive();
    await standIn.ready;
    expect(standIn.find(text)).toEqual(linkify.find(text));
    expect(standIn.find(text).filter((link) => link.isLink)).toHaveLength(2);
    expect(standIn.tokenize('example.com').map((token) => token.toObject('https'))).toEqual(
      linkify.tokenize('example.com').map((token) => token.toObject('https')),
    );
  });

  it('hands linkify the protocols registered before it arrived', async () => {
    const load = deferredLoad();
    const standIn = linkifyStandIn(load.load);
    standIn.registerCustomProtocol('tandemtest');
    load.arrive();
    await standIn.ready;
    expect(standIn.find('open tandemtest://doc/1').some((link) => link.isLink && link.href === 'tandemtest://doc/1')).toBe(true);
  });

  it('forgets protocols registered before a reset', async () => {
    const load = deferredLoad();
    const standIn = linkifyStandIn(load.load);
    standIn.registerCustomProtocol('tandemtest');
    standIn.reset();
    load.arrive();
    await standIn.ready;
    expect(standIn.find('open tandemtest://doc/1').some((link) => link.isLink)).toBe(false);
  });

  it('keeps finding nothing, without throwing, when linkify cannot be loaded', async () => {
    const load = deferredLoad();
    const standIn = linkifyStandIn(load.load);
    load.fail();
    await expect(standIn.ready).rejects.toThrow('chunk not reachable');
    expect(standIn.find('example.com')).toEqual([]);
    expect(() => standIn.registerCustomProtocol('tandemtest')).not.toThrow();
  });
});
