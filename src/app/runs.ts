/**
 * Finished and paused runs in IndexedDB (database `deeplut`, store `runs`), so they survive a
 * reload and can be reopened: each record holds the spec, the epoch metrics and model.json.
 */
import type { Spec } from '../core/spec/schema';
import type { EpochMetrics } from '../core/train/loop';
import type { RunState } from '../worker/protocol';

export interface StoredRun {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  savedAt: number;
  state: RunState;
  spec: Spec;
  history: EpochMetrics[];
  modelJson: string;
}

const DB_NAME = 'deeplut';
const STORE = 'runs';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB failed to open'));
  });
}

async function transact<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

/** Every stored run, newest first. */
export async function listRuns(): Promise<StoredRun[]> {
  const runs = await transact<StoredRun[]>('readonly', (store) => store.getAll() as IDBRequest<StoredRun[]>);
  return runs.sort((a, b) => b.savedAt - a.savedAt);
}

export async function putRun(run: StoredRun): Promise<void> {
  await transact('readwrite', (store) => store.put(run));
}

export async function deleteRun(id: string): Promise<void> {
  await transact('readwrite', (store) => store.delete(id));
}
