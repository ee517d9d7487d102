// The local stand-ins for AWS: kinesis-mock (a child process), and the loopback STS, EventBridge and
// SubscribeToShard servers of @streamshare/testkit (in this process). All on 127.0.0.1, free ports.
import { startEventBridgeServer, startKinesisMock, startStsServer, startSubscribeServer } from '@streamshare/testkit';
import { CONSUMER_ROLE_ARN } from './scenario.mjs';

/**
 * Starts the four servers. `stop()` stops whatever was started, also when a later start failed.
 * @returns {Promise<{ kinesis: import('@streamshare/testkit').KinesisMock,
 *   sts: import('@streamshare/testkit').StsServer,
 *   eventBridge: import('@streamshare/testkit').EventBridgeServer,
 *   subscribe: import('@streamshare/testkit').SubscribeServer, stop: () => Promise<void> }>}
 */
export async function startLocalServers() {
  const started = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop();
    started.length = 0;
  };
  try {
    const kinesis = await startKinesisMock();
    started.push(kinesis);
    // AssumeRole answers with an access key id that is the role's account: kinesis-mock then serves
    // the consumer account to whoever holds the role's credentials.
    const sts = await startStsServer({ allowedRoleArns: [CONSUMER_ROLE_ARN] });
    started.push(sts);
    const eventBridge = await startEventBridgeServer();
    started.push(eventBridge);
    // kinesis-mock answers SubscribeToShard but its HTTP/2 stream then breaks: this h2c server answers
    // it from kinesis-mock's records (event-stream framing) and forwards every other call to kinesis-mock.
    const subscribe = await startSubscribeServer({ kinesisEndpoint: kinesis.endpoint });
    started.push({ stop: () => subscribe.close() });
    return { kinesis, sts, eventBridge, subscribe, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
