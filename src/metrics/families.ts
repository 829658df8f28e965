// What a scrape means as Prometheus metrics: names with the rmnetctl_ prefix and their unit, counters ending
// in _total, labels of low cardinality only (modem, mux id, link, IP family; model/revision/IMEI and APN only
// on the *_info gauges whose value is 1). Enumerations are state sets: one series per known state, 1 for the
// current one, so an alert can say `rmnetctl_sim_state{state="ready"} == 0`. Pure: docs/metrics.md lists them.
import type { MetricFamily, MetricType, Sample } from './exposition.js';
import type { ModemScrape, Scrape } from './collect.js';
import { NAS_REGISTRATION_STATE } from '../nas/enums.js';
import { SIM_STATES } from '../uim/card.js';
import { DMS_OPERATING_MODE } from '../dms/messages.js';
import { PACKET_SERVICE_STATUS } from '../wds/enums.js';
import { LADDER } from '../health/ladder.js';

/** The access technologies nas/radio.ts names. */
const TECHNOLOGIES = ['none', 'gsm', 'umts', 'td-scdma', 'cdma-1x', 'cdma-1xevdo', 'lte', '5gnr-nsa', '5gnr'];

type Labels = Record<string, string>;

class Families {
  private readonly families = new Map<string, MetricFamily>();

  declare(name: string, type: MetricType, help: string): void {
    this.families.set(name, { name, type, help, samples: [] });
  }

