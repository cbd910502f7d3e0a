import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { WorkerBridge } from './bridge';
import type { RunStore, RunStoreApi } from './stores/run';
import type { SpecStore, SpecStoreApi } from './stores/spec';

/** The stores and the worker bridge of one page. */
export interface AppServices {
  spec: SpecStoreApi;
  run: RunStoreApi;
  bridge: WorkerBridge;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices needs a ServicesContext provider');
  return services;
}

export function useSpecStore<T>(selector: (state: SpecStore) => T): T {
  return useStore(useServices().spec, selector);
}

export function useRunStore<T>(selector: (state: RunStore) => T): T {
  return useStore(useServices().run, selector);
}
