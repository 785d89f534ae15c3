import type { HttpResponse } from '../core/platform.ts'

/**
 * The {@link HttpResponse} of a runtime's answer: headers looked up by any case (runtimes hand
 * them over as the server wrote them), the body parsed when it is JSON text (a runtime that parsed
 * it already hands over the object).
 */
export function httpResponse(status: number, headers: unknown, data: unknown): HttpResponse {
  const header = typeof headers === 'object' && headers !== null ? headers : {}
  return {
    status,
    headers: {
      get(name) {
        const key = Object.keys(header).find((k) => k.toLowerCase() === name.toLowerCase())
        return key === undefined ? null : String((header as Record<string, unknown>)[key])
      },
    },
    json: async () => (typeof data === 'string' ? JSON.parse(data) : data),
  }
}
