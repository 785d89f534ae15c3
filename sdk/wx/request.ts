import type { SendRequest } from '../mini/host.ts'
import { REQUEST_TIMEOUT_MS } from '../mini/request.ts'
import { httpResponse } from '../mini/response.ts'
import type { WxApi } from './types.ts'

/**
 * One request through `wx.request` (and Douyin's `tt.request`, which has its shape): `success`
 * comes for any HTTP status, `fail` (timeout, no network, abort) has no answer. `dataType: 'json'`
 * parses a JSON body and hands any other over as text.
 */
export const wxSend =
  (api: Pick<WxApi, 'request'>): SendRequest =>
  (url, init, reply) =>
    api.request({
      url,
      method: init.method,
      header: init.headers ?? {},
      ...(init.body === undefined ? {} : { data: init.body }),
      dataType: 'json',
      timeout: REQUEST_TIMEOUT_MS,
      success: (result) =>
        reply.response(httpResponse(result.statusCode, result.header, result.data)),
      fail: (error) => reply.failure(new Error(error?.errMsg ?? 'request:fail')),
    })
