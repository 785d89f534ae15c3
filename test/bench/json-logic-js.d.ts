// json-logic-js ships no types; the benchmarks only use these two functions.
declare module 'json-logic-js' {
  const jsonLogic: {
    apply(logic: unknown, data?: unknown): unknown
    add_operation(name: string, fn: (...args: never[]) => unknown): void
  }
  export default jsonLogic
}
