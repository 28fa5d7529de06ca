/**
 * dstreams/kafka: Apache Kafka as a source and a sink, on `@platformatic/kafka` (install it
 * next to dstreams: `npm install @platformatic/kafka`). The core (`dstreams`) imports no
 * broker client; this entry point does.
 *
 * - {@link createDirectStream}: Spark's direct stream. Each batch is one offset range per
 *   partition, fixed at batch time; ranges are checkpointed and the group's offsets are
 *   committed only after the batch's outputs (and checkpoint) completed.
 * - {@link offsetRanges} (Spark's `HasOffsetRanges`) and `stream.commitAsync(ranges)`
 *   (Spark's `CanCommitOffsets`).
 * - {@link jsonValues} / {@link decodeValues}: values as JSON or through an io-ts codec;
 *   what does not decode becomes a dead letter, counted.
 * - {@link saveToKafka}: a sink with the idempotent producer.
 * - Scale-out (`createDirectStream(ssc, { …, scaleOut: { store } })`): processes with the
 *   same `groupId` share the partitions as members of the consumer group, and keyed state
 *   moves with its partition through a shared store; {@link repartitionThrough} re-keys a
 *   pair stream through a topic first; {@link kafkaPartitionOf} is Kafka's default partitioner.
 *
 * @module
 */
export {
  createDirectStream,
  type Deserialized,
  type Deserializer,
  type DirectStreamOptions,
  headerText,
  type KafkaDirectStream,
  type KafkaRecord,
  type OffsetRange,
  offsetRanges,
  type StartingOffsets,
} from "./lib/kafka/direct_stream.ts";
export { KafkaSourceError } from "./lib/kafka/_client.ts";
export { type KafkaScaleOutStream, type RebalanceEvent, type ScaleOutOptions } from "./lib/kafka/_scale_out_stream.ts";
export { kafkaPartitionOf } from "./lib/kafka/partitioner.ts";
export { type RepartitionedStream, repartitionThrough, type RepartitionOptions } from "./lib/kafka/repartition.ts";
export { decodeValues, jsonValues } from "./lib/kafka/decode.ts";
export { type KafkaSink, saveToKafka, type SaveToKafkaOptions } from "./lib/kafka/sink.ts";
