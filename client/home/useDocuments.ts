/**
 * The home page's lists from the server: your documents and those shared with you (or the trash), for a
 * title search typed with a short pause, re-read when the tab regains focus (someone may have shared or
 * renamed something meanwhile).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DocumentList, DocumentSummary } from '../../shared/accounts/api.js';
import { documentsApi, sentence } from '../accounts/api.js';

/** Wait this long after the last keystroke before searching: one request per burst of typing. */
const SEARCH_DEBOUNCE_MS = 250;

export type View = 'documents' | 'trash';

export interface DocumentsState {
  /** null until the first answer. */
  list: DocumentList | null;
  trash: DocumentSummary[] | null;
  error: string | null;
  reload(): Promise<void>;
}

const byLastEdit = (a: DocumentSummary, b: DocumentSummary): number => b.updatedAt - a.updatedAt;

export function useDocuments(view: View, query: string): DocumentsState {
  const [list, setList] = useState<DocumentList | null>(null);
  const [trash, setTrash] = useState<DocumentSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [debounced, setDebounced] = useState(query);
  const generation = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      if (view === 'documents') {
        const answer = await documentsApi.list(debounced);
        if (mine === generation.current) setList({ owned: [...answer.owned].sort(byLastEdit), shared: [...answer.shared].sort(byLastEdit) });
      } else {
        const answer = await documentsApi.trash(debounced);
        if (mine === generation.current) setTrash([...answer.documents].sort((a, b) => (b.deletedAt ?? 0) - (a.deletedAt ?? 0)));
      }
      if (mine === generation.current) setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(sentence(caught));
    }
  }, [view, debounced]);

  useEffect(() => {
    void reload();
    const onFocus = (): void => void reload();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [reload]);

  return { list, trash, error, reload };
}
