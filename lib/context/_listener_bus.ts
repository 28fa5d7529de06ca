/**
 * The listener bus of one StreamingContext, asynchronous as Spark's is: posting an event
 * only queues it, and each listener has its own bounded queue, drained in order. A
 * listener may return a promise; its next event waits for it, and the batches do not.
 * When a listener's queue is full, new events for it are dropped and counted, with a
 * warning (Spark's `spark.scheduler.listenerbus.eventqueue.capacity`, 10000 events).
 *
 * Events are delivered in a microtask after they are posted, so a listener that works
 * synchronously still shares the event loop with the job: slow work belongs in a promise.
 *
 * @module
 */
import type { Logger } from "../dstream/_graph.ts";
import type { StreamingListener } from "./listener.ts";

/** An event: calls the right callback of a listener, returning what it returned. */
export type ListenerEvent = (listener: StreamingListener) => unknown;

/** Spark's default capacity of an event queue. */
export const DEFAULT_LISTENER_QUEUE_CAPACITY = 10_000;

/** How often the count of dropped events is logged again, at most (Spark: once a minute). */
const DROP_WARNING_INTERVAL_MS = 60_000;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

/** One listener and the events waiting for it. */
class ListenerQueue {
  readonly listener: StreamingListener;
  readonly capacity: number;
  readonly #logger: Logger;
  /** A ring of pending events: `#head` is the oldest, `#size` how many. */
  #ring: Array<ListenerEvent | undefined>;
  #head = 0;
  #size = 0;
  #draining = false;
  #removed = false;
  #dropped = 0;
  #droppedSinceWarning = 0;
  #lastWarning = -Infinity;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(listener: StreamingListener, capacity: number, logger: Logger) {
    this.listener = listener;
    this.capacity = capacity;
    this.#logger = logger;
    this.#ring = new Array<ListenerEvent | undefined>(Math.min(capacity, 64));
  }

  /** Events dropped so far because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events waiting. */
  get size(): number {
    return this.#size;
  }

  offer(event: ListenerEvent): void {
    if (this.#removed) return;
    if (this.#size >= this.capacity) {
      this.#drop();
      return;
    }
    if (this.#size === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#size) % this.#ring.length] = event;
    this.#size++;
    if (!this.#draining) {
      this.#draining = true;
      queueMicrotask(() => void this.#drain());
    }
  }

  remove(): void {
    this.#removed = true;
    this.#ring.fill(undefined);
    this.#size = 0;
  }

  /** Resolves once no event is waiting or being handled. */
  idle(): Promise<void> {
    if (!this.#draining) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #grow(): void {
    const bigger = new Array<ListenerEvent | undefined>(Math.min(this.capacity, this.#ring.length * 2));
    for (let i = 0; i < this.#size; i++) bigger[i] = this.#ring[(this.#head + i) % this.#ring.length];
    this.#ring = bigger;
    this.#head = 0;
  }

  #take(): ListenerEvent | undefined {
    if (this.#size === 0) return undefined;
    const event = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#size--;
    return event;
  }

  async #drain(): Promise<void> {
    try {
      for (let event = this.#take(); event !== undefined; event = this.#take()) {
        try {
          const returned = event(this.listener);
          if (isPromiseLike(returned)) await returned;
        } catch (error) {
          this.#logger.error("A StreamingListener threw; it is kept, and the job goes on", error);
        }
      }
    } finally {
      this.#draining = false;
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  #drop(): void {
    this.#dropped++;
    this.#droppedSinceWarning++;
    const now = Date.now();
    if (now - this.#lastWarning < DROP_WARNING_INTERVAL_MS) return;
    const first = this.#lastWarning === -Infinity;
    this.#lastWarning = now;
    this.#logger.warn(
      first
        ? `Dropping an event for a StreamingListener whose queue is full (${this.capacity} events): the listener is slower than the job. ` +
          "Its events are dropped and counted until it catches up; do its slow work in a returned promise, or raise the queue's capacity"
        : `Dropped ${this.#droppedSinceWarning} events for a slow StreamingListener in the last minute (${this.#dropped} in all)`,
    );
    this.#droppedSinceWarning = 0;
  }
}

/**
 * Options for a listener's queue.
 *
 * @category listeners
 * @since 0.2.0
 */
export interface ListenerQueueOptions {
  /** How many events may wait for the listener before new ones are dropped (default 10000). */
  readonly capacity?: number;
}

/**
 * What the bus tells about one listener's queue.
 *
 * @category listeners
 * @since 0.2.0
 */
export interface ListenerQueueStatus {
  readonly capacity: number;
  /** Events waiting now. */
  readonly pending: number;
  /** Events dropped so far because the queue was full. */
  readonly dropped: number;
}

export class ListenerBus {
  readonly #logger: () => Logger;
  readonly #queues = new Map<StreamingListener, ListenerQueue>();

  constructor(logger: () => Logger) {
    this.#logger = logger;
  }

  /** How many listeners are registered. */
  get size(): number {
    return this.#queues.size;
  }

  add(listener: StreamingListener, options: ListenerQueueOptions = {}): void {
    if (typeof listener !== "object" || listener === null) {
      throw new TypeError(`A StreamingListener must be an object with callbacks such as onBatchCompleted, got ${String(listener)}`);
    }
    const capacity = options.capacity ?? DEFAULT_LISTENER_QUEUE_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`A listener queue's capacity must be a positive whole number of events, got ${String(capacity)}`);
    }
    if (this.#queues.has(listener)) return;
    this.#queues.set(listener, new ListenerQueue(listener, capacity, this.#logger()));
  }

  remove(listener: StreamingListener): void {
    this.#queues.get(listener)?.remove();
    this.#queues.delete(listener);
  }

  /** Queues `event` for every listener; never runs one. */
  post(event: ListenerEvent): void {
    for (const queue of this.#queues.values()) queue.offer(event);
  }

  /** The queue of `listener`, if it is registered. */
  status(listener: StreamingListener): ListenerQueueStatus | undefined {
    const queue = this.#queues.get(listener);
    return queue === undefined ? undefined : { capacity: queue.capacity, pending: queue.size, dropped: queue.dropped };
  }

  /** Events dropped so far, over every listener registered now. */
  get dropped(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.dropped;
    return n;
  }

  /** Resolves once every listener has handled every event posted so far. */
  async idle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.idle()));
  }
}

/** The bus of each context, for `dstreams/ui` and tests: reached by the context object. */
const buses = new WeakMap<object, ListenerBus>();

/** Makes the bus of `owner` (a StreamingContext). */
export const createListenerBus = (owner: object, logger: () => Logger): ListenerBus => {
  const bus = new ListenerBus(logger);
  buses.set(owner, bus);
  return bus;
};

/** The bus of a StreamingContext. */
export const listenerBusOf = (owner: object): ListenerBus => {
  const bus = buses.get(owner);
  if (bus === undefined) throw new TypeError("Expected a StreamingContext: its listener bus is made with it");
  return bus;
};
