/**
 * dstreams/nats: NATS JetStream as a source, on a durable consumer, acked only after each
 * batch's outputs and checkpoint. Needs `@nats-io/transport-node` and `@nats-io/jetstream`
 * (3.x), which the core (`dstreams`) never imports.
 *
 * @module
 */
export { jetStream, JetStreamInput, type JetStreamOptions, type JetStreamSource, type NatsMessage } from "./lib/nats/jetstream.ts";
