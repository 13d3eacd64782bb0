import type * as Undici from 'undici';
import { DispatcherBase } from './undici-parts.js';

/**
 * A dispatcher that routes each request to one of the dispatchers it holds
 * (ProxyRouter, Http2Fallback): closing or destroying it closes or destroys
 * them all. Subclasses give dispatch() and the members.
 */
export abstract class DispatcherGroup extends DispatcherBase {
  /** The dispatchers held now, each once. */
  protected abstract members(): Undici.Dispatcher[];

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closed = Promise.all(this.members().map((d) => d.close())).then(() => {});
    if (!callback) return closed;
    void closed.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const destroyed = Promise.all(this.members().map((d) => d.destroy(err))).then(() => {});
    if (!done) return destroyed;
    void destroyed.then(done);
  }
}
