/**
 * Registers the service worker (client/public/sw.js) that keeps a copy of the app shell, so a tab
 * reloaded or reopened without a network still loads and shows the edits kept in IndexedDB.
 * Production builds only: in development it would cache Vite's modules and fight hot reload.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = (): void => {
    navigator.serviceWorker.register('/sw.js').catch((error: unknown) => {
      // Offline reloads will not work, but everything else does; not worth bothering the person.
      console.warn('Service worker registration failed', error);
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
