/**
 * Live telemetry: messages from the built-in stream as they arrive (newest first), pause and
 * resume, and a rolling plot of numeric body fields and properties (uPlot).
 */
import uPlot from 'uplot';
import { lacks, type App } from '../app';
import { formatTime, h, notice, replace } from '../dom';
import { alignSeries, numericFields, prettyBody, type Point, type StreamMessage } from '../messages';

const SHOWN = 100;
const COLORS = ['#2f7ed8', '#d9480f', '#2b8a3e', '#ae3ec9', '#e8590c', '#1098ad', '#5c940d', '#c2255c'];

export function telemetryView(app: App, main: HTMLElement): (() => void) | void {
  const denied = lacks(app, 'ServiceConnect');
  const stream = app.stream;
  if (denied || !stream) {
    replace(main, h('h1', {}, 'Live telemetry'), notice('info', `${denied ?? ''} Reading the built-in stream needs ServiceConnect.`));
    return;
  }
  const device = h('select', { id: 'telemetry-device' }, h('option', { value: '' }, 'all devices'));
  const pause = h('button', { type: 'button', id: 'pause' }, stream.status.kind === 'paused' ? 'Resume' : 'Pause');
  const fromStart = h('button', { type: 'button', class: 'secondary' }, 'Read from the start of the stream');
  const status = h('p', { id: 'stream-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { id: 'messages', class: 'messages-list', 'aria-label': 'Messages, newest first' });
  const fieldsBox = h('fieldset', { id: 'fields' }, h('legend', {}, 'Plot fields'));
  const windowSelect = h(
    'select',
    { id: 'plot-window', 'aria-label': 'Plot window' },
    h('option', { value: '60000' }, 'last minute'),
    h('option', { value: '300000', selected: true }, 'last 5 minutes'),
    h('option', { value: '900000' }, 'last 15 minutes'),
    h('option', { value: '3600000' }, 'last hour'),
  );
  const chartBox = h('div', { id: 'chart', class: 'chart' }, h('p', { class: 'hint' }, 'Tick fields to plot them.'));
  const knownDevices = new Set<string>();
  const knownFields = new Set<string>();
  const chosen = new Set<string>();
  let plot: uPlot | undefined;
  let plotKeys = '';

  const visible = (m: StreamMessage) => !device.value || m.envelope?.deviceId === device.value;

  const renderStatus = () => {
    const s = stream.status;
    status.className = s.kind === 'retrying' || s.kind === 'stopped' ? 'notice error' : 'notice info';
    status.setAttribute('role', s.kind === 'retrying' || s.kind === 'stopped' ? 'alert' : 'status');
    status.textContent =
      s.kind === 'live'
        ? `Live: ${stream.messages.length} messages kept${s.behindMs > 0 ? `, catching up (${Math.round(s.behindMs / 1000)} s behind)` : ''}.`
        : s.kind === 'paused'
          ? 'Paused. New messages wait in the stream until you resume.'
          : s.kind === 'retrying'
            ? `${s.throttled ? 'The hub asks to slow down (429).' : `Lost contact with the hub: ${s.message}`} Retrying in ${s.inSeconds} s; nothing is lost, reading resumes where it stopped.`
            : s.kind === 'stopped'
              ? `Stopped: ${s.message}`
              : 'Connecting to the stream…';
    pause.textContent = s.kind === 'paused' ? 'Resume' : 'Pause';
  };

  const renderMessage = (m: StreamMessage) => {
    const env = m.envelope;
    if (!env)
      return h(
        'li',
        { class: 'message' },
        h('p', {}, `Record ${m.sequenceNumber} is not an envelope (${m.data?.length ?? 0} base64 chars).`),
      );
    const use = h('button', { type: 'button', class: 'link' }, 'Test a route condition on this message');
    use.addEventListener('click', () => {
      app.pickedMessage = m;
      app.navigate('#/routing');
    });
    const props = Object.entries(env.properties ?? {});
    return h(
      'li',
      { class: 'message', 'data-device': env.deviceId, 'data-message-id': env.systemProperties['message-id'] ?? '' },
      h(
        'div',
        { class: 'meta' },
        h('strong', {}, env.deviceId),
        h('span', { class: 'badge' }, env.messageSource),
        h('time', { datetime: env.enqueuedTime }, formatTime(env.enqueuedTime)),
        env.systemProperties['message-id'] ? h('span', { class: 'mono' }, env.systemProperties['message-id']) : null,
      ),
      h('pre', { class: 'body' }, prettyBody(env)),
      props.length
        ? h(
            'table',
            { class: 'props' },
            h('caption', {}, 'Properties'),
            props.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))),
          )
        : null,
      h(
        'details',
        {},
        h('summary', {}, 'System properties'),
        h(
          'table',
          { class: 'props' },
          Object.entries(env.systemProperties).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v ?? ''))),
        ),
      ),
      use,
    );
  };

  const renderList = () => {
    const shown = stream.messages.filter(visible).slice(0, SHOWN);
    replace(
      list,
      shown.length ? shown.map(renderMessage) : h('li', { class: 'empty' }, 'No messages yet. Messages sent from now on appear here.'),
    );
  };

  const seriesPoints = (): { key: string; points: Point[] }[] => {
    const keys = [...chosen].sort();
    const series = new Map<string, Point[]>(keys.map((k) => [k, []]));
    for (let i = stream.messages.length - 1; i >= 0; i--) {
      const env = stream.messages[i]?.envelope;
      if (!env || !visible(stream.messages[i] as StreamMessage)) continue;
      const t = Date.parse(env.enqueuedTime);
      for (const [field, value] of numericFields(env)) {
        const key = device.value ? field : `${env.deviceId} ${field}`;
        series.get(key)?.push({ t, v: value });
      }
    }
    return keys.map((key) => ({ key, points: series.get(key) ?? [] }));
  };

  const renderChart = () => {
    const series = seriesPoints();
    if (series.length === 0) {
      plot?.destroy();
      plot = undefined;
      plotKeys = '';
      replace(chartBox, h('p', { class: 'hint' }, 'Tick fields to plot them.'));
      return;
    }
    const windowMs = Number(windowSelect.value);
    const now = Date.now();
    const data = alignSeries(
      series.map((s) => s.points),
      now - windowMs,
    ) as uPlot.AlignedData;
    const keys = series.map((s) => s.key).join('|');
    if (plot && keys === plotKeys) {
      plot.setData(data, false);
      plot.setScale('x', { min: (now - windowMs) / 1000, max: now / 1000 });
      return;
    }
    plot?.destroy();
    chartBox.replaceChildren();
    plotKeys = keys;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = {
      stroke: dark ? '#c9d1d9' : '#24292f',
      grid: { stroke: dark ? '#30363d' : '#e5e7eb' },
      ticks: { stroke: dark ? '#30363d' : '#e5e7eb' },
    };
    plot = new uPlot(
      {
        width: Math.max(300, chartBox.clientWidth || 800),
        height: 260,
        scales: { x: { time: true, auto: false, range: () => [(Date.now() - windowMs) / 1000, Date.now() / 1000] } },
        axes: [axis, axis],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.key,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5 },
          })),
        ],
      },
      data,
      chartBox,
    );
  };

  const renderFields = () => {
    const checkboxes = [...knownFields].sort().map((f) => {
      const box = h('input', { type: 'checkbox', value: f, checked: chosen.has(f), id: `field-${f}` });
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(f);
        else chosen.delete(f);
        renderChart();
      });
      return h('label', { class: 'check' }, box, ` ${f}`);
    });
    replace(
      fieldsBox,
      h('legend', {}, 'Plot fields'),
      checkboxes.length ? checkboxes : h('p', { class: 'hint' }, 'Numeric fields appear here as messages arrive.'),
    );
  };

  const learn = (messages: readonly StreamMessage[]) => {
    let newDevice = false;
    let newField = false;
    for (const m of messages) {
      const env = m.envelope;
      if (!env) continue;
      if (!knownDevices.has(env.deviceId)) {
        knownDevices.add(env.deviceId);
        device.append(h('option', { value: env.deviceId }, env.deviceId));
        newDevice = true;
      }
      if (!visible(m)) continue;
      for (const field of numericFields(env).keys()) {
        const key = device.value ? field : `${env.deviceId} ${field}`;
        if (!knownFields.has(key)) {
          knownFields.add(key);
          newField = true;
        }
      }
    }
    if (newField) renderFields();
    return newDevice || newField;
  };

  const relearn = () => {
    knownFields.clear();
    chosen.clear();
    learn(stream.messages);
    renderFields();
    renderList();
    renderChart();
  };

  let frame = 0;
  const unsubscribe = stream.onChange((added) => {
    renderStatus();
    if (added.length === 0) return;
    learn(added);
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      renderList();
      renderChart();
    });
  });
  const tick = setInterval(() => plot && renderChart(), 1000);

  pause.addEventListener('click', () =>
    stream.status.kind === 'paused' || stream.status.kind === 'stopped' ? stream.start() : stream.pause(),
  );
  fromStart.addEventListener('click', () => {
    stream.restart('trim-horizon');
    relearn();
  });
  device.addEventListener('change', relearn);
  windowSelect.addEventListener('change', renderChart);
  // The system switched between light and dark: rebuild the chart with the other axis colours.
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  const onScheme = () => {
    plotKeys = '';
    renderChart();
  };
  scheme.addEventListener('change', onScheme);
  const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, chartBox.clientWidth), height: 260 }));
  resize.observe(chartBox);

  replace(
    main,
    h('h1', {}, 'Live telemetry'),
    h('div', { class: 'row' }, h('label', { for: 'telemetry-device' }, 'Device'), device, pause, fromStart),
    status,
    h(
      'section',
      { class: 'card', 'aria-label': 'Plot' },
      h('div', { class: 'row' }, h('h2', {}, 'Plot'), windowSelect),
      fieldsBox,
      chartBox,
    ),
    h('section', { class: 'card', 'aria-label': 'Messages' }, h('h2', {}, 'Messages (newest first)'), list),
  );
  learn(stream.messages);
  renderFields();
  renderList();
  renderStatus();
  return () => {
    unsubscribe();
    clearInterval(tick);
    resize.disconnect();
    scheme.removeEventListener('change', onScheme);
    cancelAnimationFrame(frame);
    plot?.destroy();
  };
}
