import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { dropSchema, testPool, uniqueSchemaName } from '@lib/testing';
import { CommandHandler, ConcurrencyError, PostgresEventStore, eventStoreSchemaSql, type Decider, type EventMetadata } from '@lib/event-store';

type Event = { type: 'Opened'; data: { owner: string } } | { type: 'Deposited'; data: { amount: number } };
type Command = { type: 'Open'; owner: string } | { type: 'Deposit'; amount: number };
type State = { open: boolean; balance: number };

const account: Decider<State, Command, Event> = {
  initialState: () => ({ open: false, balance: 0 }),
  evolve: (state, event) => (event.type === 'Opened' ? { ...state, open: true } : { ...state, balance: state.balance + event.data.amount }),
  decide: (command, state) => {
    if (command.type === 'Open') {
      if (state.open) throw new Error('already open');
      return [{ type: 'Opened', data: { owner: command.owner } }];
    }
    if (!state.open) throw new Error('not open');
    return command.amount === 0 ? [] : [{ type: 'Deposited', data: { amount: command.amount } }];
  },
};

describe('CommandHandler', () => {
  let pool: Pool;
  let handler: CommandHandler<State, Command, Event>;
  const schema = uniqueSchemaName('cmd');
  const meta = (workspaceId: string): EventMetadata => ({ workspaceId, actorId: null, correlationId: randomUUID(), causationId: null });

  beforeAll(async () => {
    pool = testPool(20);
    for (const statement of eventStoreSchemaSql(schema)) await pool.query(statement);
    handler = new CommandHandler(new PostgresEventStore(pool, { schema }), account, { streamType: 'account', maxRetries: 50 });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('loads, decides, appends and returns the new state and version', async () => {
    const ws = randomUUID();
    const id = `account-${randomUUID()}`;
    await handler.handle(id, { type: 'Open', owner: 'ada' }, { metadata: meta(ws) });
    const result = await handler.handle(id, { type: 'Deposit', amount: 5 }, { metadata: meta(ws) });
    expect(result).toMatchObject({ state: { open: true, balance: 5 }, version: 2 });
    const noop = await handler.handle(id, { type: 'Deposit', amount: 0 }, { metadata: meta(ws) });
    expect(noop).toMatchObject({ version: 2, events: [] });
  });

  it('retries on a version conflict so concurrent commands all land', async () => {
    const ws = randomUUID();
    const id = `account-${randomUUID()}`;
    await handler.handle(id, { type: 'Open', owner: 'ada' }, { metadata: meta(ws) });
    await Promise.all(Array.from({ length: 10 }, () => handler.handle(id, { type: 'Deposit', amount: 1 }, { metadata: meta(ws) })));
    const loaded = await handler.load(id, ws);
    expect(loaded).toMatchObject({ state: { balance: 10 }, version: 11 });
  });

  it('does not retry when the caller named the version it expects', async () => {
    const ws = randomUUID();
    const id = `account-${randomUUID()}`;
    await handler.handle(id, { type: 'Open', owner: 'ada' }, { metadata: meta(ws) });
    await handler.handle(id, { type: 'Deposit', amount: 1 }, { metadata: meta(ws), expectedVersion: 1 });
    await expect(handler.handle(id, { type: 'Deposit', amount: 1 }, { metadata: meta(ws), expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await handler.load(id, ws)).state.balance).toBe(1);
  });

  it("treats another workspace's stream as absent", async () => {
    const id = `account-${randomUUID()}`;
    await handler.handle(id, { type: 'Open', owner: 'ada' }, { metadata: meta(randomUUID()) });
    const other = randomUUID();
    expect(await handler.load(id, other)).toMatchObject({ exists: false, version: 0 });
    await expect(handler.handle(id, { type: 'Deposit', amount: 1 }, { metadata: meta(other) })).rejects.toThrow('not open');
    await expect(handler.handle(id, { type: 'Open', owner: 'eve' }, { metadata: meta(other) })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('loads a stream as of a point in time', async () => {
    const ws = randomUUID();
    const id = `account-${randomUUID()}`;
    await handler.handle(id, { type: 'Open', owner: 'ada' }, { metadata: meta(ws) });
    await handler.handle(id, { type: 'Deposit', amount: 1 }, { metadata: meta(ws) });
    const then = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await handler.handle(id, { type: 'Deposit', amount: 2 }, { metadata: meta(ws) });
    expect(await handler.load(id, ws, then)).toMatchObject({ state: { balance: 1 }, version: 2, exists: true });
  });
});
