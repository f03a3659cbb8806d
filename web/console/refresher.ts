// Refetches a page's data when told, at most one request in flight, and once more if told again
// meanwhile: a burst of live events costs two requests, not one per event.
export function refresher(load: () => Promise<void>): { refresh(): void; readonly ready: Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => {
    running = load()
      .catch((error: unknown) => {
        // A failed refresh keeps what is on screen; the next event tries again.
        console.warn('console: refresh failed', error);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void run();
        }
      });
    return running;
  };
  const ready = run();
  return {
    ready,
    refresh: () => {
      if (running) again = true;
      else void run();
    },
  };
}
