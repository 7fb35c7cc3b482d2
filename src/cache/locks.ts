/**
 * Web Locks held across awaits: a writer takes an entry's lock before its
 * first byte and releases it after the manifest, so two tabs (or workers)
 * never write one entry at once, and the cache panel's consistency check
 * can tell "being written" from "broken".
 */

/** Waits for the lock `name`, then holds it until the returned function is called. */
export async function holdLock(name: string): Promise<() => void> {
  if (typeof navigator === 'undefined' || typeof navigator.locks?.request !== 'function') return () => undefined;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await new Promise<void>((acquired) => {
    void navigator.locks.request(name, () => {
      acquired();
      return released;
    });
  });
  return release;
}
