import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { precompressDirectory } from './server/http/precompressed.js';

const serverPort = Number(process.env.PORT ?? 1234);

/** After a build, writes the `.br`/`.gz` siblings the server sends to clients that accept them. */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'tandem-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await precompressDirectory(outDir);
    },
  };
}

/** Where the build's asset list goes (dist/client/asset-manifest.json); client/public/sw.js reads it. */
const ASSET_MANIFEST = 'asset-manifest.json';

/**
 * Writes the list of every file the build emits under assets/ (entry, lazy chunks, CSS), so the service
 * worker can cache the chunks loaded on demand before the network goes away; index.html names only the
 * first download. `order: 'post'` lists the bundle as written, after the CSS plugin drops empty chunks.
 */
function assetManifest(): Plugin {
  let base = '/';
  let assetsDir = 'assets';
  return {
    name: 'tandem-asset-manifest',
    apply: 'build',
    configResolved(config) {
      base = config.base;
      assetsDir = config.build.assetsDir;
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const assets = Object.keys(bundle)
          .filter((fileName) => fileName.startsWith(`${assetsDir}/`) && !fileName.endsWith('.map'))
          .sort()
          .map((fileName) => `${base}${fileName}`);
        this.emitFile({ type: 'asset', fileName: ASSET_MANIFEST, source: `${JSON.stringify({ assets }, null, 2)}\n` });
      },
    },
  };
}

const LINKIFY_ON_DEMAND = path.resolve(import.meta.dirname, 'client/editor/linkifyOnDemand.ts');

/**
 * Gives `@tiptap/extension-link` the stand-in in client/editor/linkifyOnDemand.ts instead of `linkifyjs`,
 * so linkify leaves the first download and arrives in its own chunk (the stand-in's comment says what
 * waits for it). Build only: the dev server pre-bundles the Link extension with linkify inside, and
 * vitest, the server and headless editors never load this config.
 */
function linkifyOnDemand(): Plugin {
  return {
    name: 'tandem-linkify-on-demand',
    apply: 'build',
    enforce: 'pre',
    resolveId: {
      // Only this one bare import reaches the hook, so the other modules' resolution is not slowed.
      filter: { id: /^linkifyjs$/ },
      async handler(source, importer) {
        if (importer !== LINKIFY_ON_DEMAND) return LINKIFY_ON_DEMAND;
        // The stand-in's own `import('linkifyjs')` must reach the real package: the copy the Link extension
        // depends on (linkifyjs is its dependency, not ours).
        const link = await this.resolve('@tiptap/extension-link', LINKIFY_ON_DEMAND, { skipSelf: true });
        return link ? this.resolve(source, link.id, { skipSelf: true }) : null;
      },
    },
  };
}

export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [react(), linkifyOnDemand(), assetManifest(), precompress()],
  resolve: {
    // One copy of each: two copies of yjs break `instanceof` checks and y-tiptap's plugin keys.
    dedupe: ['yjs', 'lib0', 'y-protocols', '@tiptap/y-tiptap', '@tiptap/pm', '@tiptap/core'],
  },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // No public source maps in production (the server also answers 404 for any .map file).
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      treeshake: {
        // Tiptap defines every extension as a top-level `Extension.create({...})` (Node, Mark) call without a
        // pure annotation, so the bundler keeps the ones nothing uses (CharacterCount, Focus, Selection…
        // beside the Placeholder we import from @tiptap/extensions). `create` only builds an object.
        manualPureFunctions: ['Extension.create', 'Node.create', 'Mark.create'],
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': `http://localhost:${serverPort}`,
      '/healthz': `http://localhost:${serverPort}`,
      '/collab': { target: `ws://localhost:${serverPort}`, ws: true },
    },
  },
});
