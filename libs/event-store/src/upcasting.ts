/** Turns an event's data from `fromVersion` into `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Old events are never rewritten: they are read as the current shape by chaining upcasters
 * (v1 -> v2 -> v3 ...). New events are written at the current version of their type.
 */
export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) this.register(upcaster);
  }

  register(upcaster: Upcaster): this {
    const chain = this.byType.get(upcaster.type) ?? new Map<number, Upcaster>();
    if (chain.has(upcaster.fromVersion)) {
      throw new Error(`Duplicate upcaster for ${upcaster.type} v${upcaster.fromVersion}`);
    }
    chain.set(upcaster.fromVersion, upcaster);
    this.byType.set(upcaster.type, chain);
    return this;
  }

  currentVersion(type: string): number {
    const chain = this.byType.get(type);
    if (!chain) return 1;
    return Math.max(...chain.keys()) + 1;
  }

  upcast(type: string, schemaVersion: number, data: Record<string, unknown>): { schemaVersion: number; data: Record<string, unknown> } {
    const chain = this.byType.get(type);
    if (!chain) return { schemaVersion, data };
    let version = schemaVersion;
    let current = data;
    for (let step = chain.get(version); step; step = chain.get(version)) {
      current = step.upcast(current);
      version += 1;
    }
    return { schemaVersion: version, data: current };
  }
}
