/**
 * Commands (cloud-to-device): send with properties, ack mode and TTL; follow each sent command's
 * state (GET /devices/{id}/commands) and its feedback (POST /feedback/receive, which takes only
 * the feedback of commands sent from this page); purge a device's queue.
 */
import { defineProperty, headersFromProperties } from '../../../lib/messageProperties';
import { attempt, lacks, type App } from '../app';
import { confirmDialog, formatTime, h, notice, replace } from '../dom';

interface Tracked {
  deviceId: string;
  messageId: string;
  ack: string;
  sentAt: string;
  state: string;
  feedback?: string;
}

interface Pending {
  messageId: string;
  state: string;
  deliveryCount: number;
}

interface Feedback {
  originalMessageId: string;
  statusCode: string;
  description: string;
  enqueuedTimeUtc: string;
}

// Kept across visits to the view for as long as the page lives.
const tracked: Tracked[] = [];

export function commandsView(app: App, main: HTMLElement): (() => void) | void {
  const denied = lacks(app, 'ServiceConnect');
  const out = h('div', { class: 'messages' });
  const deviceId = h('input', { id: 'cmd-device', required: true, autocomplete: 'off' });
  const body = h('textarea', { id: 'cmd-body', rows: 3 }, '');
  const props = h('textarea', { id: 'cmd-props', rows: 2, placeholder: 'one name=value per line' });
  const ack = h(
    'select',
    { id: 'cmd-ack' },
    ['none', 'positive', 'negative', 'full'].map((a) => h('option', { value: a, selected: a === 'full' }, a)),
  );
  const ttl = h('input', { id: 'cmd-ttl', type: 'number', min: 1, max: 172800, placeholder: 'default (1 h)' });
  const messageId = h('input', { id: 'cmd-message-id', placeholder: 'generated when empty', autocomplete: 'off' });
  const send = h('button', { type: 'submit', disabled: !!denied, title: denied }, 'Send command');
  const purge = h('button', { type: 'button', class: 'danger', disabled: !!denied, title: denied }, 'Purge queue');
  const table = h('tbody', { id: 'sent-commands' });

  const render = () =>
    replace(
      table,
      tracked.length
        ? tracked.map((t) =>
            h(
              'tr',
              { 'data-message-id': t.messageId },
              h('td', { class: 'mono' }, t.messageId),
              h('td', {}, t.deviceId),
              h('td', {}, t.ack),
              h('td', {}, formatTime(t.sentAt)),
              h('td', { class: 'state' }, t.state),
              h('td', { class: 'feedback' }, t.feedback ?? (t.ack === 'none' ? 'not asked for' : 'waiting…')),
            ),
          )
        : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'Commands you send appear here with their state and feedback.')),
    );

  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Send a command' },
    h('h2', {}, 'Send a command'),
    denied ? notice('info', `${denied} Sending and purging commands is disabled.`) : null,
    h('label', { for: 'cmd-device' }, 'Device id'),
    deviceId,
    h('label', { for: 'cmd-body' }, 'Body'),
    body,
    h('label', { for: 'cmd-props' }, 'Application properties'),
    props,
    h('div', { class: 'row' }, h('label', { for: 'cmd-ack' }, 'Feedback (ack)'), ack, h('label', { for: 'cmd-ttl' }, 'TTL (seconds)'), ttl),
    h('label', { for: 'cmd-message-id' }, 'Message id'),
    messageId,
    h('div', { class: 'row' }, send, purge),
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(out, async () => {
      const properties: Record<string, string> = {};
      for (const line of props.value.split('\n')) {
        if (!line.trim()) continue;
        const eq = line.indexOf('=');
        if (eq <= 0) throw new Error(`Property line "${line}" is not name=value.`);
        defineProperty(properties, line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      }
      const headers = {
        'content-type': 'text/plain; charset=utf-8',
        ...headersFromProperties({
          ack: ack.value,
          ttl: ttl.value || undefined,
          messageId: messageId.value.trim() || undefined,
          properties,
        }),
      };
      const id = deviceId.value.trim();
      const res = await app.api.call<{ messageId: string }>('POST', `/devices/${encodeURIComponent(id)}/messages/devicebound`, {
        rawBody: body.value,
        headers,
      });
      tracked.unshift({ deviceId: id, messageId: res.data.messageId, ack: ack.value, sentAt: new Date().toISOString(), state: 'Enqueued' });
      render();
      return `Command ${res.data.messageId} queued for ${id}.`;
    });
  });

  purge.addEventListener('click', () => {
    const id = deviceId.value.trim();
    if (!id) {
      out.replaceChildren(notice('error', 'Enter the device whose queue to purge.'));
      return;
    }
    void confirmDialog(`Purge every pending command of ${id}?`, 'Purge').then(
      (yes) =>
        yes &&
        attempt(out, async () => {
          const res = await app.api.call<{ totalMessagesPurged: number }>('DELETE', `/devices/${encodeURIComponent(id)}/commands`);
          return `Purged ${res.data.totalMessagesPurged} command(s) of ${id}.`;
        }),
    );
  });

  // Follow what is still open: states from the device queues, then feedback.
  let busy = false;
  const follow = async () => {
    if (busy || denied) return;
    const open = tracked.filter((t) => t.state !== 'settled' || (t.ack !== 'none' && !t.feedback));
    if (open.length === 0) return;
    busy = true;
    try {
      for (const id of new Set(open.filter((t) => t.state !== 'settled').map((t) => t.deviceId))) {
        const { data } = await app.api.call<Pending[]>('GET', `/devices/${encodeURIComponent(id)}/commands`);
        const byId = new Map(data.map((p) => [p.messageId, p]));
        for (const t of open.filter((x) => x.deviceId === id && x.state !== 'settled')) {
          const p = byId.get(t.messageId);
          t.state = p ? `${p.state}${p.deliveryCount ? ` (${p.deliveryCount} deliveries)` : ''}` : 'settled';
        }
      }
      const waiting = tracked.filter((t) => t.ack !== 'none' && !t.feedback).map((t) => t.messageId);
      if (waiting.length > 0) {
        const { data } = await app.api.call<Feedback[]>('POST', '/feedback/receive', {
          body: { originalMessageIds: waiting.slice(0, 100) },
        });
        for (const f of data) {
          const t = tracked.find((x) => x.messageId === f.originalMessageId);
          if (t) {
            t.feedback = `${f.statusCode} at ${formatTime(f.enqueuedTimeUtc)}`;
            t.state = 'settled';
          }
        }
      }
      render();
    } catch (err) {
      out.replaceChildren(notice('error', err instanceof Error ? err.message : String(err)));
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void follow(), 2000);

  replace(
    main,
    h('h1', {}, 'Commands'),
    out,
    form,
    h(
      'section',
      { class: 'card', 'aria-label': 'Sent commands' },
      h('h2', {}, 'Sent from this page'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Message id', 'Device', 'Ack', 'Sent', 'State', 'Feedback'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        table,
      ),
      h(
        'p',
        { class: 'hint' },
        'Feedback of commands sent here is taken off the hub’s feedback queue by this page; other feedback is left for your backends.',
      ),
    ),
  );
  render();
  return () => clearInterval(timer);
}
