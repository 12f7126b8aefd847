// Turns the JSON of `npm run -s bench` into the Markdown tables the README shows: one run on stdin,
// or several runs named as arguments (the figures of the first, then every target in every run).
import { readFileSync } from 'node:fs';
import type { BenchDocument } from './report';

const files = process.argv.slice(2);
const docs = (files.length ? files.map((f) => readFileSync(f, 'utf8')) : [readFileSync(0, 'utf8')]).map((text) => JSON.parse(text) as BenchDocument);
const doc = docs[0]!;
const m = doc.machine as Record<string, string | number>;
const fmt = (v: number, unit: string) => (unit === 'ops/s' ? `${Math.round(v).toLocaleString('en-US')} ops/s` : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`);
const ratio = (v: number | null) => (v === null ? 'not measured' : `${v.toFixed(2)}×`);
const lines = [
  `Measured ${String(m.date).slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.softhsm ? `SoftHSM ${m.softhsm}, ` : ''}${m.chromium ?? ''}; medians${docs.length > 1 ? ` (figures of run 1 of ${docs.length})` : ''}.`,
  '',
  '| figure | median | floor | floor median | ratio |',
  '| --- | ---: | --- | ---: | ---: |',
];
for (const r of doc.results) {
  if (r.name.startsWith('floor:')) continue;
  const floor = r.floor ? r.floor.name.replace(/^floor: /, '') : '—';
  lines.push(`| ${r.name} | ${fmt(r.value, r.unit)} | ${floor} | ${r.floor ? fmt(r.floor.value, r.unit) : '—'} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} |`);
}
if (docs.length === 1) {
  lines.push('', '| target | limit | measured | met |', '| --- | ---: | ---: | :---: |');
  for (const t of doc.targets) {
    lines.push(`| ${t.name} | ${t.comparison === 'at-most' ? '≤' : '≥'} ${t.limit}× | ${ratio(t.value)} | ${t.met === null ? '—' : t.met ? 'yes' : 'no'} |`);
  }
} else {
  const runs = docs.map((_, i) => `run ${i + 1}`);
  lines.push('', `| target | limit | ${runs.join(' | ')} | met in |`, `| --- | ---: | ${runs.map(() => '---:').join(' | ')} | :---: |`);
  for (const t of doc.targets) {
    const inRuns = docs.map((d) => d.targets.find((x) => x.name === t.name));
    const met = inRuns.filter((x) => x?.met === true).length;
    lines.push(`| ${t.name} | ${t.comparison === 'at-most' ? '≤' : '≥'} ${t.limit}× | ${inRuns.map((x) => ratio(x?.value ?? null)).join(' | ')} | ${met} of ${docs.length} |`);
  }
}
for (const [i, d] of docs.entries()) if (d.skipped.length) lines.push('', ...d.skipped.map((s) => `- not measured${docs.length > 1 ? ` in run ${i + 1}` : ''}: ${s.name} (${s.reason})`));
process.stdout.write(lines.join('\n') + '\n');
