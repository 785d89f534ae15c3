// The cost benchmark's Worker entry (`wrangler dev test/bench/cost-worker.ts`, with wrangler.toml's
// bindings): the collector as deployed, with every billed operation counted on its way, and three
// bench-only routes: `GET /bench/meter` (the counts so far), `POST /bench/meter/reset` and
// `POST /bench/change-log/fill` (the D1 change log at its steady-state size). Never part
// of the deployed Worker: nothing here runs in production, and the collector's code is unchanged.
//
// What is counted, as Cloudflare bills it (docs/cost.md names the pages):
// - Worker requests: each `fetch` (bench routes excepted) and each queue consumer invocation;
// - Durable Object requests: each RPC call on a stub (one RPC session each) and each alarm; their
//   wall time, from the caller's side (the object is active at least that long);
// - SQLite rows read and written: the `rowsRead` / `rowsWritten` of every cursor the objects' SQL
//   opens, and one row written per `setAlarm` (billed so);
// - D1 rows read and written: `meta.rows_read` / `meta.rows_written` of every D1 result;
// - Queue operations: one write per 64 KB of each message sent, one read per delivery, one delete
//   per acknowledged message.
//
// Module state is shared by the Worker and the objects: under `wrangler dev` they run in one isolate
// (the bench checks that the SQL counts it reads are not zero).
import { Hono } from 'hono'
import { app } from '../../collector/app.ts'
import type { AppEnv, Env } from '../../collector/env.ts'
import { consumeExport } from '../../collector/export/consumer.ts'
import type { QueueMessage } from '../../collector/export/message.ts'
import { CHANGES_KEPT } from '../../collector/export/tag-index.ts'
import { ProfileDO } from '../../collector/profile/profile-do.ts'
import { RulesDO } from '../../collector/rules/rules-do.ts'
import type { Meter } from './cost-meter.ts'

const empty = (): Meter => ({
  workerRequests: 0,
  queueInvocations: 0,
  doRequests: 0,
  doWallMs: 0,
  alarms: 0,
  sqlRowsRead: 0,
  sqlRowsWritten: 0,
  sqlRowsWrittenBy: {},
  sqlRowsInsertedBy: {},
  sqlRowsDeletedBy: {},
  localRowsWritten: 0,
  setAlarms: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  queueWrites: 0,
  queueReads: 0,
  queueDeletes: 0,
  queueMessagesSent: 0,
})

let meter = empty()

/** Queue operations are billed per 64 KB (of 1,000 bytes), each message with ~100 bytes of metadata. */
const queueUnits = (body: unknown): number =>
  Math.max(1, Math.ceil((JSON.stringify(body).length + 100) / 64_000))

/**
 * SQL cursors whose counts may still grow (a cursor counts the rows as they are stepped through):
 * each with the counts already added to the meter. Older ones are settled when the list grows.
 */
const open: {
  cursor: SqlStorageCursor<Record<string, SqlStorageValue>>
  /** What `tableWritten` names for the statement. */
  table: string
  /** The statement's verb, when it inserts or deletes rows. */
  verb: 'insert' | 'delete' | undefined
  read: number
  written: number
}[] = []
const OPEN_CURSORS = 256

function settleCursors(keep: number): void {
  for (const entry of open) {
    meter.sqlRowsRead += entry.cursor.rowsRead - entry.read
    const written = entry.cursor.rowsWritten - entry.written
    if (entry.table === LOCAL_ONLY) meter.localRowsWritten += written
    else meter.sqlRowsWritten += written
    if (written && entry.table !== LOCAL_ONLY) {
      add(meter.sqlRowsWrittenBy, entry.table, written)
      if (entry.verb === 'insert') add(meter.sqlRowsInsertedBy, entry.table, written)
      if (entry.verb === 'delete') add(meter.sqlRowsDeletedBy, entry.table, written)
    }
    entry.read = entry.cursor.rowsRead
    entry.written = entry.cursor.rowsWritten
  }
  open.splice(0, Math.max(0, open.length - keep))
}

const add = (counts: Record<string, number>, key: string, count: number) => {
  counts[key] = (counts[key] ?? 0) + count
}

