import { deciderSpec } from './decider-spec';

type Event = { type: 'Added'; data: { n: number } };
type Command = { type: 'Add'; n: number };
type State = { total: number; log: number[] };

const pure = {
  initialState: (): State => ({ total: 0, log: [] }),
  evolve: (s: State, e: Event): State => ({ total: s.total + e.data.n, log: [...s.log, e.data.n] }),
  decide: (c: Command, s: State): Event[] => {
    if (c.n < 0) throw new RangeError('negative');
    return c.n === 0 || s.total > 100 ? [] : [{ type: 'Added', data: { n: c.n } }];
  },
};

describe('deciderSpec', () => {
  const spec = deciderSpec(pure);
  const added = (n: number): Event => ({ type: 'Added', data: { n } });

  it('checks events, nothing, errors and hands back the state', () => {
    expect(spec.given([added(1)]).when({ type: 'Add', n: 2 }).then([added(2)])).toEqual({ total: 3, log: [1, 2] });
    spec.given([]).when({ type: 'Add', n: 0 }).thenNothingHappened();
    expect(spec.given([]).when({ type: 'Add', n: -1 }).thenThrows(RangeError, { message: 'negative' })).toBeInstanceOf(RangeError);
    expect(spec.given([added(5)]).state()).toEqual({ total: 5, log: [5] });
  });

  it('fails when the command was expected to throw but was accepted', () => {
    expect(() => spec.given([]).when({ type: 'Add', n: 1 }).thenThrows(RangeError)).toThrow('expected the command to throw RangeError');
  });

  it('catches a decider or evolve that mutates its input', () => {
    const mutatingDecide = deciderSpec({ ...pure, decide: (c: Command, s: State) => (s.log.push(c.n), []) });
    expect(() => mutatingDecide.given([]).when({ type: 'Add', n: 1 }).run()).toThrow(TypeError);
    const mutatingEvolve = deciderSpec({ ...pure, evolve: (s: State, e: Event) => ((s.total += e.data.n), s) });
    expect(() => mutatingEvolve.given([added(1)]).state()).toThrow(TypeError);
  });
});
