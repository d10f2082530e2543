// Talking to the dashboard's server: live views over server-sent events, and the actions.
// Every URL is relative to the page, so the dashboard works under any path prefix.

/**
 * Follows a view: `onData` gets every new version, `onState` the connection's state
 * ('live' | 'reconnecting' | 'failed', with a message for 'failed'). Returns a function that stops.
 */
export function follow(params, event, onData, onState) {
  const query = new URLSearchParams(params).toString();
  const source = new EventSource(`api/stream?${query}`);
  source.addEventListener(event, (e) => {
    onState('live');
    onData(JSON.parse(e.data));
  });
  source.addEventListener('failure', (e) => {
    onState('failed', JSON.parse(e.data).error);
  });
  source.addEventListener('hello', () => onState('live'));
  source.addEventListener('error', () => onState('reconnecting'));
  return () => source.close();
}

/** POSTs an action ('promote' | 'abort' | 'retry'); resolves to { ok, message }. */
export async function act(action, namespace, name) {
  const response = await fetch(`api/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ namespace, name }),
  });
  const body = await response.json().catch(() => ({}));
  return {
    ok: response.ok,
    message: response.ok ? body.message : (body.error ?? `${action} failed: ${response.status}`),
  };
}
