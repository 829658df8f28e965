// Which of `up`'s requests go to the modem at all. Decided before the port opens: a PDN already up as asked
// is answered from the record, and a taken mux id, interface name, default-route metric or a bad password
// file fails that PDN alone, touching nothing.
import { Category, RmnetError } from '../errors.js';
import { checkMuxIdFree } from '../datapath/mux-id.js';
import type { MuxLink } from '../datapath/backend.js';
import { claimDefaultRoutes } from './default-routes.js';
import { asRmnetError } from './failure.js';
import { readSecret, type PdnRequest } from './request.js';
import type { ModemRecord } from './state.js';
import type { Modem } from '../sysfs/discovery.js';
import { existingResult, type UpResult } from './up-result.js';

export interface Admitted {
  /** Per request, in order: settled without the modem (a result or an error), or undefined (goes ahead). */
  outcomes: Array<UpResult | RmnetError | undefined>;
  fresh: Array<{ index: number; request: PdnRequest; password: string | undefined }>;
}

export interface AdmitContext {
  record: ModemRecord;
  kernelLinks: readonly MuxLink[];
  /** Default-route metrics already taken (family:metric -> holder), claimed as requests are admitted. */
  defaultRoutes: Map<string, string>;
  /** Each request's password, read before the lock; an error fails that request. */
  secrets: ReadonlyArray<string | RmnetError | undefined>;
  key: string;
  parent: string;
}

/**
 * Before anything is opened: no mux asked for twice, and each password read (before the lock: a bad
 * password file is a usage error that touches nothing). One request's bad file fails it alone.
 */
export function checkRequests(requests: readonly PdnRequest[]): Array<string | RmnetError | undefined> {
  const muxIds = requests.map((r) => r.muxId);
  const duplicate = muxIds.find((m, i) => muxIds.indexOf(m) !== i);
  if (duplicate !== undefined) throw new RmnetError('BAD_ARGUMENT', `mux ${duplicate} is asked for twice`, Category.usage, { muxId: duplicate });
  return requests.map((r) => {
    try {
      return r.auth !== 'none' && r.passwordFile ? readSecret(r.passwordFile) : undefined;
    } catch (error) {
      if (requests.length === 1) throw error;
      return asRmnetError(error);
    }
  });
}

/**
 * qmimux is qmi_wwan's own (qmi/add_mux): a PCIe/MHI parent (mhi_net) carries rmnet links only. Said before
 * the modem or the kernel is touched.
 */
export function checkBackendFits(requests: readonly PdnRequest[], modem: Pick<Modem, 'driver' | 'endpointType' | 'netInterface'>): void {
  const qmimux = requests.find((r) => r.backend === 'qmimux');
  if (!qmimux || modem.driver === 'qmi_wwan') return;
  const parent = modem.netInterface;
  throw new RmnetError('NOT_QMI_WWAN', `${parent}: --backend qmimux needs a qmi_wwan parent, and ${parent} is driven by ${modem.driver ?? 'no known driver'}${modem.endpointType === 'pcie' ? ' (a PCIe/MHI modem)' : ''}: use --backend rmnet`, Category.notFound, { interface: parent, muxId: qmimux.muxId });
}

export function admit(requests: readonly PdnRequest[], context: AdmitContext): Admitted {
  const { record, kernelLinks, defaultRoutes, secrets, key, parent } = context;
  const outcomes: Admitted['outcomes'] = [];
  const fresh: Admitted['fresh'] = [];
  requests.forEach((request, index) => {
    try {
      const existing = record.pdns.find((p) => p.request.muxId === request.muxId);
      if (existing) {
        const linkPresent = kernelLinks.some((l) => l.muxId === request.muxId && l.name === existing.link?.name);
        outcomes[index] = existingResult(existing, record, request, linkPresent, key, parent);
        return;
      }
      const password = secrets[index];
      if (password instanceof RmnetError) throw password;
      checkFree(request, kernelLinks, record, parent);
      claimDefaultRoutes(request, defaultRoutes);
      fresh.push({ index, request, password });
    } catch (error) {
      outcomes[index] = asRmnetError(error);
    }
  });
  return { outcomes, fresh };
}

function checkFree(request: PdnRequest, kernelLinks: readonly MuxLink[], record: ModemRecord, parent: string): void {
  checkMuxIdFree(kernelLinks, parent, request.muxId, (holder) => ` (${holder.backend}), not by an rmnetctl session; pick another --mux or remove that link`);
  const clash = request.ifname && record.pdns.find((p) => p.link?.name === request.ifname);
  if (clash) {
    throw new RmnetError('IFNAME_IN_USE', `--ifname ${request.ifname} is already the link of mux ${clash.request.muxId}`, Category.conflict, { interface: request.ifname, muxId: request.muxId });
  }
}
