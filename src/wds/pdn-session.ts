// One PDN's WDS session for one IP family, the sequence `up` and the supervisor share: allocate a WDS
// client, bind it to the PDN's mux, choose the family, Start Network, read the settings. The session
// belongs to its client (releasing the client ends it), so each resource is reported as it appears: the
// caller records it and registers its undo before the next request goes out.
import { RmnetError } from '../errors.js';
import type { QmiClient, QmiDevice } from '../qmi/device.js';
import { QmiService } from '../qmi/enums.js';
import type { Endpoint } from '../wda/data-format.js';
import {
  bindMuxDataPort, getCurrentSettings, getPacketServiceStatus, setIpFamily, startNetwork, stopNetwork, type CurrentSettings, type IpVersion,
} from './session-messages.js';

/** Where undos go; the caller's undo stack. */
export interface UndoRegistry {
  defer(step: string, undo: () => Promise<void> | void): void;
}

export interface PdnSessionSpec {
  muxId: number;
  family: IpVersion;
  endpoint: Endpoint;
  apn: string;
  /** A stored 3GPP profile: Start Network names it instead of an APN. */
  profile?: number | undefined;
  auth?: { method: 'pap' | 'chap' | 'both'; username: string; password: string } | undefined;
  /** The link the session feeds, for the undo's name. */
  link: string;
  /** Start Network may take tens of seconds on a real network. */
  startTimeoutMs: number;
}

export interface PdnSessionEvents {
  /** The client id exists on the modem: record it now (a crash later must not lose it). */
  allocated(clientId: number): void;
  /** The call is up: record the handle. */
  started(packetDataHandle: number): void;
}

export interface PdnSession {
  family: IpVersion;
  client: QmiClient;
  packetDataHandle: number;
  settings: CurrentSettings;
}

export async function startPdnSession(device: QmiDevice, spec: PdnSessionSpec, undo: UndoRegistry, events: PdnSessionEvents): Promise<PdnSession> {
  const client = await device.allocateClient(QmiService.WDS);
  undo.defer(`release WDS client ${client.clientId}`, () => client.release());
  events.allocated(client.clientId);
  await bindMuxDataPort(client, { muxId: spec.muxId, endpoint: spec.endpoint });
  await setIpFamily(client, spec.family);
  const { packetDataHandle } = await startNetwork(client, {
    // An empty APN leaves the choice to the network: no APN TLV at all, as qmicli does without apn=.
    ...(spec.apn !== '' ? { apn: spec.apn } : {}),
    ...(spec.profile !== undefined ? { profileIndex3gpp: spec.profile } : {}),
    ipFamily: spec.family,
    ...(spec.auth ? { authentication: spec.auth.method, username: spec.auth.username, password: spec.auth.password } : {}),
    timeoutMs: spec.startTimeoutMs,
  });
  // After a modem reset there is no session left to stop (and no client to stop it on).
  undo.defer(`stop the IPv${spec.family} session on ${spec.link}`, async () => (client.forgotten ? undefined : stopNetwork(client, packetDataHandle)));
  events.started(packetDataHandle);
  return { family: spec.family, client, packetDataHandle, settings: await getCurrentSettings(client) };
}

/** A recorded session, as `down` and the supervisor find it: the client id and, once started, its handle. */
export interface SessionRef {
  family: IpVersion;
  clientId: number;
  packetDataHandle?: number | undefined;
}

/**
 * Ends a recorded session on the client that owns it: Stop Network (when it was started), then Release
 * CID. Both are attempted whatever the first answered (the modem may have reset); failures are returned.
 */
export async function endPdnSession(device: QmiDevice, session: SessionRef): Promise<{ stopped: boolean; released: boolean; held: boolean; failures: string[] }> {
  const client = device.adoptClient(QmiService.WDS, session.clientId);
  const failures: string[] = [];
  let stopped = false;
  let released = false;
  if (session.packetDataHandle !== undefined) {
    try {
      await stopNetwork(client, session.packetDataHandle);
      stopped = true;
    } catch (error) {
      failures.push(`IPv${session.family}: Stop Network: ${(error as Error).message}`);
    }
  }
  let held = false;
  try {
    await client.release();
    released = true;
  } catch (error) {
    failures.push(`releasing WDS client ${session.clientId}: ${(error as Error).message}`);
    // InvalidClientId or a reset on the way: the modem no longer knows it; anything else may leave it held.
    held = !(error instanceof RmnetError && (error.details.qmiError === 'InvalidClientId' || error.code === 'MODEM_RESET'));
  }
  return { stopped, released, held, failures };
}

/** The session's state as the modem reports it on the owning client ('connected', 'disconnected', ...). */
export async function sessionState(device: QmiDevice, clientId: number): Promise<string | number | undefined> {
  return getPacketServiceStatus(device.adoptClient(QmiService.WDS, clientId));
}
