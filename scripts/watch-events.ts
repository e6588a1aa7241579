/**
 * Prints the integration events on NATS JetStream as they arrive (from the start of the stream
 * with --all):
 *
 *   node dist/scripts/watch-events.js [subject, default content.>] [--all]
 *
 * An ordered, ephemeral consumer: nothing is acknowledged, no durable state is left behind.
 */
import { SERVICES, jetStreamName, type ServiceName } from '@lib/contracts';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parseArgs } from 'node:util';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { all: { type: 'boolean', default: false } }, allowPositionals: true });
  const subject = positionals[0] ?? 'content.>';
  const service = subject.split('.')[0];
  if (!SERVICES.includes(service as ServiceName)) throw new Error(`the subject must start with a service name: ${SERVICES.join(', ')}`);
  const connection = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'watch-events' });
  const consumer = await jetstream(connection).consumers.get(jetStreamName(service as ServiceName), {
    filter_subjects: subject,
    deliver_policy: values.all ? DeliverPolicy.All : DeliverPolicy.New,
  });
  process.stderr.write(`watching ${subject} on ${jetStreamName(service as ServiceName)} (Ctrl-C stops)\n`);
  const messages = await consumer.consume();
  process.on('SIGINT', () => void connection.close().then(() => process.exit(0)));
  for await (const message of messages) {
    process.stdout.write(`${message.subject} #${message.seq} msg-id=${message.headers?.get('Nats-Msg-Id') ?? '-'}\n${message.string()}\n\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
