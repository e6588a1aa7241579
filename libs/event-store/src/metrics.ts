import { Counter, Gauge, type Registry } from 'prom-client';

/** prom-client refuses a second metric of one name per registry; share it instead. */
export function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
