import type { SendRequest } from '../mini/host.ts'
import { REQUEST_TIMEOUT_MS } from '../mini/request.ts'
import { httpResponse } from '../mini/response.ts'
import type { MyApi } from './types.ts'

/** `my.request`'s error for an HTTP status outside 2xx (other errors carry no answer). */
const HTTP_ERROR = 19

/**
 * One request through `my.request`. Unlike WeChat, Alipay calls `fail` for an HTTP status outside
 * 2xx (error 19), with the answer's `status`, `headers` and `data`: that is an answer (a 413 to
 * split, a 400 to drop, a 503 with Retry-After), not a network failure. The body is asked for as
 * text (`dataType: 'json'` would fail with error 14 on a body that is not JSON) and parsed when
 * read.
 */
export const mySend =
  (api: Pick<MyApi, 'request'>): SendRequest =>
  (url, init, reply) =>
    api.request({
      url,
      method: init.method,
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { data: init.body }),
      dataType: 'text',
      timeout: REQUEST_TIMEOUT_MS,
      success: (result) => reply.response(httpResponse(result.status, result.headers, result.data)),
      fail: (error) =>
        error?.error === HTTP_ERROR && typeof error.status === 'number'
          ? reply.response(httpResponse(error.status, error.headers, error.data))
          : reply.failure(new Error(error?.errorMessage ?? `request:fail ${error?.error}`)),
    })
