#!/usr/bin/env node
// Lists the functions longer than N lines (default 60) in the project's TypeScript sources (tests
// excluded): `node scripts/function-lengths.mjs [N]`. Counted on the TypeScript syntax tree, from a
// function's first line to its last, for declarations, methods, constructors, arrows and function expressions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const max = Number(process.argv[2] ?? 60);
const files = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !f.startsWith('test/') && !f.startsWith('bench/'));
const isFunction = (n) =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n);
const rows = [];
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (isFunction(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > max) rows.push([last - first + 1, `${file}:${first + 1}`, node.name?.getText() ?? '(anonymous)']);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
rows.sort((a, b) => b[0] - a[0]);
for (const row of rows) console.log(row.join('\t'));
console.log(`${rows.length} function(s) over ${max} lines in ${files.length} files`);