/** Whether a statement inserts or deletes rows (an upsert counts as neither). */
function verbOf(query: string): 'insert' | 'delete' | undefined {
  if (/^\s*DELETE\s/i.test(query)) return 'delete'
  if (/^\s*INSERT\s/i.test(query) && !/\bON\s+CONFLICT\b/i.test(query)) return 'insert'
  return undefined
}

/** The table miniflare keeps in each object's storage (not in a deployed object's). */
const LOCAL_ONLY = '__miniflare_do_name'

/** The table a statement writes: `schema` for DDL, `read` for a query. */
function tableWritten(query: string): string {
  if (query.includes(LOCAL_ONLY)) return LOCAL_ONLY
  const write =
    /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)/i.exec(query)
  if (write) return write[1]!
  return /^\s*(?:CREATE|DROP|ALTER)/i.test(query) ? 'schema' : 'read'
}

/** `value`'s methods called on `target` itself (runtime objects refuse a proxy as `this`). */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key, target)
  return typeof value === 'function' ? value.bind(target) : value
}

/**
 * Counts the SQL cursors and alarms of an object's storage. The runtime accepts only its own
 * `DurableObjectState` for an object, so its methods are replaced on the storage itself (the one
 * object `ctx.storage` and `ctx.storage.sql` give each time): bench-only, as this whole entry is.
 */
function meterStorage(storage: DurableObjectStorage): void {
  const sql = storage.sql
  const exec = sql.exec.bind(sql)
  Object.defineProperty(sql, 'exec', {
    value: (query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...bindings)
      open.push({ cursor, table: tableWritten(query), verb: verbOf(query), read: 0, written: 0 })
      if (open.length > OPEN_CURSORS) settleCursors(OPEN_CURSORS / 2)
      return cursor
    },
  })
  const setAlarm = storage.setAlarm.bind(storage)
  Object.defineProperty(storage, 'setAlarm', {
    value: (time: number | Date, options?: DurableObjectSetAlarmOptions) => {
      meter.setAlarms++
      return setAlarm(time, options)
    },
  })
}

/** Adds a D1 result's rows to the meter. */
function countD1({ meta }: { meta: D1Meta }): void {
  meter.d1RowsRead += meta.rows_read
  meter.d1RowsWritten += meta.rows_written
}

function meteredStatement(statement: D1PreparedStatement): D1PreparedStatement {
  return new Proxy(statement, {
    get(target, key) {
      if (key === 'bind') return (...values: unknown[]) => meteredStatement(target.bind(...values))
      if (key === 'run' || key === 'all')
        return async () => {
          const result = await target[key]()
          countD1(result)
          return result
        }
      // `first` answers a row, not a result with its figures: asked as `all`, its first row.
      if (key === 'first')
        return async (column?: string) => {
          const result = await target.all<Record<string, unknown>>()
          countD1(result)
          const row = result.results[0]
          return row === undefined ? null : column === undefined ? row : row[column]
        }
      if (key === 'raw')
        throw new Error(`the cost bench counts no D1 ${key}(): meter it before using it`)
      return bound(target, key)
    },
  })
}

function meteredD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'prepare') return (query: string) => meteredStatement(target.prepare(query))
      if (key === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements)
          for (const result of results) countD1(result)
          return results
        }
      return bound(target, key)
    },
  })
}

function meteredQueue(queue: Queue<QueueMessage>): Queue<QueueMessage> {
  return new Proxy(queue, {
    get(target, key) {
      if (key === 'send')
        return (body: QueueMessage, options?: QueueSendOptions) => {
          meter.queueMessagesSent++
          meter.queueWrites += queueUnits(body)
          return target.send(body, options)
        }
      if (key === 'sendBatch')
        return (
          messages: Iterable<MessageSendRequest<QueueMessage>>,
          options?: QueueSendBatchOptions,
        ) => {
          const list = [...messages]
          meter.queueMessagesSent += list.length
          for (const message of list) meter.queueWrites += queueUnits(message.body)
          return target.sendBatch(list, options)
        }
      return bound(target, key)
    },
  })
}

