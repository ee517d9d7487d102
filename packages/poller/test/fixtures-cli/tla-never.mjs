// A handler module whose top-level await never settles (nothing else holds the process up): before
// --handler-load-timeout-ms, `streamshare poll` exited 0 with no output.
await new Promise(() => {});
export default async function handle() {}
