import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const serverPort = Number(process.env.PORT ?? 1234);

export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [react()],
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
