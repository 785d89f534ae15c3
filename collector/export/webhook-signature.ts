const decodeBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
const encodeBase64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)))

/**
 * The Standard Webhooks signature (https://www.standardwebhooks.com): `v1,` + base64 of the
 * HMAC-SHA256 of `"{id}.{timestamp}.{body}"`, keyed with the base64 part of a `whsec_` secret.
 */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    decodeBase64(secret.slice('whsec_'.length)),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign(
    'HMAC',
    key,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  )
  return `v1,${encodeBase64(mac)}`
}
