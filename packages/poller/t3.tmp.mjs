import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '@streamshare/core';
const a=[],b=[];
for (let i=0;i<25;i++){
  const dir = mkdtempSync(join(tmpdir(), 'ss-t-'));
  const s=new FileCheckpointStore({directory:dir});
  let t=performance.now(); await s.lock(); a.push(performance.now()-t);
  t=performance.now(); await s.open('arn:aws:kinesis:us-east-1:999900009999:stream/x'); b.push(performance.now()-t);
  await s.close();
}
const med=x=>x.sort((p,q)=>p-q)[x.length>>1].toFixed(2);
console.log('lock',med(a),'open-after',med(b));
