#!/usr/bin/env node
// bench/duckdb_join.js - runs bench/join_q.sql (the same job file sluice runs) in DuckDB
// (@duckdb/node-api), statement by statement, and prints each SELECT's row as CSV
// (q,n,v1,v2) on stdout and its wall time on stderr ("q1 0.123 s").
//
//   node bench/duckdb_join.js JOB.sql x=PATH small=PATH medium=PATH big=PATH [--threads N]
//
// ${name} parameters are substituted textually, as sluice does with -D. Install: cd bench &&
// npm ci.
'use strict';
const fs = require('fs');
const os = require('os');
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const args = process.argv.slice(2);
  let threads = (os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const ti = args.indexOf('--threads');
  if (ti >= 0) {
    threads = parseInt(args[ti + 1], 10);
    args.splice(ti, 2);
  }
  let sql = fs.readFileSync(args[0], 'utf8').split('\n')
    .map((l) => l.replace(/--.*$/, '')).join('\n');
  for (const kv of args.slice(1)) {
    const i = kv.indexOf('=');
    sql = sql.split('${' + kv.slice(0, i) + '}').join(kv.slice(i + 1).replace(/'/g, "''"));
  }
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  process.stdout.write('q,n,v1,v2\n');
  for (const st of sql.split(';').map((s) => s.trim()).filter((s) => s)) {
    const t0 = process.hrtime.bigint();
    const r = await con.runAndReadAll(st);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (/^select/i.test(st)) {
      const row = r.getRows()[0].map((v) => String(v));
      process.stdout.write(row.join(',') + '\n');
      process.stderr.write(`${row[0]} ${secs.toFixed(3)} s\n`);
    }
  }
}

main().catch((e) => { process.stderr.write(`duckdb_join: ${e.message}\n`); process.exit(1); });
