/**
 * Hub overview from what the APIs can tell: devices, messages per minute into the built-in
 * stream (counted by this page's reader since it opened), endpoint health, dead letters,
 * pending commands (when the registry reports cloudToDeviceMessageCount).
 */
import { attempt, type App } from '../app';
import { h, replace } from '../dom';
import type { Device } from './devices';

function tile(label: string, id: string): { el: HTMLElement; value: HTMLElement; note: HTMLElement } {
  const value = h('p', { class: 'value', id }, '…');
  const note = h('p', { class: 'hint' });
  return { el: h('section', { class: 'tile card', 'aria-label': label }, h('h2', {}, label), value, note), value, note };
}

export function overviewView(app: App, main: HTMLElement): () => void {
  const out = h('div', { class: 'messages' });
  const devices = tile('Devices', 'ov-devices');
  const rate = tile('Messages in, last minute', 'ov-rate');
  const routed = tile('Endpoints', 'ov-endpoints');
  const dead = tile('Dead letters', 'ov-dead');
  const pending = tile('Pending commands', 'ov-pending');
  replace(main, h('h1', {}, 'Overview'), out, h('div', { class: 'tiles' }, devices.el, rate.el, routed.el, dead.el, pending.el));

  const refreshRate = () => {
    if (!app.stream) {
      rate.value.textContent = '—';
      rate.note.textContent = 'Needs ServiceConnect (reads the built-in stream).';
      return;
    }
    const now = Date.now();
    rate.value.textContent = String(app.stream.arrivals.filter((t) => t > now - 60_000).length);
    rate.note.textContent = 'Counted by this page while it is open (all message sources).';
  };

  const load = async () => {
    if (app.can('RegistryRead')) {
      let count = 0;
      let c2d = 0;
      let c2dKnown = false;
      let token: string | null = null;
      let pages = 0;
      do {
        const res: { data: Device[]; headers: Headers } = await app.api.call<Device[]>('GET', '/devices?top=1000', {
          headers: token ? { 'x-ms-continuation': token } : {},
        });
        count += res.data.length;
        for (const d of res.data)
          if (typeof d.cloudToDeviceMessageCount === 'number') {
            c2d += d.cloudToDeviceMessageCount;
            c2dKnown = true;
          }
        token = res.headers.get('x-ms-continuation');
      } while (token && ++pages < 10);
      devices.value.textContent = `${count}${token ? '+' : ''}`;
      pending.value.textContent = c2dKnown ? String(c2d) : '—';
      pending.note.textContent = c2dKnown
        ? 'Sum of the devices’ queue depths.'
        : 'This hub’s registry does not report queue depths; see a device’s pending commands.';
      const [{ data: eps }, { data: health }] = await Promise.all([
        app.api.call<{ name: string }[]>('GET', '/endpoints'),
        app.api.call<{ endpoint: string; status: string }[]>('GET', '/routing/health'),
      ]);
      const bad = health.filter((x) => x.status === 'unhealthy' || x.status === 'dead');
      routed.value.textContent = `${eps.length}`;
      routed.note.textContent = bad.length
        ? `Failing: ${bad.map((b) => `${b.endpoint} (${b.status})`).join(', ')}`
        : 'All healthy or not used yet. Routed counts are not available from the APIs.';
    } else {
      for (const t of [devices, routed, pending]) {
        t.value.textContent = '—';
        t.note.textContent = `The ${app.policy} policy lacks RegistryRead.`;
      }
    }
    if (app.can('ServiceConnect')) {
      const { data } = await app.api.call<unknown[]>('GET', '/routing/deadletters?top=1000');
      dead.value.textContent = `${data.length}${data.length >= 1000 ? '+' : ''}`;
      dead.note.textContent = 'Messages an endpoint did not take; redrive them under Routing.';
    } else {
      dead.value.textContent = '—';
      dead.note.textContent = `The ${app.policy} policy lacks ServiceConnect.`;
    }
  };

  refreshRate();
  void attempt(out, load);
  const timer = setInterval(refreshRate, 2000);
  return () => clearInterval(timer);
}
