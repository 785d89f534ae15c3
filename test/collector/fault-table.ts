/** One row of the reliability table (collector/README.md, "Reliability"). */
export interface FaultRow {
  fault: string
  /** What was injected, counted: "14 aborts", "31 of 120 D1 calls failed". */
  injected: string
  /** Events (or payloads) sent. */
  sent: number
  /** Events stored exactly once; `null` where nothing is to be stored (bad input). */
  storedOnce: number | null
  lost: number | null
  doubled: number | null
  /** 5xx answers the client got (and retried), with what they were. */
  fiveXx: string
  /** "12/12 profiles" (tags and metrics equal to the engine's), or what was checked instead. */
  tagsCorrect: string
}

const COLUMNS: [keyof FaultRow, string][] = [
  ['fault', 'fault'],
  ['injected', 'injected'],
  ['sent', 'events sent'],
  ['storedOnce', 'stored exactly once'],
  ['lost', 'lost'],
  ['doubled', 'counted twice'],
  ['fiveXx', '5xx answers'],
  ['tagsCorrect', 'tags = engine at the end'],
]

const cell = (value: FaultRow[keyof FaultRow]) =>
  value === null ? '—' : typeof value === 'number' ? value.toLocaleString('en-US') : value

/** The rows as a Markdown table, as the README shows it. */
export function faultTable(rows: readonly FaultRow[]): string {
  const lines = [
    `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${COLUMNS.map(([key]) => cell(row[key])).join(' | ')} |`),
  ]
  return lines.join('\n')
}
