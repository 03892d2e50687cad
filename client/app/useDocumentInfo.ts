/**
 * The document's title and our role in it (`GET /api/documents/:id`), for the top bar. Someone else's
 * rename is picked up when the tab regains focus: titles change rarely, and a push channel for them would
 * be more machinery than the moment it saves.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DocumentInfo } from '../../shared/accounts/api.js';
import { documentsApi } from '../accounts/api.js';

export interface DocumentInfoState {
  info: DocumentInfo | null;
  reload(): void;
  set(info: DocumentInfo): void;
}

export function useDocumentInfo(docName: string, enabled: boolean): DocumentInfoState {
  const [info, setInfo] = useState<DocumentInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(() => {
    if (!enabled) return;
    const mine = ++generation.current;
    documentsApi.get(docName).then(
      (answer) => {
        if (mine === generation.current) setInfo(answer);
      },
      // Offline, or no access (the socket says so in its own words): keep what we have.
      () => undefined,
    );
  }, [docName, enabled]);

  useEffect(() => {
    reload();
    const onFocus = (): void => reload();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [reload]);

  const set = useCallback((next: DocumentInfo) => {
    generation.current++;
    setInfo(next);
  }, []);

  return { info, reload, set };
}
