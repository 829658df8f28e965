// The emulated modem's public surface, for the lab (USB/IP transport, QMAP data plane) and the tests.
export {
  EmulatedModem,
  defaultAddressPlan,
  defaultBehaviour,
  type AddressPlan,
  type GrantedDataFormat,
  type ModemBehaviour,
  type ModemConnection,
  type PdnSession,
  type StartNetworkFailure,
} from './modem.js';
export { startPtyModem, type PtyModem } from './pty.js';
export { memoryTransport, type MemoryTransport } from './memory.js';
