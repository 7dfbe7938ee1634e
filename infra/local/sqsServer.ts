/** local-aws-sqs in its own process (it keeps queues in memory; see README "Local hub"). */
import { createSqsServer } from 'local-aws-sqs';

const port = Number(process.argv[2] ?? 9324);
createSqsServer({ port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false } as Parameters<typeof createSqsServer>[0]).then(
  () => console.log(`local-aws-sqs listening on ${port}`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
