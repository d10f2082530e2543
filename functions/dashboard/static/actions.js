// Promote, abort and retry: each asks for a confirmation in a modal dialog before it is sent.
import { act } from './api.js';
import { h } from './dom.js';

const explanations = {
  promote:
    'The pause ends (status.pauseConditions is cleared) and the rollout moves to its next step.',
  abort:
    'Traffic goes back to the stable revision, then the canary scales down. Retry starts it again.',
  retry: 'The aborted rollout starts again from its first step.',
};

/** Shows the confirmation dialog; resolves true when the person confirms. */
export function confirmAction(title, text) {
  const dialog = document.getElementById('confirm');
  const ok = document.getElementById('confirm-ok');
  const cancel = document.getElementById('confirm-cancel');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  return new Promise((resolve) => {
    const finish = (answer) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const onOk = () => finish(true);
    const onCancel = () => finish(false);
    const onClose = () => finish(false);
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    cancel.focus();
  });
}

/** Which actions make sense now, from the rollout's detail. */
export function allowedActions(detail) {
  const paused = (detail.pause?.reasons ?? []).length > 0;
  const inFlight = detail.phase !== 'Healthy' && detail.phase !== 'Pending';
  return {
    promote: paused && !detail.aborted,
    abort: inFlight && !detail.aborted,
    retry: detail.aborted,
  };
}

/** The action buttons for one rollout, and the line that reports what happened. */
export function actionBar(ref) {
  const result = h('span', { class: 'notice', role: 'status', 'data-testid': 'action-result' });
  const buttons = {};
  const run = async (action) => {
    const target = `${ref.namespace}/${ref.name}`;
    const confirmed = await confirmAction(
      `${action[0].toUpperCase()}${action.slice(1)} ${target}?`,
      explanations[action],
    );
    if (!confirmed) return;
    result.textContent = `${action}…`;
    const answer = await act(action, ref.namespace, ref.name);
    result.textContent = answer.message;
    result.classList.toggle('error', !answer.ok);
  };
  for (const action of ['promote', 'abort', 'retry']) {
    buttons[action] = h(
      'button',
      {
        type: 'button',
        class: action === 'abort' ? 'danger' : 'primary',
        'data-testid': `action-${action}`,
        on: { click: () => run(action) },
      },
      `${action[0].toUpperCase()}${action.slice(1)}`,
    );
  }
  const element = h('div', { class: 'actions' }, result, Object.values(buttons));
  return {
    element,
    /** Enables the buttons that make sense for `detail`. */
    update(detail) {
      const allowed = allowedActions(detail);
      for (const [action, button] of Object.entries(buttons)) button.disabled = !allowed[action];
    },
  };
}
