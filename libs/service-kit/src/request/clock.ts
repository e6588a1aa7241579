/** The time as a service sees it; injected so that tests decide what is due, late or expired. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
