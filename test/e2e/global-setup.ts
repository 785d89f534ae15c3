// One collector under `wrangler dev` (static assets, Durable Objects, D1) for the whole browser suite,
// on a free 127.0.0.1 port with fresh state; the tests get its URL and adminKey through `inject`.
import type { TestProject } from 'vitest/node'
import { startWranglerDev } from '../support/wrangler-dev.ts'

export const ADMIN_KEY = 'e2e-admin-key'

declare module 'vitest' {
  export interface ProvidedContext {
    collectorUrl: string
    adminKey: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dev = await startWranglerDev({ vars: { ADMIN_KEY } })
  project.provide('collectorUrl', dev.url)
  project.provide('adminKey', ADMIN_KEY)
  return () => dev.stop()
}
