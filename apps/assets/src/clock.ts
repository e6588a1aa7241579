/** The time as the service sees it; injected so that tests decide when a staged asset is due. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
