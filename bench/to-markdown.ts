// Turns the JSON of `npm run -s bench` (on stdin) into the Markdown table the README shows.
import { readFileSync } from 'node:fs';
import type { BenchDocument } from './report';

const doc = JSON.parse(readFileSync(0, 'utf8')) as BenchDocument;
const m = doc.machine as Record<string, string | number>;
const fmt = (v: number, unit: string) => (unit === 'ops/s' ? `${Math.round(v).toLocaleString('en-US')} ops/s` : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`);
const lines = [
  `Measured ${String(m.date).slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.softhsm ? `SoftHSM ${m.softhsm}, ` : ''}${m.chromium ?? ''}; medians.`,
  '',
  '| figure | median | floor | floor median | ratio |',
  '| --- | ---: | --- | ---: | ---: |',
];
for (const r of doc.results) {
  if (r.name.startsWith('floor:')) continue;
  const floor = r.floor ? r.floor.name.replace(/^floor: /, '') : '—';
  lines.push(`| ${r.name} | ${fmt(r.value, r.unit)} | ${floor} | ${r.floor ? fmt(r.floor.value, r.unit) : '—'} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} |`);
}
lines.push('', '| target | limit | measured | met |', '| --- | ---: | ---: | :---: |');
for (const t of doc.targets) {
  lines.push(`| ${t.name} | ${t.comparison === 'at-most' ? '≤' : '≥'} ${t.limit}× | ${t.value === null ? 'not measured' : `${t.value.toFixed(2)}×`} | ${t.met === null ? '—' : t.met ? 'yes' : 'no'} |`);
}
if (doc.skipped.length) lines.push('', ...doc.skipped.map((s) => `- not measured: ${s.name} (${s.reason})`));
process.stdout.write(lines.join('\n') + '\n');
