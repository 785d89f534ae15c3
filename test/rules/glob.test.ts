import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileGlob, glob } from '../../rules/logic/glob.ts'

describe('glob', () => {
  it.each([
    ['/visa/**', '/visa/', true],
    ['/visa/**', '/visa/a/b', true],
    ['/visa/**', '/visa', false],
    ['/checkout/*', '/checkout/pay', true],
    ['/checkout/*', '/checkout/', true],
    ['/checkout/*', '/checkout/pay/2', false],
    ['/checkout/*', '/checkout', false],
    ['/checkout', '/checkout', true],
    ['/checkout', '/Checkout', false],
    ['/checkout', '/checkout/', false],
    ['/p/?', '/p/1', true],
    ['/p/?', '/p/12', false],
    ['/p/?', '/p/', false],
    ['/p?x', '/p/x', false],
    ['/p/*/edit', '/p/42/edit', true],
    ['/p/*/edit', '/p/42/43/edit', false],
    ['/p/**/edit', '/p/42/43/edit', true],
    ['/p/**/edit', '/p/edit', false],
    ['/p/**edit', '/p/edit', true],
    ['**', '', true],
    ['**', '/any/thing', true],
    ['*', '', true],
    ['*', 'a/b', false],
    ['***', 'a/b', true],
    ['*.html', 'index.html', true],
    ['*.html', 'docs/index.html', false],
    ['/a*b*c', '/aXbYc', true],
    ['/a*b*c', '/aXbY/c', false],
    ['/shop/*/item-??', '/shop/shoes/item-42', true],
    ['/shop/*/item-??', '/shop/shoes/item-4', false],
    ['', '', true],
    ['', '/', false],
    ['[a]', '[a]', true],
    ['/a.b', '/axb', false],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    expect(compileGlob(pattern)(text)).toBe(expected)
    expect(glob(pattern, text)).toBe(expected)
  })

  it('treats regular-expression characters literally', () => {
    expect(glob('/a+(b)|c$^', '/a+(b)|c$^')).toBe(true)
    expect(glob('/a+', '/aa')).toBe(false)
  })

  it('matches pathological inputs in linear time', () => {
    const text = 'a'.repeat(100_000)
    expect(glob('*a*a*a*a*a*b', text)).toBe(false)
    expect(glob('*a*a*a*a*a*a', text)).toBe(true)
    expect(glob('**a**a**a**a**a**b', text)).toBe(false)
    expect(glob('?'.repeat(50) + '*b', text)).toBe(false)
    expect(glob(`${'/a*'.repeat(20)}/b`, '/a'.repeat(50_000))).toBe(false)
  })

  it('agrees with a regular-expression reference on random patterns and paths', () => {
    // Reference only: the matcher itself never builds a RegExp from a pattern.
    const reference = (pattern: string, text: string): boolean => {
      const source = pattern.replace(/\*\*+|\*|\?|\//g, (token) =>
        token === '*' ? '[^/]*' : token === '?' ? '[^/]' : token === '/' ? '\\/' : '.*',
      )
      return new RegExp(`^${source}$`, 's').test(text)
    }
    const word = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 12 })
    fc.assert(
      fc.property(word(['a', 'b', '/', '*', '?']), word(['a', 'b', '/']), (pattern, text) => {
        const [p, t] = [pattern.join(''), text.join('')]
        expect(compileGlob(p)(t)).toBe(reference(p, t))
      }),
      { numRuns: 3000 },
    )
  })

  it('keeps working when the cache of compiled patterns is full', () => {
    for (let i = 0; i < 600; i++) expect(glob(`/p${i}/*`, `/p${i}/x`)).toBe(true)
    expect(glob('/p0/*', '/p0/x')).toBe(true)
  })

  it('can reuse one compiled matcher for many texts', () => {
    const matches = compileGlob('/docs/**/*.md')
    const texts = ['/docs/x/a.md', '/docs/x/y/b.md', '/docs/a.md', '/docs/x/a.txt', '/blog/x/a.md']
    expect(texts.map(matches)).toEqual([true, true, false, false, false])
  })
})
