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

export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [react(), precompress()],
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
