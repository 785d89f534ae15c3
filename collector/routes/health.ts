import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'

/** `GET /v1/health`: the Worker is up (no storage touched). */
export const health = new Hono<AppEnv>().get('/health', (c) => c.json({ ok: true }))
