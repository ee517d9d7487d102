import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPoller } from '../poller/dist/index.js';
import { fakeKinesis, makePage } from './bench/lib/fake-kinesis.mjs';
const SHARDS=4,PAGES=10,PER_PAGE=1000;
const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench-overhead';
const pages = Array.from({ length: SHARDS }, (_, s) => Array.from({ length: PAGES }, (_, p) => makePage(s, p * PER_PAGE, PER_PAGE)));
const rows=[]; const ka=setInterval(()=>{},1000);
for (let i=0;i<12;i++){
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  let first;
  const client = fakeKinesis({ streamArn, shards: SHARDS, pagesPerShard: PAGES, recordsPerPage: PER_PAGE, page: (s, p) => pages[s][p] });
  const poller = createPoller({ streamArn, kinesisClient: client, checkpointDir: dir, codec: 'json', readLimits: { callsPerSecond: Infinity, bytesPerSecond: Infinity }, handler: (r) => { first??=performance.now(); } });
  await poller.start(); const st=performance.now(); await poller.done; const end=performance.now(); await poller.stop(); rmSync(dir,{recursive:true,force:true});
  const T=globalThis.__T; rows.push({probe:T.probe-T.t0, cstart:T.cstart-T.probe, syncWait:T.opened-T.syncIn, toSync:T.syncIn-T.cstart, started:st-T.t0, first:first-T.t0, total:end-T.t0});
}
const med=k=>rows.slice(2).map(r=>r[k]).sort((a,b)=>a-b)[5].toFixed(2);
console.log(Object.keys(rows[0]).map(k=>k+'='+med(k)).join(' '));
clearInterval(ka);
