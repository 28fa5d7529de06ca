/**
 * dstreams/redis: Redis Streams as a source, read through a consumer group, acknowledged
 * only after each batch's outputs and checkpoint. Needs the `redis` package (node-redis 5+),
 * which the core (`dstreams`) never imports.
 *
 * @module
 */
export { type RedisEntry, redisStream, RedisStreamInput, type RedisStreamOptions, type RedisStreamSource } from "./lib/redis/stream.ts";
