import { formatTable } from '../shared/table';
import { TARGETS } from './config';
import { fmt, ms, seconds, times } from '../shared/format';
import type { LoadFigures } from './load';
import type { CaseResult } from './queries';
import { METHOD_LABELS, METHODS, type UploadFigures } from './upload';

export function renderLoad(load: LoadFigures, baselineLoadMs: number): string {
  const rows = [
    ...load.phases.map((p) => [`append: ${p.name}`, fmt(p.commands), fmt(p.events), seconds(p.ms), fmt((p.events * 1000) / p.ms)]),
    ['append, all phases', '', fmt(load.events), seconds(load.append.ms), fmt(load.append.eventsPerSecond)],
    ...load.projections.map((p) => [`projection ${p.name} (catchUp, ${fmt(load.projectionBatchEvents)} events a batch)`, '', fmt(load.events), seconds(p.ms), fmt(p.eventsPerSecond)]),
    ['write path end to end (append + projections)', '', fmt(load.events), seconds(load.totalMs), fmt((load.events * 1000) / load.totalMs)],
    ['seed tables: INSERT of the final rows + indexes', '', '', seconds(baselineLoadMs), ''],
  ];
  return formatTable(['load step', 'commands', 'events', 'time', 'events/s'], rows, (i) => i >= 1);
}

export function renderQueries(cases: readonly CaseResult[]): string {
  const rows = cases.map((c) => [
    c.name,
    c.page === 1 ? '1' : `${c.page} (${c.deepTargets} targets)`,
    fmt(c.viewMs.iterations),
    `${ms(c.viewMs.p50)} / ${ms(c.viewMs.p95)}`,
    `${ms(c.baselineMs.p50)} / ${ms(c.baselineMs.p95)}`,
    `${times(c.ratioP50)} / ${times(c.ratioP95)}`,
    c.meanRows.toFixed(1),
    `p95 < ${TARGETS.viewP95Ms} ms`,
    c.pass ? 'PASS' : 'FAIL',
  ]);
  return formatTable(
    ['view', 'page', 'calls', 'view p50 / p95 ms', 'seed COUNT/JOIN p50 / p95 ms', 'seed / view p50 / p95', 'rows', 'target (view)', 'result'],
    rows,
    (i) => i >= 2 && i <= 6,
  );
}

export function renderUpload(upload: UploadFigures): string {
  const rows = METHODS.map((m) => {
    const f = upload.methods[m];
    return [
      METHOD_LABELS[m],
      f.runsMs.map((x) => (x / 1000).toFixed(2)).join(' / '),
      (f.medianMs / 1000).toFixed(2),
      f.mibPerSecond.toFixed(1),
      m === 'upload' ? '-' : times(upload.methods.upload.mibPerSecond / f.mibPerSecond),
    ];
  });
  return formatTable(['method', 'runs (s)', 'median (s)', 'MiB/s', 'upload / this'], rows, (i) => i >= 1);
}
