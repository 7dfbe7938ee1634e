/**
 * Published prices of the two managed alternatives for the same traffic: Azure IoT Hub
 * (standard tier units sized for the daily message count, metered in 4 KB chunks) and AWS IoT
 * Core (MQTT messaging, rules engine and connectivity, metered in 5 KB increments). Pure.
 */
import { MILLION, meteredUnits, rateText, tieredCost } from './math';
import type { Assumptions, PeerEstimate, PeerLine, PriceTable, TrafficProfile } from './types';

/**
 * Azure IoT Hub: a hub's units are bought per month and cap the messages per day. Device-to-cloud
 * messages (each message of a batch separately) and cloud-to-device sends count, in 4 KB chunks.
 * The cheapest S tier whose unit count fits under its per-hub maximum wins.
 */
export function azureIotHub(traffic: TrafficProfile, prices: PriceTable): PeerEstimate {
  const az = prices.azureIotHub;
  const d2cPerDay = traffic.messagesPerDay * meteredUnits(traffic.messageSizeBytes, az.meterBytes);
  const c2dPerDay = traffic.devices * traffic.c2dPerDevicePerDay * meteredUnits(traffic.c2dMessageSizeBytes, az.meterBytes);
  const perDay = d2cPerDay + c2dPerDay;
  const options = az.tiers
    .map((tier) => {
      const units = Math.max(1, Math.ceil(perDay / tier.messagesPerDayPerUnit));
      return { tier, units, hubs: 1, cost: units * tier.unitPerMonth };
    })
    .filter((o) => o.units <= o.tier.maxUnits)
    .sort((x, y) => x.cost - y.cost);
  let choice = options[0];
  if (!choice) {
    // Beyond one hub: fill S3 hubs (the largest tier) to their maximum.
    const top = az.tiers.reduce((best, t) =>
      t.messagesPerDayPerUnit * t.maxUnits > best.messagesPerDayPerUnit * best.maxUnits ? t : best,
    );
    const units = Math.ceil(perDay / top.messagesPerDayPerUnit);
    choice = { tier: top, units, hubs: Math.ceil(units / top.maxUnits), cost: units * top.unitPerMonth };
  }
  const { tier, units, hubs, cost } = choice;
  const lines: PeerLine[] = [
    {
      item: `${tier.name} units (${fmtInt(tier.messagesPerDayPerUnit)} msgs/day each${hubs > 1 ? `, across ${hubs} hubs` : ''})`,
      quantity: units,
      unit: 'units',
      rate: rateText(tier.unitPerMonth, 'unit-month'),
      monthlyUsd: cost,
    },
  ];
  const messagesPerMonth = traffic.messagesPerDay * (prices.hoursPerMonth / 24);
  return {
    name: 'Azure IoT Hub',
    summary: `${tier.name} × ${units}: ${fmtInt(perDay)} metered msgs/day (4 KB chunks${c2dPerDay > 0 ? ', D2C + C2D' : ''})`,
    lines,
    monthlyUsd: cost,
    perMillionMessagesUsd: messagesPerMonth > 0 ? cost / (messagesPerMonth / MILLION) : 0,
  };
}

/**
 * AWS IoT Core for the same traffic over MQTT: every device-to-cloud publish is metered in 5 KB
 * increments (payload + topic); each triggers one rule per route (at least one, the equivalent of
 * the built-in endpoint) and one action per matching route; a cloud-to-device command is the
 * backend's publish plus the delivery to the device, plus the device's QoS 1 PUBACK if metered.
 * Devices are connected `iotCoreConnectedFraction` of the time. With Basic Ingest the device
 * publishes carry no messaging charge (rules and actions still apply).
 */
