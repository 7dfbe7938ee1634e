/** Devices: list (paged, filtered in the page), create (connection string shown once), enable/disable, delete, identity. */
import { attempt, lacks, type App } from '../app';
import { confirmDialog, formatTime, h, notice, replace } from '../dom';

export interface Device {
  deviceId: string;
  generationId: string;
  etag: string;
  status: 'enabled' | 'disabled';
  statusReason?: string;
  tags?: Record<string, unknown>;
  createdTime?: string;
  authentication?: { symmetricKey?: { primaryKey?: string; secondaryKey?: string } };
  // Identity fields other hub versions add; shown when present.
  connectionState?: string;
  lastActivityTime?: string;
  cloudToDeviceMessageCount?: number;
}

const PAGE = 50;

export function devicesView(app: App, main: HTMLElement): void {
  const writeDenied = lacks(app, 'RegistryWrite');
  const readDenied = lacks(app, 'RegistryRead');
  const out = h('div', { class: 'messages' });
  const tableBody = h('tbody');
  const detail = h('section', { class: 'card', 'aria-label': 'Identity', hidden: true });
  const loaded: Device[] = [];
  let continuation: string | null = null;

  const prefix = h('input', { id: 'filter-prefix', placeholder: 'id starts with' });
  const status = h(
    'select',
    { id: 'filter-status' },
    h('option', { value: '' }, 'any status'),
    h('option', { value: 'enabled' }, 'enabled'),
    h('option', { value: 'disabled' }, 'disabled'),
  );
  const tag = h('input', { id: 'filter-tag', placeholder: 'tag: key=value' });
  const more = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Load more');

  const matches = (d: Device) => {
    if (prefix.value && !d.deviceId.startsWith(prefix.value)) return false;
    if (status.value && d.status !== status.value) return false;
    if (tag.value) {
      const [k, ...rest] = tag.value.split('=');
      const v = rest.join('=');
      const actual = k ? d.tags?.[k.trim()] : undefined;
      if (actual === undefined || (rest.length > 0 && String(actual) !== v.trim())) return false;
    }
    return true;
  };

  const renderRows = () => {
    const rows = loaded.filter(matches).map((d) => {
      const toggle = h(
        'button',
        { type: 'button', class: 'secondary', disabled: !!writeDenied, title: writeDenied },
        d.status === 'enabled' ? 'Disable' : 'Enable',
      );
      toggle.addEventListener('click', () => void attempt(out, () => setStatus(d, d.status === 'enabled' ? 'disabled' : 'enabled')));
      const del = h('button', { type: 'button', class: 'danger', disabled: !!writeDenied, title: writeDenied }, 'Delete');
      del.addEventListener('click', () => void remove(d));
      const view = h('button', { type: 'button', class: 'link' }, d.deviceId);
      view.addEventListener('click', () => void showIdentity(d.deviceId));
      return h(
        'tr',
        { 'data-device': d.deviceId },
        h('td', {}, view),
        h('td', {}, h('span', { class: `badge ${d.status === 'enabled' ? 'yes' : 'no'}` }, d.status)),
        h('td', {}, d.connectionState ?? '—'),
        h('td', {}, formatTime(d.lastActivityTime)),
        h('td', { class: 'num' }, d.cloudToDeviceMessageCount ?? '—'),
        h('td', { class: 'mono' }, d.tags && Object.keys(d.tags).length ? JSON.stringify(d.tags) : ''),
        h('td', { class: 'actions' }, toggle, del),
      );
    });
    replace(
      tableBody,
      rows.length
        ? rows
        : h('tr', {}, h('td', { colspan: 7, class: 'empty' }, loaded.length ? 'No device matches the filter.' : 'No devices yet.')),
    );
    more.disabled = continuation === null;
  };

  // A reload started while a page is on its way makes that page stale; two loads of the same page
  // (a double click on "Load more") must not list a device twice.
  let listing = 0;
  const loadPage = async (reset: boolean) => {
    if (readDenied) return;
    if (reset) {
      listing += 1;
      loaded.length = 0;
      continuation = null;
    }
    const mine = listing;
    const headers: Record<string, string> = continuation ? { 'x-ms-continuation': continuation } : {};
    const res = await app.api.call<Device[]>('GET', `/devices?top=${PAGE}`, { headers });
    if (mine !== listing) return;
    const shown = new Set(loaded.map((d) => d.deviceId));
    loaded.push(...res.data.filter((d) => !shown.has(d.deviceId)));
    continuation = res.headers.get('x-ms-continuation');
    renderRows();
  };

  const setStatus = async (d: Device, next: 'enabled' | 'disabled') => {
    const res = await app.api.call<Device>('PUT', `/devices/${encodeURIComponent(d.deviceId)}`, {
      body: { deviceId: d.deviceId, status: next, tags: d.tags ?? {} },
      headers: { 'if-match': `"${d.etag}"` },
    });
    Object.assign(d, res.data);
    renderRows();
    return `${d.deviceId} is now ${next}.`;
  };

  const remove = async (d: Device) => {
    if (!(await confirmDialog(`Delete device ${d.deviceId}? Its pending commands are dropped too.`, 'Delete'))) return;
    await attempt(out, async () => {
      await app.api.call('DELETE', `/devices/${encodeURIComponent(d.deviceId)}`);
      loaded.splice(loaded.indexOf(d), 1);
      renderRows();
      return `Deleted ${d.deviceId}.`;
    });
  };

  const showIdentity = async (deviceId: string) => {
    detail.hidden = false;
    replace(detail, h('p', {}, 'Loading…'));
    const ok = await attempt(detail, async () => {
      const { data: d } = await app.api.call<Device>('GET', `/devices/${encodeURIComponent(deviceId)}`);
      const rows: [string, string | number][] = [
        ['Device id', d.deviceId],
        ['Status', `${d.status}${d.statusReason ? ` (${d.statusReason})` : ''}`],
        ['Connection state', d.connectionState ?? '—'],
        ['Last activity', formatTime(d.lastActivityTime)],
        ['Pending commands', d.cloudToDeviceMessageCount ?? '—'],
        ['Created', formatTime(d.createdTime)],
        ['Generation id', d.generationId],
        ['ETag', d.etag],
        ['Tags', JSON.stringify(d.tags ?? {})],
      ];
      const pending = h('div');
      replace(
        detail,
        h('h2', {}, `Device ${d.deviceId}`),
        h(
          'dl',
          { class: 'identity' },
          rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
        ),
        pending,
      );
      if (app.can('ServiceConnect')) {
        const { data: cmds } = await app.api.call<{ messageId: string; state: string; deliveryCount: number; expiryTime: string }[]>(
          'GET',
          `/devices/${encodeURIComponent(deviceId)}/commands`,
        );
        replace(
          pending,
          h('h3', {}, `Pending commands (${cmds.length})`),
          cmds.length
            ? h(
                'ul',
                {},
                cmds.map((c) =>
                  h('li', {}, `${c.messageId}: ${c.state}, ${c.deliveryCount} deliveries, expires ${formatTime(c.expiryTime)}`),
                ),
              )
            : h('p', { class: 'hint' }, 'None.'),
        );
      }
    });
    if (ok) detail.scrollIntoView({ block: 'nearest' });
  };

  // Create
  const newId = h('input', { id: 'new-device-id', required: true, maxlength: 128, autocomplete: 'off' });
  const newTags = h('input', { id: 'new-device-tags', placeholder: '{"site":"oslo"}', autocomplete: 'off' });
  const newDisabled = h('input', { type: 'checkbox', id: 'new-device-disabled' });
  const created = h('div', { id: 'created' });
  const createButton = h('button', { type: 'submit', disabled: !!writeDenied, title: writeDenied }, 'Create device');
  const createForm = h(
    'form',
    { class: 'card inline', 'aria-label': 'Create a device' },
    h('h2', {}, 'Create a device'),
    writeDenied ? notice('info', `${writeDenied} Creating, enabling, disabling and deleting devices is disabled.`) : null,
    h('label', { for: 'new-device-id' }, 'Device id'),
    newId,
    h('label', { for: 'new-device-tags' }, 'Tags (JSON, optional)'),
    newTags,
    h('label', { class: 'check' }, newDisabled, ' Create disabled'),
    createButton,
    created,
  );
  createForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(created, async () => {
      let tags: unknown = {};
      if (newTags.value.trim()) {
        try {
          tags = JSON.parse(newTags.value);
        } catch {
          throw new Error('Tags must be a JSON object, e.g. {"site":"oslo"}.');
        }
      }
      const id = newId.value.trim();
      const { data: d } = await app.api.call<Device>('PUT', `/devices/${encodeURIComponent(id)}`, {
        body: { deviceId: id, status: newDisabled.checked ? 'disabled' : 'enabled', tags },
      });
      const cs = `HostName=${app.deviceHostName};DeviceId=${d.deviceId};SharedAccessKey=${d.authentication?.symmetricKey?.primaryKey ?? ''}`;
      const field = h('input', {
        id: 'created-connection-string',
        readonly: true,
        value: cs,
        class: 'mono',
        'aria-label': 'Device connection string',
      });
      const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
      const copied = h('span', { role: 'status' });
      copy.addEventListener('click', () => {
        field.select();
        navigator.clipboard.writeText(cs).then(
          () => (copied.textContent = 'Copied.'),
          () => (copied.textContent = 'Select the text and copy it (the browser refused clipboard access).'),
        );
      });
      replace(
        created,
        notice('ok', `Created ${d.deviceId}. Its connection string is shown once; copy it now.`),
        h('div', { class: 'row' }, field, copy, copied),
      );
      newId.value = '';
      loaded.unshift(d);
      renderRows();
    });
  });

  for (const el of [prefix, status, tag]) el.addEventListener('input', renderRows);
  more.addEventListener('click', () => void attempt(out, () => loadPage(false)));
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => void attempt(out, () => loadPage(true)));

  replace(
    main,
    h('h1', {}, 'Devices'),
    readDenied ? notice('info', `${readDenied} The device list is not available.`) : null,
    out,
    h(
      'section',
      { class: 'card', 'aria-label': 'Device list' },
      h('div', { class: 'row filters' }, h('label', { for: 'filter-prefix' }, 'Filter'), prefix, status, tag, refresh),
      h(
        'table',
        { id: 'devices' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Device', 'Status', 'Connection', 'Last activity', 'Pending commands', 'Tags', ''].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        tableBody,
      ),
      more,
    ),
    detail,
    createForm,
  );
  void attempt(out, () => loadPage(true));
}
