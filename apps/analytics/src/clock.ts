/** The time as the service sees it; injected so that tests decide what is late or in the future. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
