/** The services the local start command runs, each as its own process, with its default port. */
export const LOCAL_SERVICES = [
  { name: 'content', port: 3001 },
  { name: 'assets', port: 3002 },
  { name: 'analytics', port: 3005 },
] as const;

export type LocalService = (typeof LOCAL_SERVICES)[number];

export function serviceEntry(name: string): string {
  return `dist/apps/${name}/src/main.js`;
}
