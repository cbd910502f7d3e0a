import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { decodeSpecHash } from '../core/spec/url';
import { App } from './App';
import { WorkerBridge } from './bridge';
import { ServicesContext, type AppServices } from './context';
import { createRunStore } from './stores/run';
import { createSpecStore, DEFAULT_SPEC } from './stores/spec';
import './styles.css';

/** Reads the spec from the URL hash, or returns the defaults with a notice that says why the link was not used. */
function initialSpec() {
  if (!location.hash || location.hash === '#') return { spec: DEFAULT_SPEC };
  try {
    const decoded = decodeSpecHash(location.hash);
    const notice = decoded.clamped.length > 0 ? `Some values of the link were out of range and were clamped: ${decoded.clamped.join(', ')}.` : undefined;
    return { spec: decoded.spec, notice };
  } catch (error) {
    return { spec: DEFAULT_SPEC, notice: `The link's experiment could not be loaded, so the defaults are shown. Reason: ${(error as Error).message}.` };
  }
}

const { spec, notice } = initialSpec();
const specStore = createSpecStore(spec);
specStore.getState().setSpec(spec, notice);
const runStore = createRunStore();
const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'deeplut-training' });
const bridge = new WorkerBridge(worker, runStore);
const services: AppServices = { spec: specStore, run: runStore, bridge };

// A small handle for debugging from the console and for the browser tests.
(window as unknown as { deeplut: unknown }).deeplut = { probe: () => bridge.probe(), specStore, runStore };

const forced = new URLSearchParams(location.search).get('backend');
bridge.init(forced === 'webgpu' || forced === 'webgl' || forced === 'wasm' || forced === 'cpu' ? forced : undefined);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <App />
    </ServicesContext.Provider>
  </StrictMode>,
);
