import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '@streamshare/core';
const { checkCheckpointDirectory } = await import('../poller/dist/index.js');
const a=[],b=[],c=[];
for (let i=0;i<15;i++){
  const dir = mkdtempSync(join(tmpdir(), 'ss-t-'));
  let t=performance.now();
  if (checkCheckpointDirectory) await checkCheckpointDirectory(dir);
  a.push(performance.now()-t);
  const s=new FileCheckpointStore({directory:dir});
  t=performance.now(); await s.open('arn:aws:kinesis:us-east-1:999900009999:stream/x'); b.push(performance.now()-t);
  t=performance.now(); await s.put('arn:aws:kinesis:us-east-1:999900009999:stream/x','shardId-0',{sequenceNumber:'1',subSequenceNumber:0,complete:true}); c.push(performance.now()-t);
  await s.close?.();
}
const med=x=>x.sort((p,q)=>p-q)[x.length>>1].toFixed(2);
console.log('probe',med(a),'open',med(b),'firstput',med(c));
