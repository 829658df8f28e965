// systemd readiness and status (sd_notify protocol): one datagram per message to $NOTIFY_SOCKET.
// Silent no-op outside systemd.
import { native } from '../io/native.js';

export function sdNotify(message: string, socketPath = process.env.NOTIFY_SOCKET): boolean {
  if (!socketPath) return false;
  native().sdNotify(socketPath, message);
  return true;
}
