#!/usr/bin/env node
// tests/dialect/duck.js - the DuckDB side of the dialect suite (tests/dialect/run.py): runs
// each case's query in DuckDB (@duckdb/node-api) and writes its result as DuckDB's CSV writer
// writes it, or its error message.
//
//   node tests/dialect/duck.js MODULE_DIR CASES.json OUT_DIR
//
// CASES.json: {"setup": [sql, ...], "cases": [{"name": ..., "sql": ...}, ...]}. For each case
// OUT_DIR/NAME.csv gets `COPY (sql) TO ... (HEADER)`, or OUT_DIR/NAME.err the error text.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [moduleDir, casesFile, outDir] = process.argv.slice(2);
  const { DuckDBInstance } = require(path.join(moduleDir, '@duckdb/node-api'));
  const spec = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  for (const s of spec.setup)
    await con.run(s);
  for (const c of spec.cases) {
    const out = path.join(outDir, `${c.name}.csv`);
    try {
      await con.run(`COPY (${c.sql}) TO '${out.replace(/'/g, "''")}' (HEADER)`);
    } catch (e) {
      fs.writeFileSync(path.join(outDir, `${c.name}.err`), String(e.message) + '\n');
    }
  }
}

main().catch((e) => { process.stderr.write(`duck.js: ${e.stack || e}\n`); process.exit(1); });
