#!/usr/bin/env node
// bench/dbbench_duckdb.js - runs bench/dbbench.sql (or any job of ;-terminated statements)
// in DuckDB (@duckdb/node-api) for bench/dbbench.sh: the same text sluice runs, so DuckDB is
// both the baseline and the oracle of the answers.
//
//   node bench/dbbench_duckdb.js JOB.sql INPUT [--threads N]
//
// ${input} becomes INPUT. Each SELECT's result is printed on stdout as CSV with a header (as
// sluice --format csv does); each statement's wall time goes to stderr as one line
// "  [k] line L KIND: T s" (the shape of sluice's summary lines). Install: cd bench && npm ci.
'use strict';
const fs = require('fs');
const os = require('os');
const { DuckDBInstance } = require('@duckdb/node-api');

const csvField = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function main() {
  const args = process.argv.slice(2);
  let threads = (os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const ti = args.indexOf('--threads');
  if (ti >= 0) {
    threads = parseInt(args[ti + 1], 10);
    args.splice(ti, 2);
  }
  if (args.length !== 2) {
    process.stderr.write('usage: node bench/dbbench_duckdb.js JOB.sql INPUT [--threads N]\n');
    process.exit(2);
  }
  const [jobPath, input] = args;
  // Statements end with ';' at the end of a line; -- comments are dropped, lines kept.
  const lines = fs.readFileSync(jobPath, 'utf8').split('\n').map((l) => l.replace(/--.*$/, ''));
  const stmts = [];
  let cur = '', start = 0;
  lines.forEach((l, i) => {
    if (cur.trim() === '') start = i + 1;
    cur += l + '\n';
    if (/;\s*$/.test(l)) {
      stmts.push({ line: start, sql: cur.trim().replace(/;\s*$/, '') });
      cur = '';
    }
  });
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  const t00 = process.hrtime.bigint();
  let k = 0;
  for (const s of stmts) {
    k++;
    const sql = s.sql.split('${input}').join(input.replace(/'/g, "''"));
    const kind = /^\s*select/i.test(sql) ? 'SELECT' : /^\s*create\s+table/i.test(sql)
      ? 'CREATE TABLE' : 'STATEMENT';
    const t0 = process.hrtime.bigint();
    const r = await con.runAndReadAll(sql);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (kind === 'SELECT') {
      const out = [r.columnNames().map(csvField).join(',')];
      for (const row of r.getRows())
        out.push(row.map((v) => csvField(typeof v === 'bigint' ? v.toString() : v)).join(','));
      process.stdout.write(out.join('\n') + '\n');
    }
    process.stderr.write(`  [${k}] line ${s.line} ${kind}: ${dt.toFixed(3)} s\n`);
  }
  const all = Number(process.hrtime.bigint() - t00) / 1e9;
  process.stderr.write(`duckdb: ${k} statement(s), threads=${threads}, ${all.toFixed(3)} s\n`);
}

main().catch((e) => {
  process.stderr.write(`dbbench_duckdb: ${e.message}\n`);
  process.exit(1);
});