/** A namespace whose stubs count each RPC call as a request, with its wall time. */
function meteredNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
): DurableObjectNamespace<T> {
  const meteredStub = (stub: DurableObjectStub<T>): DurableObjectStub<T> =>
    new Proxy(stub, {
      get(target, key) {
        const method: unknown = Reflect.get(target, key, target)
        if (typeof method !== 'function' || typeof key !== 'string' || key === 'fetch')
          return bound(target, key)
        return async (...args: unknown[]): Promise<unknown> => {
          meter.doRequests++
          const started = Date.now()
          try {
            const result: unknown = await Reflect.apply(method, target, args)
            return result
          } finally {
            meter.doWallMs += Date.now() - started
          }
        }
      },
    })
  return new Proxy(namespace, {
    get(target, key) {
      if (key === 'getByName')
        return (name: string, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
          meteredStub(target.getByName(name, options))
      if (key === 'get')
        return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
          meteredStub(target.get(id, options))
      return bound(target, key)
    },
  })
}

const meteredEnvs = new WeakMap<Env, Env>()
function meteredEnv(env: Env): Env {
  let metered = meteredEnvs.get(env)
  if (!metered) {
    metered = {
      ...env,
      DB: meteredD1(env.DB),
      TAG_CHANGES: meteredQueue(env.TAG_CHANGES),
      PROFILES: meteredNamespace(env.PROFILES),
      RULES: meteredNamespace(env.RULES),
    }
    meteredEnvs.set(env, metered)
  }
  return metered
}

/** A queue delivery whose acknowledgements are counted as the deletes they cost. */
function meteredBatch(batch: MessageBatch<unknown>): MessageBatch<unknown> {
  const messages = batch.messages.map(
    (message) =>
      new Proxy(message, {
        get(target, key) {
          if (key !== 'ack') return bound(target, key)
          return () => {
            meter.queueDeletes += queueUnits(target.body)
            target.ack()
          }
        },
      }),
  )
  return new Proxy(batch, {
    get: (target, key) => (key === 'messages' ? messages : bound(target, key)),
  })
}

/** A profile with its storage and bindings metered, and its alarms counted as requests. */
class MeteredProfileDO extends ProfileDO {
  constructor(ctx: DurableObjectState, env: Env) {
    meterStorage(ctx.storage)
    super(ctx, meteredEnv(env))
  }

  override async alarm(): Promise<void> {
    meter.alarms++
    meter.doRequests++
    const started = Date.now()
    try {
      await super.alarm()
    } finally {
      meter.doWallMs += Date.now() - started
    }
  }
}

class MeteredRulesDO extends RulesDO {
  constructor(ctx: DurableObjectState, env: Env) {
    meterStorage(ctx.storage)
    super(ctx, meteredEnv(env))
  }
}

// wrangler.toml binds the classes by these names.
export { MeteredProfileDO as ProfileDO, MeteredRulesDO as RulesDO }

const bench = new Hono<AppEnv>()
  .get('/bench/meter', (c) => {
    settleCursors(OPEN_CURSORS)
    return c.json(meter)
  })
  // The change log as it is once a deployment has run a while: full, so that every change logged
  // during the replay trims the oldest row (two rows written: the row and its index entry), as it
  // does in steady state. Run before the meter's reset: the fill is not counted.
  .post('/bench/change-log/fill', async (c) => {
    await c.env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO tag_changes (id, profile, tag, to_value, at)
       SELECT 'bench-before-' || i, 'bench:before', 'bench', 'true', i FROM n`,
    )
      .bind(CHANGES_KEPT)
      .run()
    return c.json({ filled: CHANGES_KEPT })
  })
  .post('/bench/meter/reset', (c) => {
    settleCursors(0)
    meter = empty()
    return c.json(meter)
  })
  .all('*', (c) => {
    meter.workerRequests++
    return app.fetch(c.req.raw, meteredEnv(c.env), c.executionCtx)
  })

export default {
  fetch: bench.fetch,
  async queue(batch, env, ctx) {
    meter.queueInvocations++
    meter.workerRequests++
    for (const message of batch.messages) meter.queueReads += queueUnits(message.body)
    await consumeExport(meteredBatch(batch), meteredEnv(env), ctx)
  },
} satisfies ExportedHandler<Env, unknown>