  add(name: string, labels: Labels, value: number | bigint | null | undefined): void {
    if (value === null || value === undefined) return;
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} is not declared`);
    family.samples.push({ labels, value } satisfies Sample);
  }

  /** One series per state (the known ones, plus the current one if it is new), 1 for the current state. */
  stateSet(name: string, labels: Labels, states: readonly string[], current: string): void {
    for (const state of states.includes(current) ? states : [...states, current]) this.add(name, { ...labels, state }, state === current ? 1 : 0);
  }

  list(): MetricFamily[] {
    return [...this.families.values()];
  }
}

function declareAll(f: Families): void {
  f.declare('rmnetctl_scrape_duration_seconds', 'gauge', 'How long the scrape of every modem took.');
  f.declare('rmnetctl_modems', 'gauge', 'Modems scraped.');
  f.declare('rmnetctl_modem_scrape_success', 'gauge', '1 when the modem answered over QMI, 0 when it could not be asked (port gone, busy, no answer).');
  f.declare('rmnetctl_modem_info', 'gauge', 'Identity of the modem (DMS); always 1.');
  f.declare('rmnetctl_modem_answer_available', 'gauge', '1 when the modem answered the question, 0 when it refused it (firmware without the service or message).');
  f.declare('rmnetctl_modem_operating_mode', 'gauge', 'DMS operating mode: 1 for the current mode.');
  f.declare('rmnetctl_sim_state', 'gauge', 'SIM state (UIM card status): 1 for the current state.');
  f.declare('rmnetctl_registration_state', 'gauge', 'NAS registration state: 1 for the current state.');
  f.declare('rmnetctl_access_technology', 'gauge', 'Radio access technology in use: 1 for the current one (5gnr-nsa: LTE anchor with an NR leg).');
  f.declare('rmnetctl_network_info', 'gauge', 'The serving network (PLMN) while registered; always 1.');
  f.declare('rmnetctl_roaming', 'gauge', '1 when registered on a visited network, 0 at home.');
  f.declare('rmnetctl_signal_rssi_dbm', 'gauge', 'Received signal strength indicator, dBm.');
  f.declare('rmnetctl_signal_rsrp_dbm', 'gauge', 'Reference signal received power, dBm.');
  f.declare('rmnetctl_signal_rsrq_db', 'gauge', 'Reference signal received quality, dB.');
  f.declare('rmnetctl_signal_sinr_db', 'gauge', 'Signal to interference plus noise ratio, dB.');
  f.declare('rmnetctl_data_format_info', 'gauge', 'The data format the modem granted (WDA): link layer and aggregation protocol each way; always 1.');
  f.declare('rmnetctl_data_format_dl_max_datagrams', 'gauge', 'Downlink aggregation: most datagrams per transfer the modem granted.');
  f.declare('rmnetctl_data_format_dl_max_size_bytes', 'gauge', 'Downlink aggregation: largest transfer the modem granted, bytes.');
  f.declare('rmnetctl_pdn_info', 'gauge', 'A PDN rmnetctl brought up (its record): APN, link and backend; always 1.');
  f.declare('rmnetctl_pdn_session_state', 'gauge', 'WDS packet service status of the PDN session, asked on the client that owns it: 1 for the current state.');
  f.declare('rmnetctl_pdn_rx_bytes_total', 'counter', 'Bytes the modem delivered on the session (WDS packet statistics).');
  f.declare('rmnetctl_pdn_tx_bytes_total', 'counter', 'Bytes the modem sent on the session (WDS packet statistics).');
  f.declare('rmnetctl_pdn_rx_packets_total', 'counter', 'Packets the modem delivered on the session (WDS packet statistics).');
  f.declare('rmnetctl_pdn_tx_packets_total', 'counter', 'Packets the modem sent on the session (WDS packet statistics).');
  f.declare('rmnetctl_pdn_rx_errors_total', 'counter', 'Received packets in error (WDS packet statistics).');
  f.declare('rmnetctl_pdn_tx_errors_total', 'counter', 'Packets that could not be sent (WDS packet statistics).');
  f.declare('rmnetctl_pdn_rx_dropped_total', 'counter', 'Received packets dropped by the modem (WDS packet statistics).');
  f.declare('rmnetctl_pdn_tx_dropped_total', 'counter', 'Packets to send dropped by the modem (WDS packet statistics).');
  f.declare('rmnetctl_pdn_rx_overflows_total', 'counter', 'Receive overflows (WDS packet statistics).');
  f.declare('rmnetctl_pdn_tx_overflows_total', 'counter', 'Transmit overflows (WDS packet statistics).');
  f.declare('rmnetctl_pdn_health', 'gauge', 'The health `rmnetctl run` judges the PDN in (counters and probes): 1 for the current state.');
  f.declare('rmnetctl_recovery_climbs_total', 'counter', 'How often `rmnetctl run` climbed each rung of the modem\'s recovery ladder since it started.');
  f.declare('rmnetctl_default_route_changes_total', 'counter', 'Default-route changes the failover applied to this modem\'s PDN links since `rmnetctl run` started.');
  f.declare('rmnetctl_default_route_active', 'gauge', '1 when the PDN\'s default route in this IP family carries the traffic (failover role active or kept), 0 when it stands by, holds or is withdrawn/demoted.');
  f.declare('rmnetctl_default_route_role', 'gauge', 'The failover role of the PDN\'s default route in this IP family: 1 for the current role.');
  f.declare('rmnetctl_link_up', 'gauge', '1 when the mux link is administratively up.');
  f.declare('rmnetctl_link_rx_bytes_total', 'counter', 'Bytes the kernel received on the mux link.');
  f.declare('rmnetctl_link_tx_bytes_total', 'counter', 'Bytes the kernel sent on the mux link.');
  f.declare('rmnetctl_link_rx_packets_total', 'counter', 'Packets the kernel received on the mux link.');
  f.declare('rmnetctl_link_tx_packets_total', 'counter', 'Packets the kernel sent on the mux link.');
  f.declare('rmnetctl_link_rx_dropped_total', 'counter', 'Received packets the kernel dropped on the mux link.');
  f.declare('rmnetctl_link_tx_dropped_total', 'counter', 'Packets to send the kernel dropped on the mux link.');
  f.declare('rmnetctl_link_rx_errors_total', 'counter', 'Receive errors on the mux link.');
  f.declare('rmnetctl_link_tx_errors_total', 'counter', 'Transmit errors on the mux link.');
  f.declare('rmnetctl_parent_rx_transfers_total', 'counter', 'USB transfers the parent network interface received (its rx_packets: usbnet counts one per transfer).');
  f.declare('rmnetctl_parent_aggregation_ratio', 'gauge', 'Packets the mux links received per transfer the parent received, since the previous scrape (--listen only).');
}

const text = (v: string | number | undefined | null) => (v === undefined || v === null ? '' : String(v));

/** Kernel link counters (IFLA_STATS64) and WDS packet statistics as counters: metric stem, then field. */
const LINK_COUNTERS = [
  ['rx_bytes', 'rxBytes'], ['tx_bytes', 'txBytes'], ['rx_packets', 'rxPackets'], ['tx_packets', 'txPackets'],
  ['rx_dropped', 'rxDropped'], ['tx_dropped', 'txDropped'], ['rx_errors', 'rxErrors'], ['tx_errors', 'txErrors'],
] as const;
const PDN_COUNTERS = [
  ['rx_bytes', 'rxBytes'], ['tx_bytes', 'txBytes'], ['rx_packets', 'rxPackets'], ['tx_packets', 'txPackets'],
  ['rx_errors', 'rxErrors'], ['tx_errors', 'txErrors'], ['rx_dropped', 'rxDropped'], ['tx_dropped', 'txDropped'],
  ['rx_overflows', 'rxOverflows'], ['tx_overflows', 'txOverflows'],
] as const;

const HEALTH_STATES = ['unknown', 'healthy', 'unhealthy'];
const ROUTE_ROLES = ['active', 'standby', 'holding', 'withdrawn', 'demoted', 'kept'];

/** From the supervisor's health record: health, recovery and the default routes of each PDN. */
function supervisorFamilies(f: Families, modem: Labels, record: NonNullable<ModemScrape['health']>): void {
  record.ladder.counts.forEach((count, i) => f.add('rmnetctl_recovery_climbs_total', { ...modem, rung: String(i + 1), action: LADDER[i]?.action ?? 'unknown' }, count));
  if (record.failover) f.add('rmnetctl_default_route_changes_total', modem, record.failover.changes);
  for (const pdn of record.pdns) {
    const labels = { ...modem, mux_id: String(pdn.muxId) };
    f.stateSet('rmnetctl_pdn_health', labels, HEALTH_STATES, pdn.state);
    for (const route of pdn.routes ?? []) {
      const routeLabels = { ...labels, ip_family: `ipv${route.family}` };
      f.add('rmnetctl_default_route_active', routeLabels, route.carries ? 1 : 0);
      if (route.role) f.stateSet('rmnetctl_default_route_role', routeLabels, ROUTE_ROLES, route.role);
    }
  }
}

function modemFamilies(f: Families, m: ModemScrape): void {
  const modem = { modem: m.target.name };
  f.add('rmnetctl_modem_scrape_success', modem, m.answers ? 1 : 0);
  if (m.health) supervisorFamilies(f, modem, m.health);
  for (const link of m.links) {
    const labels = { ...modem, link: link.name, mux_id: String(link.muxId) };
    f.add('rmnetctl_link_up', labels, link.up ? 1 : 0);
    const s = link.stats;
    if (!s) continue;
    for (const [name, field] of LINK_COUNTERS) f.add(`rmnetctl_link_${name}_total`, labels, s[field]);
  }
  if (m.parent?.stats) {
    const parent = { ...modem, parent: m.parent.name };
    f.add('rmnetctl_parent_rx_transfers_total', parent, m.parent.stats.rxPackets);
    f.add('rmnetctl_parent_aggregation_ratio', parent, m.aggregationRatio);
  }
  const a = m.answers;
  if (!a) return;
  const answered = (question: string, available: boolean) => f.add('rmnetctl_modem_answer_available', { ...modem, question }, available ? 1 : 0);
  answered('identity', a.identity.value !== null);
  answered('operating_mode', a.radio.operatingMode.value !== null);
  answered('sim', a.radio.sim.value !== null);
  answered('registration', a.radio.registration.value !== null);
  answered('signal', a.radio.signal.value !== null);
  answered('data_format', a.dataFormat.value !== null);
  if (a.identity.value) {
    const id = a.identity.value;
    f.add('rmnetctl_modem_info', { ...modem, model: text(id.model), revision: text(id.revision), imei: text(id.imei) }, 1);
  }
  if (a.radio.operatingMode.value !== null) f.stateSet('rmnetctl_modem_operating_mode', modem, Object.values(DMS_OPERATING_MODE), a.radio.operatingMode.value);
  if (a.radio.sim.value) f.stateSet('rmnetctl_sim_state', modem, SIM_STATES, a.radio.sim.value.state);
  const registration = a.radio.registration.value;
  if (registration) {
    f.stateSet('rmnetctl_registration_state', modem, Object.values(NAS_REGISTRATION_STATE), registration.state);
    f.stateSet('rmnetctl_access_technology', modem, TECHNOLOGIES, registration.technology ?? 'none');
    if (registration.mcc !== null && registration.mnc !== null) f.add('rmnetctl_network_info', { ...modem, mcc: registration.mcc, mnc: registration.mnc }, 1);
    if (registration.roaming !== null) f.add('rmnetctl_roaming', modem, registration.roaming ? 1 : 0);
  }
  const signal = a.radio.signal.value;
  if (signal?.lte) {
    const lte = { ...modem, rat: 'lte' };
    f.add('rmnetctl_signal_rssi_dbm', lte, signal.lte.rssiDbm);
    f.add('rmnetctl_signal_rsrp_dbm', lte, signal.lte.rsrpDbm);
    f.add('rmnetctl_signal_rsrq_db', lte, signal.lte.rsrqDb);
    f.add('rmnetctl_signal_sinr_db', lte, signal.lte.sinrDb);
  }
  if (signal?.nr5g) {
    const nr = { ...modem, rat: '5gnr' };
    f.add('rmnetctl_signal_rsrp_dbm', nr, signal.nr5g.rsrpDbm);
    f.add('rmnetctl_signal_rsrq_db', nr, signal.nr5g.rsrqDb);
    f.add('rmnetctl_signal_sinr_db', nr, signal.nr5g.sinrDb);
  }
  const format = a.dataFormat.value;
  if (format) {
    f.add('rmnetctl_data_format_info', { ...modem, link_layer: text(format.linkLayer), dl_aggregation: text(format.downlinkAggregation), ul_aggregation: text(format.uplinkAggregation) }, 1);
    // Sizes mean nothing without aggregation (a modem reports 0 or stale values then).
    if (format.downlinkAggregation !== 'disabled') {
      f.add('rmnetctl_data_format_dl_max_datagrams', modem, format.downlinkMaxDatagrams);
      f.add('rmnetctl_data_format_dl_max_size_bytes', modem, format.downlinkMaxSize);
    }
  }
  for (const pdn of a.pdns) {
    const pdnLabels = { ...modem, mux_id: String(pdn.muxId) };
    f.add('rmnetctl_pdn_info', { ...pdnLabels, apn: pdn.apn, link: text(pdn.link), backend: pdn.backend }, 1);
    for (const session of pdn.sessions) {
      const labels = { ...pdnLabels, ip_family: `ipv${session.family}` };
      if (session.state.value !== null) f.stateSet('rmnetctl_pdn_session_state', labels, Object.values(PACKET_SERVICE_STATUS), session.state.value);
      const s = session.statistics.value;
      if (!s) continue;
      for (const [name, field] of PDN_COUNTERS) f.add(`rmnetctl_pdn_${name}_total`, labels, s[field]);
    }
  }
}

export function metricFamilies(scrape: Scrape): MetricFamily[] {
  const f = new Families();
  declareAll(f);
  f.add('rmnetctl_scrape_duration_seconds', {}, scrape.durationSeconds);
  f.add('rmnetctl_modems', {}, scrape.modems.length);
  for (const modem of scrape.modems) modemFamilies(f, modem);
  return f.list();
}

/** Every metric name metricFamilies may produce, for docs and tests. */
export function metricNames(): string[] {
  const f = new Families();
  declareAll(f);
  return f.list().map((family) => family.name);
}
