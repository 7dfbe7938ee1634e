/** Scenario 10's check of the wsDefault function: every message it was sent must come back acked to the connected device. */
import { wsReplyErrors } from './functionSizes';

describe('bench scenario 10: WebSocket replies', () => {
  it('passes when every message was acked', () => {
    expect(wsReplyErrors({ acks: 120, others: 0 }, 120)).toEqual({ errors: 0 });
  });

  it('counts a nack or error frame, and a message without a reply, as errors', () => {
    expect(wsReplyErrors({ acks: 117, others: 1, firstOther: '{"type":"nack"}' }, 120)).toEqual({
      errors: 3,
      firstError: '{"type":"nack"}',
    });
    expect(wsReplyErrors({ acks: 100, others: 0 }, 120)).toEqual({ errors: 20, firstError: '20 of 120 WebSocket messages got no reply' });
  });
});
