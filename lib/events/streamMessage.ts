/**
 * One record of the built-in stream as `GET /events` hands it out: the wire type of that API,
 * shared by the reader (lib/adapters/aws/eventsReader.ts) and the console (console/src/messages.ts, a type
 * import the bundle erases). No AWS here, so the console can import it.
 */
import type { Envelope } from '../envelope';

export interface StreamMessage {
  shardId: string;
  sequenceNumber: string;
  /** When Kinesis received the record (ISO). */
  arrivalTime: string | null;
  /** The envelope, or null when the record is not JSON (`data` then holds its bytes, base64). */
  envelope: Envelope | null;
  data?: string;
}
