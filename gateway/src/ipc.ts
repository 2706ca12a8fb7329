/**
 * Sending on the cluster channel (primary ↔ workers) without ever throwing or emitting an
 * 'error' event: a channel that closes between the check and the write (a worker exiting, the
 * primary shutting down) drops the message. An unhandled 'error' there would crash the process.
 */
import type { Worker } from "node:cluster";

type Done = (error: Error | null) => void;

const ignore: Done = () => undefined;

/** To one worker, from the primary. */
export function sendToWorker(worker: Pick<Worker, "isConnected" | "send">, message: unknown, done: Done = ignore): boolean {
  if (!worker.isConnected()) return false;
  return worker.send(message as Parameters<Worker["send"]>[0], done);
}

/** To the primary, from a worker; false when this process has no primary (or it is gone). */
export function sendToPrimary(message: unknown, done: Done = ignore): boolean {
  if (process.send === undefined || !process.connected) return false;
  return process.send(message, undefined, undefined, done);
}
