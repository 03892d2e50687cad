/**
 * What the browser build gives `@tiptap/extension-link` in place of `linkifyjs` (vite.config.ts,
 * `linkifyOnDemand`): the same four functions, with linkify itself (~10 KiB gzipped) in a chunk of its
 * own that starts loading as soon as this module runs, beside the first render rather than before it (on
 * every page, so a document opened from the home page finds it cached).
 *
 * The link mark does not need linkify: its schema, its HTML parsing (`isAllowedUri` is a regex), the
 * toolbar, Mod-k and the click handler work without it. Only three reactions to what a person does read
 * text with it: autolink on typing, linking a pasted URL over a selection, and paste rules. Until the
 * chunk arrives (on a first visit, the moment after the document appears) they find no links, exactly as
 * if the text held none; once it is here they behave as stock. The server, the tests and headless
 * editors are built without this config and always use linkify directly.
 */
import type * as Linkify from 'linkifyjs';

export type LinkifyModule = Pick<typeof Linkify, 'find' | 'registerCustomProtocol' | 'reset' | 'tokenize'>;

export interface LinkifyStandIn extends LinkifyModule {
  /** Resolves once calls go to the real linkify; rejects if it could not be loaded (links then stay manual). */
  ready: Promise<void>;
}

/** `load` is called once, at once; until it resolves, nothing is a link. */
export function linkifyStandIn(load: () => Promise<LinkifyModule>): LinkifyStandIn {
  let linkify: LinkifyModule | null = null;
  // Protocols Link's `onCreate` registered before linkify arrived; linkify only accepts them before its
  // first scan, which cannot have happened yet.
  let pendingProtocols: Array<[scheme: string, optionalSlashSlash: boolean | undefined]> = [];
  const ready = load().then((module) => {
    for (const [scheme, optionalSlashSlash] of pendingProtocols) module.registerCustomProtocol(scheme, optionalSlashSlash);
    pendingProtocols = [];
    linkify = module;
  });
  // Offline with the chunk not cached: typing and pasting still work, they just never autolink.
  ready.catch(() => undefined);
  return {
    ready,
    find: (str, type, opts) => (linkify ? linkify.find(str, type, opts) : []),
    // `tokenize` also carries `tokenize.scan`, which the Link extension never reads.
    tokenize: ((str: string) => (linkify ? linkify.tokenize(str) : [])) as typeof Linkify.tokenize,
    registerCustomProtocol(scheme, optionalSlashSlash) {
      if (linkify) linkify.registerCustomProtocol(scheme, optionalSlashSlash);
      else pendingProtocols.push([scheme, optionalSlashSlash]);
    },
    reset() {
      pendingProtocols = [];
      // Link's onDestroy: before linkify arrived there is nothing of it to reset.
      return linkify ? linkify.reset() : { scanner: null, parser: null, tokenQueue: [], pluginQueue: [], customSchemes: [], initialized: false };
    },
  };
}

const standIn = linkifyStandIn(() => import('linkifyjs'));

export const { ready: linkifyReady, find, tokenize, registerCustomProtocol, reset } = standIn;
