import { useCallback, useEffect, useState } from 'react';
import { useServices } from '../context';
import { formatPercent } from '../format';
import { deleteRun, listRuns, type StoredRun } from '../runs';

/** Runs stored in IndexedDB: reopen one to continue or export it, or delete it. */
export function RunsPanel() {
  const { bridge } = useServices();
  const [runs, setRuns] = useState<StoredRun[]>();
  const [error, setError] = useState<string>();

  const refresh = useCallback(() => {
    listRuns().then(setRuns, (e: unknown) => setError(`stored runs could not be read: ${String(e)}`));
  }, []);

  useEffect(() => {
    refresh();
    bridge.onRunSaved = refresh;
    return () => {
      bridge.onRunSaved = undefined;
    };
  }, [bridge, refresh]);

  return (
    <section className="panel" aria-label="Runs">
      <p className="summary">Runs are stored in this browser when they pause, stop or finish.</p>
      {error && <p className="error">{error}</p>}
      {runs?.length === 0 && <p>No stored runs yet.</p>}
      <table className="runs" data-testid="runs-table">
        <tbody>
          {runs?.map((run) => (
            <tr key={run.id}>
              <td>{run.name}</td>
              <td>{new Date(run.savedAt).toLocaleString()}</td>
              <td>{run.state}</td>
              <td>{run.history.length} {run.history.length === 1 ? 'epoch' : 'epochs'}</td>
              <td>test {formatPercent(run.history.at(-1)?.testAccuracy)} (binary)</td>
              <td>
                <button
                  type="button"
                  onClick={() => bridge.reopen(run)}
                >
                  Reopen
                </button>
                <button type="button" onClick={() => deleteRun(run.id).then(refresh, (e: unknown) => setError(String(e)))}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
