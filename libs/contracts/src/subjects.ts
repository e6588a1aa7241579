import type { ServiceName } from './envelope';

function kebab(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function pascalToStreamPrefix(streamType: string): string {
  return streamType
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * `<service>.<streamType>.<event>` in kebab case, the event named without its stream type:
 * (content, post, PostMediaAttached) -> `content.post.media-attached`.
 */
export function subjectFor(service: ServiceName, streamType: string, eventType: string): string {
  const prefix = pascalToStreamPrefix(streamType);
  const eventName = eventType.startsWith(prefix) && eventType.length > prefix.length ? eventType.slice(prefix.length) : eventType;
  return `${service}.${kebab(streamType)}.${kebab(eventName)}`;
}
