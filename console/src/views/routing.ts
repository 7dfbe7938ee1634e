/**
 * Routing: endpoints with health, routes (add, enable/disable, remove), the fallback,
 * enrichments, a condition tester that highlights the position of a syntax error, and the
 * dead-letter queue with redrive.
 */
import { attempt, lacks, type App } from '../app';
import { ApiError } from '../api';
import { confirmDialog, formatTime, h, notice, replace } from '../dom';
import { splitAtPosition } from '../messages';

interface Endpoint {
  name: string;
  type: string;
  target: string;
}
interface Health {
  endpoint: string;
  status: string;
  since?: string;
  lastError?: string;
}
interface Route {
  name: string;
  source: string;
  condition: string;
  endpoint: string;
  enabled: boolean;
}
interface Enrichment {
  endpoint: string;
  key: string;
  value: string;
}
interface DeadLetter {
  id: string;
  endpoint: string | null;
  routes?: string[];
  reason: string;
  error?: string;
  deviceId?: string;
  deadLetteredTime?: string;
}

const SOURCES = ['DeviceMessages', 'DeviceLifecycleEvents', 'DeviceConnectionStateEvents'];

/** Shows `condition` with the character at `position` marked. */
function highlighted(condition: string, position: number): HTMLElement {
  const { before, at, after } = splitAtPosition(condition, position);
  return h('pre', { class: 'condition-error', 'aria-label': `error at position ${position}` }, before, h('mark', {}, at), after);
}

function conditionError(err: unknown, condition: string, box: HTMLElement): boolean {
  if (!(err instanceof ApiError) || err.status !== 400) return false;
  const pos = err.headers.get('x-devhub-condition-position');
  if (pos === null) return false;
  replace(box, notice('error', err.message), highlighted(condition, Number(pos)));
  return true;
}

