import { CONTENDERS, SCENARIOS, TARGETS, type ContenderName, type ScenarioName } from './config';
import { median, round } from '../shared/stats';
import { formatTable } from '../shared/table';
import type { RunResult } from './worker';

export interface Figure {
  contender: ContenderName;
  scenario: ScenarioName;
  /** Median over the measured rounds. */
  eventsPerSecond: number;
  runsEventsPerSecond: number[];
  latencyP50Ms: number;
  latencyP99Ms: number;
  walBytesPerEvent: number;
  clientCpuMsPer1kEvents: number;
}

export interface TargetCheck {
  target: number;
  actual: number;
  pass: boolean;
}

export interface ScenarioRatios {
  /** Ratios of the medians. */
  oursVsEmmett: number;
  oursOfCeiling: number;
  emmettOfCeiling: number;
  /** The same ratios within each round (paired runs), for a feel of the noise. */
  byRound: { round: number; oursVsEmmett: number; oursOfCeiling: number; emmettOfCeiling: number }[];
  targets: { vsEmmett: TargetCheck; ofCeiling: TargetCheck };
  pass: boolean;
}

export interface Summary {
  figures: Figure[];
  ratios: Record<ScenarioName, ScenarioRatios>;
  pass: boolean;
}

export function summarize(runs: readonly RunResult[]): Summary {
  const figures: Figure[] = [];
  const of = (c: ContenderName, s: ScenarioName) => runs.filter((r) => r.contender === c && r.scenario === s);
  for (const scenario of SCENARIOS) {
    for (const contender of CONTENDERS) {
      const mine = of(contender, scenario);
      figures.push({
        contender,
        scenario,
        eventsPerSecond: round(median(mine.map((r) => r.eventsPerSecond)), 1),
        runsEventsPerSecond: mine.map((r) => r.eventsPerSecond),
        latencyP50Ms: round(median(mine.map((r) => r.latencyMs.p50)), 2),
        latencyP99Ms: round(median(mine.map((r) => r.latencyMs.p99)), 2),
        walBytesPerEvent: round(median(mine.map((r) => r.walBytesPerEvent)), 1),
        clientCpuMsPer1kEvents: round(median(mine.map((r) => r.clientCpuMsPer1kEvents)), 2),
      });
    }
  }
  const fig = (c: ContenderName, s: ScenarioName) => figures.find((f) => f.contender === c && f.scenario === s)!;
  const ratios = {} as Record<ScenarioName, ScenarioRatios>;
  for (const scenario of SCENARIOS) {
    const ours = fig('ours', scenario).eventsPerSecond;
    const emmett = fig('emmett', scenario).eventsPerSecond;
    const ceiling = fig('ceiling', scenario).eventsPerSecond;
    const rounds = [...new Set(of('ours', scenario).map((r) => r.round))];
    const byRound = rounds.map((n) => {
      const eps = (c: ContenderName) => of(c, scenario).find((r) => r.round === n)?.eventsPerSecond ?? Number.NaN;
      return {
        round: n,
        oursVsEmmett: round(eps('ours') / eps('emmett'), 3),
        oursOfCeiling: round(eps('ours') / eps('ceiling'), 3),
        emmettOfCeiling: round(eps('emmett') / eps('ceiling'), 3),
      };
    });
    const vsEmmett = round(ours / emmett, 3);
    const ofCeiling = round(ours / ceiling, 3);
    const targets = {
      vsEmmett: { target: TARGETS[scenario].vsEmmett, actual: vsEmmett, pass: vsEmmett >= TARGETS[scenario].vsEmmett },
      ofCeiling: { target: TARGETS[scenario].ofCeiling, actual: ofCeiling, pass: ofCeiling >= TARGETS[scenario].ofCeiling },
    };
    ratios[scenario] = {
      oursVsEmmett: vsEmmett,
      oursOfCeiling: ofCeiling,
      emmettOfCeiling: round(emmett / ceiling, 3),
      byRound,
      targets,
      pass: targets.vsEmmett.pass && targets.ofCeiling.pass,
    };
  }
  return { figures, ratios, pass: SCENARIOS.every((s) => ratios[s].pass) };
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const times = (x: number) => `${x.toFixed(2)}x`;

export function renderTable(summary: Summary): string {
  const header = ['contender', 'scenario', 'events/s (median)', 'runs (events/s)', 'p50 / p99 ms', 'WAL B/event', 'vs Emmett', '% of ceiling', 'target', 'result'];
  const rows: string[][] = [];
  for (const f of summary.figures) {
    const r = summary.ratios[f.scenario];
    const emmett = summary.figures.find((x) => x.scenario === f.scenario && x.contender === 'emmett')!.eventsPerSecond;
    const ceiling = summary.figures.find((x) => x.scenario === f.scenario && x.contender === 'ceiling')!.eventsPerSecond;
    const isOurs = f.contender === 'ours';
    const target = isOurs ? `>= ${times(r.targets.vsEmmett.target)} Emmett, >= ${pct(r.targets.ofCeiling.target)} ceiling` : '-';
    const result = isOurs
      ? [r.targets.vsEmmett.pass ? 'vs Emmett PASS' : 'vs Emmett FAIL', r.targets.ofCeiling.pass ? 'ceiling PASS' : 'ceiling FAIL'].join(', ')
      : '-';
    rows.push([
      f.contender === 'ours' ? 'ours (@lib/event-store)' : f.contender === 'emmett' ? 'Emmett 0.42 PostgreSQL' : 'plain INSERT ceiling',
      f.scenario === 'single' ? 'single-event streams' : 'batches of 100',
      int.format(f.eventsPerSecond),
      f.runsEventsPerSecond.map((x) => int.format(x)).join(' / '),
      `${f.latencyP50Ms.toFixed(2)} / ${f.latencyP99Ms.toFixed(2)}`,
      int.format(f.walBytesPerEvent),
      times(f.eventsPerSecond / emmett),
      pct(f.eventsPerSecond / ceiling),
      target,
      result,
    ]);
  }
  return formatTable(header, rows, (i) => i >= 2 && i <= 7);
}
