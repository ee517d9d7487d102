import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCheckpointStore } from '@streamshare/core';
import { createPoller } from '../dist/index.js';
import { fakeKinesis, makePage } from './lib/fake-kinesis.mjs';
const SHARDS=4,PAGES=10,PER_PAGE=1000,TOTAL=SHARDS*PAGES*PER_PAGE;
const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench-overhead';
const pages = Array.from({ length: SHARDS }, (_, s) => Array.from({ length: PAGES }, (_, p) => makePage(s, p * PER_PAGE, PER_PAGE)));
async function run(kind){
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  let n=0; let first;
  const client = fakeKinesis({ streamArn, shards: SHARDS, pagesPerShard: PAGES, recordsPerPage: PER_PAGE, page: (s, p) => pages[s][p] });
  const poller = createPoller({ streamArn, kinesisClient: client,
    ...(kind === 'memory' ? { checkpointStore: new MemoryCheckpointStore() } : { checkpointDir: dir }),
    codec: 'json', readLimits: { callsPerSecond: Infinity, bytesPerSecond: Infinity },
    handler: (r) => { if (first===undefined) first=performance.now(); if (r.data.i >= 0) n++; } });
  const t0=performance.now(); await poller.start(); const t1=performance.now(); await poller.done; const t2=performance.now();
  await poller.stop(); rmSync(dir,{recursive:true,force:true});
  return {start:+(t1-t0).toFixed(1), first:+(first-t0).toFixed(1), total:+(t2-t0).toFixed(1)};
}
const ka=setInterval(()=>{},1000);
await run('file'); await run('memory');
const f=[],m=[];
for(let i=0;i<8;i++){f.push(await run('file')); m.push(await run('memory'));}
const med=(a,k)=>a.map(x=>x[k]).sort((x,y)=>x-y)[a.length>>1];
console.log(JSON.stringify({file:{start:med(f,'start'),first:med(f,'first'),total:med(f,'total'), min:Math.min(...f.map(x=>x.total))},memory:{start:med(m,'start'),first:med(m,'first'),total:med(m,'total'),min:Math.min(...m.map(x=>x.total))}}));
clearInterval(ka);
