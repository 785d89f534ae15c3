/** Limits of a rules document (spec rules.md §2). */
export const DOCUMENT_LIMITS = { bytes: 1_048_576, metrics: 500, tags: 1000 } as const
