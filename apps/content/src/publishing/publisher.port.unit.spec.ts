import { PublicationError } from './publisher.port';

describe('PublicationError.fromStatus', () => {
  it('takes 4xx as permanent, except 408 and 429', () => {
    expect([400, 401, 403, 404, 409, 410, 413, 422].map((status) => PublicationError.fromStatus(status, '').permanent)).toEqual(Array(8).fill(true));
    expect([408, 429].map((status) => PublicationError.fromStatus(status, '').permanent)).toEqual([false, false]);
  });

  it('takes 5xx and anything else as transient', () => {
    expect([500, 502, 503, 504, 302].map((status) => PublicationError.fromStatus(status, '').permanent)).toEqual(Array(5).fill(false));
  });

  it('keeps the status and says what the receiver answered', () => {
    expect(PublicationError.fromStatus(422, 'text too long')).toMatchObject({ status: 422, message: 'receiver answered 422: text too long' });
  });
});
