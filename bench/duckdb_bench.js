#!/usr/bin/env node
// bench/duckdb_bench.js - runs one sluice job file in DuckDB (@duckdb/node-api) for
// bench/compare.sh: sluice's job language is DuckDB's SQL dialect, so the same text runs in
// both, which makes DuckDB both a baseline and an independent oracle for sluice's answers.
//
//   node bench/duckdb_bench.js JOB.sql INPUT OUT [--threads N]
//
// ${input} in the job becomes INPUT. A SELECT job's result is written to the file OUT as CSV
// with a header; a COPY job (bench/sluice_pipeline.sql) gets ${output} = OUT/part-0.csv, so
// OUT is a directory of part files as sluice writes it. Threads default to the cores
// (os.availableParallelism). The whole job is timed from outside by bench/compare.sh; the
// time printed on stderr here is only informative. Install: cd bench && npm ci.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

function usage(msg) {
  process.stderr.write(`duckdb_bench: ${msg}\n` +
    'usage: node bench/duckdb_bench.js JOB.sql INPUT OUT [--threads N]\n');
  process.exit(2);
}

// SQL string literal: quotes doubled.
const lit = (s) => `'${s.replace(/'/g, "''")}'`;

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--version') {
    const db = await DuckDBInstance.create(':memory:');
    const rows = (await (await db.connect()).runAndReadAll('SELECT version()')).getRows();
    const api = require('@duckdb/node-api/package.json').version;
    process.stdout.write(`DuckDB ${rows[0][0]} (@duckdb/node-api ${api})\n`);
    return;
  }
  let threads = (os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const ti = args.indexOf('--threads');
  if (ti >= 0) {
    threads = parseInt(args[ti + 1], 10);
    args.splice(ti, 2);
  }
  if (args.length !== 3 || !(threads > 0)) usage('bad arguments');
  const [jobPath, input, out] = args;
  // Drop -- comments and the final semicolon: one statement per job file here.
  let sql = fs.readFileSync(jobPath, 'utf8').split('\n')
    .map((l) => l.replace(/--.*$/, '')).join('\n').trim().replace(/;\s*$/, '');
  // Parameters are substituted textually, as sluice does with -D; the paths sit inside
  // the job's own quotes, so quotes in them are doubled.
  sql = sql.split('${input}').join(input.replace(/'/g, "''"));
  if (sql.includes('${output}')) {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    sql = sql.split('${output}').join(path.join(out, 'part-0.csv').replace(/'/g, "''"));
  } else {
    sql = `COPY (${sql}) TO ${lit(out)} (FORMAT csv, HEADER true)`;
  }
  const t0 = process.hrtime.bigint();
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  await con.run(sql);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stderr.write(`duckdb ${path.basename(jobPath)}: threads=${threads} ${dt.toFixed(3)}s\n`);
}

main().catch((e) => {
  process.stderr.write(`duckdb_bench: ${e.message}\n`);
  process.exit(1);
});
