import type { Store } from '../store/store.ts';
import type { ServerMetrics } from './server-metrics.ts';

/**
 * The store with every call timed into `codegrant_store_operation_duration_seconds`, labelled by
 * method name and outcome. Used only when metrics are on: the plain store is not wrapped otherwise,
 * so metrics off costs nothing.
 */
export function instrumentedStore(store: Store, metrics: ServerMetrics): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      // The store itself as receiver: its methods and getters reach its private fields.
      const value = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let timed = wrapped.get(property);
      if (timed === undefined) {
        const method = value as (...args: unknown[]) => Promise<unknown>;
        timed = async (...args: unknown[]) => {
          const end = metrics.storeDuration.startTimer({ operation: property });
          try {
            const result = await method.apply(target, args);
            end({ outcome: 'ok' });
            return result;
          } catch (error) {
            end({ outcome: 'error' });
            throw error;
          }
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}
