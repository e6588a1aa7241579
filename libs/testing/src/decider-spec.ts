/**
 * given(events).when(command).then(expectedEvents) for deciders, in the manner of Emmett's
 * DeciderSpecification. The folded state and the given events are deep-frozen first, so a
 * decider or evolve that mutates its input fails the test instead of passing by accident; the
 * events `then` accepts are also folded, so evolve is exercised on every decision.
 *
 *   const spec = deciderSpec(postDecider);
 *   spec.given([drafted]).when(submit).then([submitted]);
 *   spec.given([]).when(submit).thenThrows(NotFoundError, { code: 'not_found' });
 */
export interface SpecDecider<State, Command, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export interface DeciderThen<State, Event> {
  /** The command emits exactly these events, in order. */
  then(expected: readonly Event[]): State;
  /** The command is accepted and emits nothing (an idempotent repeat). */
  thenNothingHappened(): State;
  /** The command is refused with this error class, optionally matching some of its fields. */
  thenThrows<E extends Error>(errorClass: ErrorClass<E>, matching?: Partial<Record<keyof E, unknown>>): E;
  /** Runs the command and hands back the events and the state after them, for custom checks. */
  run(): { events: Event[]; state: State };
}

export interface DeciderGiven<State, Command, Event> {
  when(command: Command): DeciderThen<State, Event>;
  /** The state the given events fold into. */
  state(): State;
}

export interface DeciderSpec<State, Command, Event> {
  given(events: readonly Event[]): DeciderGiven<State, Command, Event>;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Date)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

function fold<State, Command, Event>(decider: SpecDecider<State, Command, Event>, events: readonly Event[]): State {
  let state = deepFreeze(decider.initialState());
  for (const event of events) state = deepFreeze(decider.evolve(state, deepFreeze(structuredClone(event))));
  return state;
}

export function deciderSpec<State, Command, Event>(decider: SpecDecider<State, Command, Event>): DeciderSpec<State, Command, Event> {
  return {
    given(givenEvents) {
      return {
        state: () => fold(decider, givenEvents),
        when(command) {
          const run = (): { events: Event[]; state: State } => {
            const before = fold(decider, givenEvents);
            const events = decider.decide(command, before);
            const state = events.reduce((s, e) => deepFreeze(decider.evolve(s, deepFreeze(structuredClone(e)))), before);
            return { events, state };
          };
          return {
            run,
            then(expected) {
              const { events, state } = run();
              expect(events).toEqual(expected);
              return state;
            },
            thenNothingHappened() {
              const { events, state } = run();
              expect(events).toEqual([]);
              return state;
            },
            thenThrows(errorClass, matching) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              if (thrown === undefined) throw new Error(`expected the command to throw ${errorClass.name}, it was accepted`);
              expect(thrown).toBeInstanceOf(errorClass);
              if (matching) expect(thrown).toMatchObject(matching);
              return thrown as never;
            },
          };
        },
      };
    },
  };
}