export function routingView(app: App, main: HTMLElement): void {
  const writeDenied = lacks(app, 'RegistryWrite');
  const readDenied = lacks(app, 'RegistryRead');
  const serviceDenied = lacks(app, 'ServiceConnect');
  const out = h('div', { class: 'messages' });
  const endpointsBody = h('tbody', { id: 'endpoints' });
  const routesBody = h('tbody', { id: 'routes' });
  const enrichmentsBody = h('tbody', { id: 'enrichments' });
  const fallbackBox = h('div', { id: 'fallback' });
  const deadBody = h('tbody', { id: 'deadletters' });
  const deadOut = h('div', { class: 'messages', id: 'deadletter-result' });
  let endpoints: Endpoint[] = [];
  const endpointSelects: HTMLSelectElement[] = [];
  // Dead letters of one endpoint (or all): a queue full of other letters must not hide them.
  const deadFilter = h('select', { id: 'deadletters-endpoint' }, h('option', { value: '' }, 'All endpoints'));

  const writeButton = (label: string, cls = 'secondary') =>
    h('button', { type: 'button', class: cls, disabled: !!writeDenied, title: writeDenied }, label);

  const loadConfig = async () => {
    if (readDenied) return;
    const [eps, health, routes, enrichments, fallback] = await Promise.all([
      app.api.call<Endpoint[]>('GET', '/endpoints'),
      app.api.call<Health[]>('GET', '/routing/health'),
      app.api.call<Route[]>('GET', '/routes'),
      app.api.call<Enrichment[]>('GET', '/enrichments'),
      app.api.call<{ endpoint?: string; enabled?: boolean } | null>('GET', '/routing/fallback').catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return { data: null };
        throw err;
      }),
    ]);
    endpoints = eps.data;
    const healthOf = new Map(health.data.map((x) => [x.endpoint, x]));
    replace(
      endpointsBody,
      endpoints.length
        ? endpoints.map((e) => {
            const hl = healthOf.get(e.name);
            const remove = writeButton('Remove', 'danger');
            remove.addEventListener('click', () => void removeThing(`endpoint ${e.name}`, `/endpoints/${encodeURIComponent(e.name)}`));
            return h(
              'tr',
              { 'data-endpoint': e.name },
              h('td', {}, e.name),
              h('td', {}, e.type),
              h('td', { class: 'mono' }, e.target),
              h(
                'td',
                {},
                h('span', { class: `badge health-${hl?.status ?? 'unknown'}` }, hl?.status ?? 'unknown'),
                hl?.lastError ? h('small', {}, ` ${hl.lastError}`) : null,
              ),
              h('td', { class: 'actions' }, remove),
            );
          })
        : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No custom endpoints.')),
    );
    replace(
      routesBody,
      routes.data.length
        ? routes.data.map((r) => {
            const toggle = writeButton(r.enabled ? 'Disable' : 'Enable');
            toggle.addEventListener(
              'click',
              () =>
                void attempt(out, async () => {
                  await app.api.call('PUT', `/routes/${encodeURIComponent(r.name)}`, {
                    body: { source: r.source, condition: r.condition, endpoint: r.endpoint, enabled: !r.enabled },
                  });
                  await loadConfig();
                  return `Route ${r.name} ${r.enabled ? 'disabled' : 'enabled'}.`;
                }),
            );
            const remove = writeButton('Remove', 'danger');
            remove.addEventListener('click', () => void removeThing(`route ${r.name}`, `/routes/${encodeURIComponent(r.name)}`));
            return h(
              'tr',
              { 'data-route': r.name },
              h('td', {}, r.name),
              h('td', {}, r.source),
              h('td', { class: 'mono' }, r.condition),
              h('td', {}, r.endpoint),
              h('td', {}, h('span', { class: `badge ${r.enabled ? 'yes' : 'no'}` }, r.enabled ? 'enabled' : 'disabled')),
              h('td', { class: 'actions' }, toggle, remove),
            );
          })
        : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No routes.')),
    );
    replace(
      enrichmentsBody,
      enrichments.data.length
        ? enrichments.data.map((x) => {
            const remove = writeButton('Remove', 'danger');
            remove.addEventListener(
              'click',
              () =>
                void removeThing(
                  `enrichment ${x.key} of ${x.endpoint}`,
                  `/endpoints/${encodeURIComponent(x.endpoint)}/enrichments/${encodeURIComponent(x.key)}`,
                ),
            );
            return h(
              'tr',
              {},
              h('td', {}, x.endpoint),
              h('td', {}, x.key),
              h('td', { class: 'mono' }, x.value),
              h('td', { class: 'actions' }, remove),
            );
          })
        : h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No enrichments.')),
    );
    const fb = fallback.data;
    const clear = writeButton('Turn off', 'danger');
    clear.addEventListener('click', () => void removeThing('the fallback route', '/routing/fallback'));
    replace(
      fallbackBox,
      fb?.endpoint
        ? h('p', {}, `Unmatched device messages go to `, h('strong', {}, fb.endpoint), fb.enabled === false ? ' (disabled) ' : ' ', clear)
        : h('p', {}, 'No fallback route.'),
    );
    for (const select of endpointSelects) {
      const current = select.value;
      replace(
        select,
        endpoints.map((e) => h('option', { value: e.name, selected: e.name === current }, e.name)),
      );
    }
    const deadCurrent = deadFilter.value;
    replace(deadFilter, [
      h('option', { value: '' }, 'All endpoints'),
      ...endpoints.map((e) => h('option', { value: e.name, selected: e.name === deadCurrent }, e.name)),
    ]);
  };

  const removeThing = async (what: string, path: string) => {
    if (!(await confirmDialog(`Remove ${what}?`, 'Remove'))) return;
    await attempt(out, async () => {
      await app.api.call('DELETE', path);
      await loadConfig();
      return `Removed ${what}.`;
    });
  };

  const endpointSelect = (id: string) => {
    const s = h('select', { id });
    endpointSelects.push(s);
    return s;
  };

  // Add endpoint
  const epName = h('input', { id: 'ep-name', required: true, autocomplete: 'off' });
  const epType = h(
    'select',
    { id: 'ep-type' },
    ['sqs', 'sqs-fifo', 'kinesis'].map((t) => h('option', { value: t }, t)),
  );
  const epTarget = h('input', {
    id: 'ep-target',
    required: true,
    placeholder: 'queue URL or ARN, stream name or ARN',
    autocomplete: 'off',
  });
  const epOut = h('div');
  const epForm = h(
    'form',
    { class: 'inline', 'aria-label': 'Add an endpoint' },
    h('label', { for: 'ep-name' }, 'Name'),
    epName,
    h('label', { for: 'ep-type' }, 'Type'),
    epType,
    h('label', { for: 'ep-target' }, 'Target'),
    epTarget,
    h('button', { type: 'submit', disabled: !!writeDenied, title: writeDenied }, 'Add endpoint'),
    epOut,
  );
  epForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(epOut, async () => {
      await app.api.call('PUT', `/endpoints/${encodeURIComponent(epName.value.trim())}`, {
        body: { type: epType.value, target: epTarget.value.trim() },
      });
      await loadConfig();
      return `Endpoint ${epName.value.trim()} saved.`;
    });
  });

  // Add route
  const rName = h('input', { id: 'route-name', required: true, autocomplete: 'off' });
  const rSource = h(
    'select',
    { id: 'route-source' },
    SOURCES.map((s) => h('option', { value: s }, s)),
  );
  const rCondition = h('textarea', { id: 'route-condition', rows: 2, spellcheck: 'false', placeholder: 'true' });
  const rEndpoint = endpointSelect('route-endpoint');
  const rEnabled = h('input', { type: 'checkbox', id: 'route-enabled', checked: true });
  const rOut = h('div', { id: 'route-result' });
  const rForm = h(
    'form',
    { class: 'inline', 'aria-label': 'Add a route' },
    h('label', { for: 'route-name' }, 'Name'),
    rName,
    h('label', { for: 'route-source' }, 'Source'),
    rSource,
    h('label', { for: 'route-condition' }, 'Condition'),
    rCondition,
    h('label', { for: 'route-endpoint' }, 'Endpoint'),
    rEndpoint,
    h('label', { class: 'check' }, rEnabled, ' Enabled'),
    h('button', { type: 'submit', disabled: !!writeDenied, title: writeDenied }, 'Save route'),
    rOut,
  );
  rForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const condition = rCondition.value.trim() || 'true';
    rOut.replaceChildren();
    app.api
      .call('PUT', `/routes/${encodeURIComponent(rName.value.trim())}`, {
        body: { source: rSource.value, condition, endpoint: rEndpoint.value, enabled: rEnabled.checked },
      })
      .then(async () => {
        await loadConfig();
        replace(rOut, notice('ok', `Route ${rName.value.trim()} saved.`));
      })
      .catch((err: unknown) => {
        if (!conditionError(err, condition, rOut)) replace(rOut, notice('error', err instanceof Error ? err.message : String(err)));
      });
  });

  // Fallback and enrichments
  const fbEndpoint = endpointSelect('fallback-endpoint');
  const fbSet = h('button', { type: 'submit', disabled: !!writeDenied, title: writeDenied }, 'Set fallback');
  const fbForm = h(
    'form',
    { class: 'inline', 'aria-label': 'Set the fallback route' },
    h('label', { for: 'fallback-endpoint' }, 'Fallback endpoint'),
    fbEndpoint,
    fbSet,
  );
  fbForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(out, async () => {
      await app.api.call('PUT', '/routing/fallback', { body: { endpoint: fbEndpoint.value } });
      await loadConfig();
      return `Fallback set to ${fbEndpoint.value}.`;
    });
  });
  const enEndpoint = endpointSelect('enrichment-endpoint');
  const enKey = h('input', { id: 'enrichment-key', required: true, autocomplete: 'off' });
  const enValue = h('input', {
    id: 'enrichment-value',
    required: true,
    placeholder: 'static, $iothubname or $twin.tags.x',
    autocomplete: 'off',
  });
  const enForm = h(
    'form',
    { class: 'inline', 'aria-label': 'Add an enrichment' },
    h('label', { for: 'enrichment-endpoint' }, 'Endpoint'),
    enEndpoint,
    h('label', { for: 'enrichment-key' }, 'Key'),
    enKey,
    h('label', { for: 'enrichment-value' }, 'Value'),
    enValue,
    h('button', { type: 'submit', disabled: !!writeDenied, title: writeDenied }, 'Add enrichment'),
  );
  enForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(out, async () => {
      await app.api.call(
        'PUT',
        `/endpoints/${encodeURIComponent(enEndpoint.value)}/enrichments/${encodeURIComponent(enKey.value.trim())}`,
        { body: { value: enValue.value } },
      );
      await loadConfig();
      return `Enrichment ${enKey.value.trim()} saved.`;
    });
  });

  // Condition tester
  const tCondition = h('textarea', {
    id: 'test-condition',
    rows: 2,
    spellcheck: 'false',
    placeholder: "temp > 30 AND $connectionDeviceId = 'dev1'",
  });
  const picked = app.pickedMessage?.envelope;
  const tMessage = h(
    'textarea',
    { id: 'test-message', rows: 6, spellcheck: 'false' },
    picked
      ? JSON.stringify(picked, null, 2)
      : JSON.stringify({ deviceId: 'dev1', properties: { temp: '35' }, body: { temp: 35 } }, null, 2),
  );
  const tOut = h('div', { id: 'test-result', 'aria-live': 'polite' });
  const tButton = h('button', { type: 'submit', disabled: !!serviceDenied, title: serviceDenied }, 'Test condition');
  const tForm = h(
    'form',
    { class: 'card', 'aria-label': 'Test a condition' },
    h('h2', {}, 'Test a condition'),
    serviceDenied ? notice('info', `${serviceDenied} Condition tests are disabled.`) : null,
    picked ? notice('info', `The message below is ${picked.deviceId}'s message picked in Live telemetry.`) : null,
    h('label', { for: 'test-condition' }, 'Condition'),
    tCondition,
    h('label', { for: 'test-message' }, 'Message (an envelope as the stream holds it; body may be plain JSON)'),
    tMessage,
    tButton,
    tOut,
  );
  tForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const condition = tCondition.value;
    let message: unknown;
    try {
      message = JSON.parse(tMessage.value);
    } catch {
      replace(tOut, notice('error', 'The message is not valid JSON.'));
      return;
    }
    app.api
      .call<{ result: boolean }>('POST', '/routes/test', { body: { condition, message } })
      .then((res) =>
        replace(
          tOut,
          h(
            'p',
            { class: `notice ${res.data.result ? 'ok' : 'info'}`, role: 'status' },
            res.data.result ? 'true: the condition matches this message.' : 'false: the condition does not match this message.',
          ),
        ),
      )
      .catch((err: unknown) => {
        if (!conditionError(err, condition, tOut)) replace(tOut, notice('error', err instanceof Error ? err.message : String(err)));
      });
  });

  // Dead letters
  const loadDead = async () => {
    if (serviceDenied) return;
    const only = deadFilter.value ? `&endpoint=${encodeURIComponent(deadFilter.value)}` : '';
    const { data } = await app.api.call<DeadLetter[]>('GET', `/routing/deadletters?top=100${only}`);
    replace(
      deadBody,
      data.length
        ? data.map((d) =>
            h(
              'tr',
              { 'data-deadletter': d.id },
              h('td', {}, d.endpoint ?? '—'),
              h('td', {}, (d.routes ?? []).join(', ')),
              h('td', {}, d.reason),
              h('td', { class: 'mono' }, d.error ?? ''),
              h('td', {}, d.deviceId ?? '—'),
              h('td', {}, formatTime(d.deadLetteredTime)),
            ),
          )
        : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'The dead-letter queue is empty.')),
    );
  };
  const redrive = h('button', { type: 'button', id: 'redrive', disabled: !!serviceDenied, title: serviceDenied }, 'Redrive all');
  redrive.addEventListener(
    'click',
    () =>
      void attempt(deadOut, async () => {
        redrive.disabled = true;
        try {
          const { data } = await app.api.call<{ redriven: number; failed: number; skipped: number; remaining: boolean }>(
            'POST',
            '/routing/deadletters/redrive',
            { body: deadFilter.value ? { endpoint: deadFilter.value } : {} },
          );
          await loadDead();
          return `Redriven ${data.redriven}, still failing ${data.failed}, skipped ${data.skipped}${data.remaining ? '; more remain, press again' : ''}.`;
        } finally {
          redrive.disabled = false;
        }
      }),
  );
  const reloadDead = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  reloadDead.addEventListener('click', () => void attempt(deadOut, loadDead));

  const table = (id: string, cols: string[], body: HTMLElement) =>
    h(
      'table',
      { id: `${id}-table` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          cols.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    );

  replace(
    main,
    h('h1', {}, 'Routing'),
    readDenied ? notice('info', `${readDenied} The routing configuration is not available.`) : null,
    writeDenied && !readDenied ? notice('info', `${writeDenied} Changing the routing configuration is disabled.`) : null,
    out,
    h(
      'section',
      { class: 'card', 'aria-label': 'Endpoints' },
      h('h2', {}, 'Endpoints'),
      table('endpoints', ['Name', 'Type', 'Target', 'Health', ''], endpointsBody),
      epForm,
    ),
    h(
      'section',
      { class: 'card', 'aria-label': 'Routes' },
      h('h2', {}, 'Routes'),
      table('routes', ['Name', 'Source', 'Condition', 'Endpoint', 'State', ''], routesBody),
      rForm,
    ),
    h(
      'section',
      { class: 'card', 'aria-label': 'Fallback and enrichments' },
      h('h2', {}, 'Fallback route'),
      fallbackBox,
      fbForm,
      h('h2', {}, 'Enrichments'),
      table('enrichments', ['Endpoint', 'Key', 'Value', ''], enrichmentsBody),
      enForm,
    ),
    tForm,
    h(
      'section',
      { class: 'card', 'aria-label': 'Dead letters' },
      h('h2', {}, 'Dead letters'),
      serviceDenied ? notice('info', `${serviceDenied} Dead letters carry message data and are not shown.`) : null,
      h('div', { class: 'row' }, h('label', { for: 'deadletters-endpoint' }, 'Endpoint'), deadFilter),
      table('deadletters', ['Endpoint', 'Routes', 'Reason', 'Error', 'Device', 'Time'], deadBody),
      h('div', { class: 'row' }, redrive, reloadDead),
      deadOut,
    ),
  );
  void attempt(out, loadConfig);
  deadFilter.addEventListener('change', () => void attempt(deadOut, loadDead));
  void attempt(deadOut, loadDead);
}