export function awsIotCore(traffic: TrafficProfile, prices: PriceTable, a: Assumptions, basicIngest: boolean): PeerEstimate {
  const iot = prices.awsIotCore;
  const days = prices.hoursPerMonth / 24;
  const M = traffic.messagesPerDay * days;
  const N = traffic.devices * traffic.c2dPerDevicePerDay * days;
  const d2cUnits = meteredUnits(traffic.messageSizeBytes + a.peers.iotCoreTopicBytes, iot.meterBytes);
  const c2dUnits = meteredUnits(traffic.c2dMessageSizeBytes + a.peers.iotCoreTopicBytes, iot.meterBytes);
  const d2cMessages = basicIngest ? 0 : M * d2cUnits;
  const c2dMessages = N * (2 * c2dUnits + (a.peers.iotCorePubackMetered ? 1 : 0));
  const messages = d2cMessages + c2dMessages;
  const messaging = tieredCost(messages, iot.messagingPerMillion, MILLION);
  const rules = Math.max(1, traffic.routes);
  const actionsPerMessage = traffic.routes > 0 ? Math.max(1, traffic.routes * a.router.routeMatchFraction) : 1;
  const rulesTriggered = M * rules * d2cUnits;
  const actionsApplied = M * actionsPerMessage * d2cUnits;
  const connected = iotCoreConnectedFraction(traffic, a);
  const minutes = traffic.devices * connected * prices.hoursPerMonth * 60;
  const lines: PeerLine[] = [
    {
      item: basicIngest ? 'messaging (C2D only; Basic Ingest publishes are free)' : 'messaging (5 KB units, D2C + C2D)',
      quantity: messages,
      unit: 'messages',
      rate: rateText(messages > 0 ? (messaging / messages) * MILLION : (iot.messagingPerMillion[0]?.price ?? 0), 'M'),
      monthlyUsd: messaging,
    },
    {
      item: `rules triggered (${rules} per message)`,
      quantity: rulesTriggered,
      unit: 'rules',
      rate: rateText(iot.rulesTriggeredPerMillion, 'M'),
      monthlyUsd: (rulesTriggered / MILLION) * iot.rulesTriggeredPerMillion,
    },
    {
      item: `actions applied (${round1(actionsPerMessage)} per message)`,
      quantity: actionsApplied,
      unit: 'actions',
      rate: rateText(iot.actionsAppliedPerMillion, 'M'),
      monthlyUsd: (actionsApplied / MILLION) * iot.actionsAppliedPerMillion,
    },
    {
      item: `connectivity (${fmtInt(traffic.devices)} devices, ${Math.round(connected * 100)}% connected${a.peers.iotCoreConnectedFraction === null ? ': the WebSocket share, as MQTT over WebSockets; HTTPS publishes hold no connection' : ''})`,
      quantity: minutes,
      unit: 'minutes',
      rate: rateText(iot.connectionMinutesPerMillion, 'M'),
      monthlyUsd: (minutes / MILLION) * iot.connectionMinutesPerMillion,
    },
  ];
  const total = lines.reduce((s, l) => s + l.monthlyUsd, 0);
  return {
    name: basicIngest ? 'AWS IoT Core (Basic Ingest)' : 'AWS IoT Core',
    summary: `${basicIngest ? 'Basic Ingest publishes (no messaging charge)' : 'MQTT messaging'} + ${rules} rule${rules === 1 ? '' : 's'}/${round1(actionsPerMessage)} action${actionsPerMessage === 1 ? '' : 's'} per message + ${connected > 0 ? `${Math.round(connected * 100)}% of devices always connected` : 'HTTPS publishes (no connection minutes)'}`,
    lines,
    monthlyUsd: total,
    perMillionMessagesUsd: M > 0 ? total / (M / MILLION) : 0,
  };
}

/**
 * Share of IoT Core devices holding a connection: as assumed, or (null) by transport like devhub's
 * own devices: WebSocket devices compare with MQTT over WebSockets (connected all the time), HTTPS
 * devices with IoT Core's HTTPS publish (no connection minutes).
 */
export function iotCoreConnectedFraction(traffic: TrafficProfile, a: Assumptions): number {
  return a.peers.iotCoreConnectedFraction ?? traffic.websocketFraction;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function round1(n: number): string {
  return String(Math.round(n * 10) / 10);
}
